/**
 * `GET /v1/verifications?changedSince=CURSOR` (issue 13): the change feed for intake systems
 * that poll instead of receiving webhooks. The caller's superseded and reviewed decisions in
 * log order (every client's with `audit:read`), ids and outcomes only.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { Problem } from '../../../schemas/problem.ts';
import { ChangeFeed } from '../../../schemas/webhook.ts';
import { CHANGE_FEED_LIMIT, type ChangeFeedStore, readChanges } from '../../core/change-feed.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { requireScope } from '../auth.ts';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});

const feed = createRoute({
  method: 'get',
  path: '/v1/verifications',
  summary: 'Changes: the caller’s superseded and reviewed decisions, in log order',
  description:
    'Start without `changedSince`; then pass the `next` of each answer. `next` is always present and stays the same while nothing changes. With `audit:read`, every client’s changes.',
  security: [{ bearer: [] }],
  middleware: [requireScope('verifications:read', 'audit:read')] as const,
  request: {
    query: z.object({
      changedSince: z
        .string()
        .max(64)
        .optional()
        .meta({ description: 'The `next` of the previous answer (opaque); absent: from the start.' }),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(CHANGE_FEED_LIMIT.max)
        .optional()
        .meta({ description: `Most items in one answer. Default ${CHANGE_FEED_LIMIT.default}.` }),
    }),
  },
  responses: {
    200: { description: 'One page of changes', content: { 'application/json': { schema: ChangeFeed } } },
    400: problem('A cursor this gateway did not issue, or a bad limit'),
    401: problem('Missing or invalid token'),
    403: problem('Token lacks verifications:read'),
  },
});

/** @example changeFeedRoutes(app, deps) */
export function changeFeedRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: AppDeps & { readonly changes?: ChangeFeedStore },
): void {
  const store = deps.changes;
  if (store === undefined) return;
  app.openapi(feed, async (c) => {
    const principal = c.get('principal');
    const query = c.req.valid('query');
    const page = await readChanges(store, {
      ...(principal.scopes.includes('audit:read') ? {} : { clientId: principal.clientId }),
      cursor: query.changedSince,
      limit: query.limit ?? CHANGE_FEED_LIMIT.default,
    });
    c.header('Cache-Control', 'no-store');
    return c.json({ items: [...page.items], next: page.next }, 200);
  });
}
