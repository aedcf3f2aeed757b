import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { Problem } from '../../../schemas/problem.ts';
import { base64 } from '../../core/encoding.ts';
import { GatewayError } from '../../core/errors.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';

/** Most entries one page may hold: keeps a response small and its cost bounded. */
export const MAX_ENTRIES_PAGE = 1000;

const problems = {
  400: { description: 'Out of range', content: { 'application/problem+json': { schema: Problem } } },
};
// A required decimal query parameter (z.coerce would publish it as optional and nullable).
const Index = z
  .string()
  .regex(/^\d{1,16}$/, 'must be a non-negative integer')
  .transform(Number)
  .refine(Number.isSafeInteger, 'must be a safe integer');

const checkpoint = createRoute({
  method: 'get',
  path: '/v1/log/checkpoint',
  summary: 'The latest C2SP signed-note checkpoint',
  responses: { 200: { description: 'checkpoint', content: { 'text/plain': { schema: z.string() } } } },
});
const key = createRoute({
  method: 'get',
  path: '/v1/log/key',
  summary: 'The log’s verifier key in signed-note form',
  responses: { 200: { description: 'verifier key', content: { 'text/plain': { schema: z.string() } } } },
});
const inclusion = createRoute({
  method: 'get',
  path: '/v1/log/proof/inclusion',
  summary: 'RFC 9162 inclusion proof',
  request: { query: z.object({ index: Index, size: Index }) },
  responses: {
    200: {
      description: 'proof',
      content: {
        'application/json': {
          schema: z.object({ leafIndex: z.number(), treeSize: z.number(), hashes: z.array(z.string()) }),
        },
      },
    },
    ...problems,
  },
});
const consistency = createRoute({
  method: 'get',
  path: '/v1/log/proof/consistency',
  summary: 'RFC 9162 consistency proof',
  request: { query: z.object({ from: Index, to: Index }) },
  responses: {
    200: {
      description: 'proof',
      content: {
        'application/json': {
          schema: z.object({ from: z.number(), to: z.number(), hashes: z.array(z.string()) }),
        },
      },
    },
    ...problems,
  },
});
const entries = createRoute({
  method: 'get',
  path: '/v1/log/entries',
  summary: `Leaves [start, end), at most ${MAX_ENTRIES_PAGE} per page`,
  request: { query: z.object({ start: Index, end: Index }) },
  responses: {
    200: {
      description: 'entries',
      content: {
        'application/json': {
          schema: z.object({ entries: z.array(z.object({ index: z.number(), leaf: z.string() })) }),
        },
      },
    },
    ...problems,
  },
});
const anchors = createRoute({
  method: 'get',
  path: '/v1/log/anchors',
  summary: 'Checkpoints anchored on the ledger, newest first',
  request: {
    query: z.object({
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(100)
        .openapi({ description: 'At most this many (1–1000).' }),
    }),
  },
  responses: {
    200: {
      description: 'anchors, newest first; empty when the gateway runs without a ledger',
      content: {
        'application/json': {
          schema: z.array(
            z.object({
              size: z.number().int(),
              rootHash: z.string(),
              txId: z.string(),
              blockNumber: z.number().int(),
              anchoredAt: z.string(),
              ledger: z.object({ network: z.string(), channel: z.string(), chaincode: z.string() }),
            }),
          ),
        },
      },
    },
    ...problems,
  },
});

/** Only the log is needed, so an auditor's tooling or a test can serve these routes alone. */
export function logRoutes(app: OpenAPIHono<AppEnv>, deps: Pick<AppDeps, 'log'>): void {
  const { log } = deps;
  app.openapi(checkpoint, async (c) => {
    c.header('Cache-Control', 'no-cache');
    return c.text(await log.checkpoint(), 200);
  });
  app.openapi(key, (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.text(`${log.verifierKey}\n`, 200);
  });
  app.openapi(inclusion, async (c) => {
    const { index, size } = c.req.valid('query');
    const proof = await log.inclusionProof(index, size);
    return c.json(
      { leafIndex: proof.leafIndex, treeSize: proof.treeSize, hashes: proof.hashes.map(base64) },
      200,
    );
  });
  app.openapi(consistency, async (c) => {
    const { from, to } = c.req.valid('query');
    const proof = await log.consistencyProof(from, to);
    return c.json({ from: proof.from, to: proof.to, hashes: proof.hashes.map(base64) }, 200);
  });
  app.openapi(entries, async (c) => {
    const { start, end } = c.req.valid('query');
    if (end <= start || end - start > MAX_ENTRIES_PAGE) {
      throw new GatewayError('ERR_VALIDATION', 'bad range', {
        errors: [
          { path: '/end', message: `end must be greater than start and at most start + ${MAX_ENTRIES_PAGE}` },
        ],
      });
    }
    // Size first: if the tree covered the page then, the entries read after it are complete.
    // A page is immutable only once the tree covers all of it; a short page will grow.
    const size = await log.size();
    const rows = await log.entries(start, end);
    c.header('Cache-Control', end <= size ? 'public, max-age=31536000, immutable' : 'no-cache');
    return c.json({ entries: rows.map((r) => ({ index: r.index, leaf: base64(r.leaf) })) }, 200);
  });
  app.openapi(anchors, async (c) => {
    const { limit } = c.req.valid('query');
    const rows = await log.anchors(limit);
    c.header('Cache-Control', 'no-cache');
    return c.json(
      rows.map((a) => ({ ...a, rootHash: base64(a.rootHash) })),
      200,
    );
  });
}
