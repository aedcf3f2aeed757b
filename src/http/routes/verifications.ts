import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { Decision } from '../../../schemas/decision.ts';
import { Problem } from '../../../schemas/problem.ts';
import { ReviewRequest } from '../../../schemas/review.ts';
import { VerificationRequest } from '../../../schemas/verification-request.ts';
import { GatewayError } from '../../core/errors.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { requireScope } from '../auth.ts';
import { languageOf } from '../problems.ts';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});

const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/** 415 unless the body is declared application/json. */
export const requireJson = createMiddlewareRequireJson();
const requireIdempotencyKey = createMiddlewareRequireIdempotencyKey();

const create = createRoute({
  method: 'post',
  path: '/v1/verifications',
  summary: 'Verify an applicant’s economic eligibility',
  security: [{ bearer: [] }],
  middleware: [requireScope('verifications:write'), requireJson, requireIdempotencyKey] as const,
  request: {
    headers: z.object({
      'idempotency-key': IdempotencyKey.meta({
        description: 'Same key and body → same decision; another body → 409.',
      }),
    }),
    body: { required: true, content: { 'application/json': { schema: VerificationRequest } } },
  },
  responses: {
    201: {
      description: 'A new signed decision with its receipt',
      content: { 'application/json': { schema: Decision } },
    },
    200: {
      description: 'The decision an earlier request with this key produced',
      content: { 'application/json': { schema: Decision } },
    },
    400: problem('Invalid request'),
    401: problem('Missing or invalid token'),
    403: problem('Token lacks verifications:write'),
    409: problem('Idempotency key reused with another body'),
    413: problem('Body too large'),
    415: problem('Not application/json'),
    422: problem('Region or matter category not covered by any policy'),
  },
});

const read = createRoute({
  method: 'get',
  path: '/v1/verifications/{id}',
  summary: 'Read a decision',
  security: [{ bearer: [] }],
  middleware: [requireScope('verifications:read', 'audit:read')] as const,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: { description: 'The decision', content: { 'application/json': { schema: Decision } } },
    400: problem('Malformed decision id'),
    401: problem('Missing or invalid token'),
    403: problem('Token lacks verifications:read'),
    404: problem('No such decision for this client'),
  },
});

const review = createRoute({
  method: 'post',
  path: '/v1/verifications/{id}/reviews',
  summary: 'Review a decision: a new signed decision that supersedes it',
  description:
    'The reviewer (the token’s client) may not be the client that asked for the decision. The note is sealed at rest and never enters the log; the log gets a `supersession` leaf binding both decisions and a commitment to the reviewer.',
  security: [{ bearer: [] }],
  middleware: [requireScope('reviews:write'), requireJson] as const,
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    body: { required: true, content: { 'application/json': { schema: ReviewRequest } } },
  },
  responses: {
    201: {
      description: 'The reviewed decision, signed, with its receipt and `supersedes`',
      content: { 'application/json': { schema: Decision } },
    },
    400: problem('Invalid review (outcome, reasonCode from the published list, note)'),
    401: problem('Missing or invalid token'),
    403: problem('Token lacks reviews:write, or the reviewer asked for the decision'),
    404: problem('No such decision for this client (without audit:read)'),
    409: problem('The decision was already superseded'),
    413: problem('Body too large'),
    415: problem('Not application/json'),
  },
});

export function verificationRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(create, async (c) => {
    const principal = c.get('principal');
    const { decision, replayed } = await deps.service.verify({
      clientId: principal.clientId,
      idempotencyKey: c.req.valid('header')['idempotency-key'],
      request: c.req.valid('json'),
      language: languageOf(c.req.header('accept-language')),
      priority: priorityOf(c.req.header('x-egw-priority'), c.req.header('priority')),
    });
    c.header('Location', `/v1/verifications/${decision.id}`);
    if (replayed) {
      c.header('Idempotent-Replayed', 'true');
      return c.json(decision, 200);
    }
    return c.json(decision, 201);
  });

  app.openapi(read, async (c) => {
    const principal = c.get('principal');
    const decision = await deps.service.read(
      c.req.valid('param').id,
      principal.clientId,
      principal.scopes.includes('audit:read'),
    );
    return c.json(decision, 200);
  });

  app.openapi(review, async (c) => {
    const principal = c.get('principal');
    const decision = await deps.service.review({
      decisionId: c.req.valid('param').id,
      reviewerId: principal.clientId,
      audit: principal.scopes.includes('audit:read'),
      review: c.req.valid('json'),
      language: languageOf(c.req.header('accept-language')),
    });
    c.header('Location', `/v1/verifications/${decision.id}`);
    return c.json(decision, 201);
  });
}

/**
 * `X-EGW-Priority: batch`, or RFC 9218 `Priority: u=7` (background), marks a bulk request;
 * anything else is online. Claiming batch only ever lowers a request's own priority.
 */
export function priorityOf(egw: string | undefined, rfc9218: string | undefined): 'online' | 'batch' {
  if (egw?.trim().toLowerCase() === 'batch') return 'batch';
  return rfc9218 !== undefined && /(?:^|,)\s*u\s*=\s*7\s*(?:,|$)/.test(rfc9218) ? 'batch' : 'online';
}

function createMiddlewareRequireJson() {
  return async (c: { req: { header(name: string): string | undefined } }, next: () => Promise<void>) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
      throw new GatewayError('ERR_UNSUPPORTED_MEDIA_TYPE', 'content type must be application/json');
    }
    await next();
  };
}

function createMiddlewareRequireIdempotencyKey() {
  return async (c: { req: { header(name: string): string | undefined } }, next: () => Promise<void>) => {
    if (!c.req.header('idempotency-key'))
      throw new GatewayError('ERR_IDEMPOTENCY_KEY_MISSING', 'Idempotency-Key header required');
    await next();
  };
}
