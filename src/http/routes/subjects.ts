import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { IdNumber } from '../../../schemas/common.ts';
import { Problem } from '../../../schemas/problem.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { requireScope } from '../auth.ts';
import { requireJson } from './verifications.ts';

const Entry = z
  .object({
    kind: z.enum(['registry_access', 'decision']),
    at: z.string(),
    decisionId: z.string(),
    clientId: z.string(),
    source: z.string().optional(),
    status: z.string().optional(),
    outcome: z.string().optional(),
    purpose: z.string(),
    consentReference: z.string(),
    logIndex: z.number().int(),
  })
  .meta({ id: 'SubjectAccessEntry' });

const responses = {
  200: {
    description: 'Accesses and decisions, oldest first',
    content: { 'application/json': { schema: z.object({ entries: z.array(Entry) }) } },
  },
  400: {
    description: 'Invalid identity number',
    content: { 'application/problem+json': { schema: Problem } },
  },
  401: {
    description: 'Missing or invalid token',
    content: { 'application/problem+json': { schema: Problem } },
  },
  403: {
    description: 'Token lacks subjects:read',
    content: { 'application/problem+json': { schema: Problem } },
  },
};

const route = createRoute({
  method: 'get',
  path: '/v1/subjects/access',
  summary:
    'Data tracker: every registry access and decision about a person, with log indices (the identity number is in the query string: prefer POST, so proxies do not log it)',
  security: [{ bearer: [] }],
  middleware: [requireScope('subjects:read')] as const,
  request: { query: z.object({ idNumber: IdNumber }) },
  responses,
});

const postRoute = createRoute({
  method: 'post',
  path: '/v1/subjects/access',
  summary: 'Data tracker, with the identity number in a JSON body (kept out of URLs and proxy logs)',
  security: [{ bearer: [] }],
  middleware: [requireScope('subjects:read'), requireJson] as const,
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.strictObject({ idNumber: IdNumber }) } },
    },
  },
  responses: {
    ...responses,
    415: {
      description: 'Body is not application/json',
      content: { 'application/problem+json': { schema: Problem } },
    },
  },
});

export function subjectRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const entries = await deps.tracker.subjectAccess(c.req.valid('query').idNumber);
    c.header('Cache-Control', 'no-store');
    return c.json({ entries: [...entries] }, 200);
  });
  app.openapi(postRoute, async (c) => {
    const entries = await deps.tracker.subjectAccess(c.req.valid('json').idNumber);
    c.header('Cache-Control', 'no-store');
    return c.json({ entries: [...entries] }, 200);
  });
}
