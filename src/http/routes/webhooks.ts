/**
 * `/v1/webhooks` (issue 13): the calling client's one webhook, under scope `webhooks:admin`.
 * PUT creates or replaces it and answers the signing secret, in that answer only; GET shows
 * the URL and times; DELETE removes it. The client is the token's: no client can see or
 * change another's webhook.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { Problem } from '../../../schemas/problem.ts';
import { Webhook, WebhookRequest, WebhookWithSecret } from '../../../schemas/webhook.ts';
import type { WebhookService } from '../../core/webhooks.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { bearerJwt, requireScope } from '../auth.ts';
import { requireJson } from './verifications.ts';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});

const put = createRoute({
  path: '/v1/webhooks',
  security: [{ bearer: [] }],
  method: 'put',
  summary: 'Register or replace the calling client’s webhook',
  description:
    'Events `decision.superseded` and `decision.reviewed` about the client’s decisions are POSTed to the URL, signed per Standard Webhooks with the secret this answer holds (shown once). A new webhook is told of supersessions from now on; a replaced one keeps its place and gets a new secret.',
  middleware: [requireScope('webhooks:admin'), requireJson] as const,
  request: { body: { required: true, content: { 'application/json': { schema: WebhookRequest } } } },
  responses: {
    201: {
      description: 'Registered; the secret is shown in this answer only',
      content: { 'application/json': { schema: WebhookWithSecret } },
    },
    200: {
      description: 'Replaced; a new secret, shown in this answer only',
      content: { 'application/json': { schema: WebhookWithSecret } },
    },
    400: problem('Invalid body, or a URL the address policy refuses'),
    401: problem('Missing or invalid token'),
    403: problem('Token lacks webhooks:admin'),
    413: problem('Body too large'),
    415: problem('Not application/json'),
  },
});

const get = createRoute({
  path: '/v1/webhooks',
  security: [{ bearer: [] }],
  method: 'get',
  summary: 'Read the calling client’s webhook (never its secret)',
  middleware: [requireScope('webhooks:admin')] as const,
  responses: {
    200: { description: 'The webhook', content: { 'application/json': { schema: Webhook } } },
    401: problem('Missing or invalid token'),
    403: problem('Token lacks webhooks:admin'),
    404: problem('The client has no webhook'),
  },
});

const remove = createRoute({
  path: '/v1/webhooks',
  security: [{ bearer: [] }],
  method: 'delete',
  summary: 'Remove the calling client’s webhook and its undelivered events',
  middleware: [requireScope('webhooks:admin')] as const,
  responses: {
    204: { description: 'Removed' },
    401: problem('Missing or invalid token'),
    403: problem('Token lacks webhooks:admin'),
    404: problem('The client has no webhook'),
  },
});

/** @example webhookRoutes(app, deps) */
export function webhookRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: AppDeps & { readonly webhooks?: WebhookService },
): void {
  const service = deps.webhooks;
  if (service === undefined) return;
  app.use('/v1/webhooks', bearerJwt(deps.auth));

  app.openapi(put, async (c) => {
    const { webhook, secret, created } = await service.register(
      c.get('principal').clientId,
      c.req.valid('json').url,
    );
    c.header('Cache-Control', 'no-store');
    return c.json({ ...webhook, secret }, created ? 201 : 200);
  });

  app.openapi(get, async (c) => c.json(await service.get(c.get('principal').clientId), 200));

  app.openapi(remove, async (c) => {
    await service.remove(c.get('principal').clientId);
    return c.body(null, 204);
  });
}
