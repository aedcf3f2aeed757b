/**
 * The re-verification queue for operators (`egw reverify status|run-now`): counts, ages and
 * error codes only — never a decision's content or a person.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { Problem } from '../../../schemas/problem.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { requireScope } from '../auth.ts';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});

const QueueStatus = z
  .object({
    pending: z.number().int().meta({ description: 'Decisions still waiting for a registry' }),
    due: z.number().int().meta({ description: 'Pending decisions whose next attempt is due now' }),
    done: z.number().int().meta({ description: 'Re-verifications closed by a successor decision' }),
    oldestPendingSince: z.string().optional().meta({ description: 'When the oldest pending one was queued' }),
    nextAttemptAt: z.string().optional(),
    lastErrors: z
      .record(z.string(), z.number().int())
      .meta({ description: 'Pending decisions by the error code of their last attempt' }),
  })
  .meta({ id: 'ReverificationStatus' });

const PassResult = z
  .object({
    pending: z.number().int().meta({ description: 'Pending before the pass (all made due)' }),
    taken: z.number().int(),
    superseded: z.number().int(),
    deferred: z.number().int(),
    closed: z.number().int(),
    failed: z.number().int(),
  })
  .meta({ id: 'ReverificationPass' });

const status = createRoute({
  method: 'get',
  path: '/v1/reverifications',
  summary: 'The re-verification queue: how many decisions wait, since when, and why',
  security: [{ bearer: [] }],
  middleware: [requireScope('reverifications:admin')] as const,
  responses: {
    200: { description: 'Queue figures', content: { 'application/json': { schema: QueueStatus } } },
    401: problem('Missing or invalid token'),
    403: problem('Token lacks reverifications:admin'),
  },
});

const run = createRoute({
  method: 'post',
  path: '/v1/reverifications/run',
  summary: 'Make every pending re-verification due and run one pass now',
  security: [{ bearer: [] }],
  middleware: [requireScope('reverifications:admin')] as const,
  responses: {
    200: { description: 'What the pass did', content: { 'application/json': { schema: PassResult } } },
    401: problem('Missing or invalid token'),
    403: problem('Token lacks reverifications:admin'),
  },
});

export function reverificationRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const operations = deps.reverification;
  if (!operations) return;
  app.openapi(status, async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(await operations.status(), 200);
  });
  app.openapi(run, async (c) => c.json(await operations.runNow(), 200));
}
