/**
 * Issue 3: the public log endpoints (CONTRACT.md, no auth). Bounds are problems, never
 * partial answers or 500s; the checkpoint is a text/plain signed note that opens with the key
 * published at /v1/log/key in signed-note verifier form; every proof served verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import {
  appendLeaf,
  type CompactRange,
  EMPTY_COMPACT_RANGE,
  leafHash,
  parseVerifierKey,
  rootFromCompactRange,
} from '../../../src/core/log/index.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';
import {
  b64,
  checkConsistency,
  checkInclusion,
  type Entry,
  logKey,
  type OpenedNote,
  openNote,
  readEntries,
} from './log-helpers.ts';

const fixtures = generatePopulation({ seed: 'log-endpoints', size: 10 });
let gw: InProcessGateway;
let head: OpenedNote;
let entries: Entry[];
let earlier: OpenedNote;

beforeAll(async () => {
  gw = await startInProcess({ fixtures });
  const token = await gw.token();
  const key = await logKey(gw.url);
  expect((await gw.verify(requestFor(fixtures, 0), { token })).status).toBe(201);
  earlier = openNote(await (await gw.get('/v1/log/checkpoint')).text(), key);
  for (let i = 1; i < 4; i++) expect((await gw.verify(requestFor(fixtures, i), { token })).status).toBe(201);
  head = openNote(await (await gw.get('/v1/log/checkpoint')).text(), key);
  entries = await readEntries(gw.url, head.size);
});
afterAll(() => gw.close());

async function expectProblem(path: string, field: string): Promise<void> {
  const response = await gw.get(path);
  expect(response.status, path).toBe(400);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await response.json()) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    errors: { path: string }[];
  };
  expect(problem).toMatchObject({ status: 400, type: expect.any(String), title: expect.any(String) });
  expect(problem.detail.length).toBeGreaterThan(0);
  expect(problem.errors.map((e) => e.path)).toContain(field);
}

describe('log endpoints', () => {
  it('/v1/log/key is a signed-note verifier key for the log’s origin', async () => {
    const response = await gw.get('/v1/log/key');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = (await response.text()).trim();
    const parts = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(text);
    expect(parts?.[1]).toBe(head.origin); // name+hash+base64(key): the key itself has '+' too
    const raw = b64(parts?.[3] ?? '');
    expect(raw).toHaveLength(33); // algorithm byte + Ed25519 public key
    expect(raw[0]).toBe(0x01);
    expect(parseVerifierKey(text).name).toBe(head.origin);
  });

  it('/v1/log/checkpoint is text/plain, opens with the published key, and commits to the entries', async () => {
    const response = await gw.get('/v1/log/checkpoint');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const note = await response.text();
    expect(note.split('\n').slice(0, 3)).toEqual([head.origin, String(head.size), expect.any(String)]);
    const opened = openNote(note, await logKey(gw.url));
    let range: CompactRange = EMPTY_COMPACT_RANGE;
    for (const e of entries) range = appendLeaf(range, leafHash(e.bytes)).range;
    expect(opened.rootHash).toEqual(rootFromCompactRange(range));
    // Signed by another key, the same text does not open.
    expect(() =>
      openNote(note, 'eligibility-gateway.local/log+00000000+AR2UYqUWljS+QfLUs9Iv5Vbp4fUjeJwHtaU23iklfPth'),
    ).toThrow();
  });

  it('serves inclusion proofs that verify, and rejects indices and sizes outside the tree', async () => {
    for (const e of entries) await checkInclusion(gw.url, e, head);
    const first = entries[0];
    if (first) await checkInclusion(gw.url, first, earlier);
    await expectProblem(`/v1/log/proof/inclusion?index=0&size=${head.size + 1}`, '/size');
    await expectProblem('/v1/log/proof/inclusion?index=0&size=0', '/size');
    await expectProblem(`/v1/log/proof/inclusion?index=${head.size}&size=${head.size}`, '/index');
    await expectProblem('/v1/log/proof/inclusion?index=-1&size=2', '/index');
    await expectProblem('/v1/log/proof/inclusion?index=x&size=2', '/index');
    await expectProblem('/v1/log/proof/inclusion?index=0', '/size');
  });

  it('serves consistency proofs that verify, and rejects sizes outside the tree or out of order', async () => {
    await checkConsistency(gw.url, earlier, head);
    const proof = (await (
      await gw.get(`/v1/log/proof/consistency?from=${earlier.size}&to=${head.size}`)
    ).json()) as {
      from: number;
      to: number;
      hashes: string[];
    };
    expect(proof).toMatchObject({ from: earlier.size, to: head.size });
    await expectProblem(`/v1/log/proof/consistency?from=1&to=${head.size + 1}`, '/to');
    await expectProblem(`/v1/log/proof/consistency?from=0&to=${head.size}`, '/from');
    await expectProblem(`/v1/log/proof/consistency?from=${head.size}&to=${earlier.size}`, '/from');
    await expectProblem('/v1/log/proof/consistency?from=1&to=1e400', '/to');
  });

  it('pages entries at most 1000 at a time, end after start, immutable only when complete', async () => {
    await expectProblem('/v1/log/entries?start=0&end=1001', '/end');
    await expectProblem('/v1/log/entries?start=5&end=5', '/end');
    await expectProblem('/v1/log/entries?start=5&end=4', '/end');
    await expectProblem('/v1/log/entries?start=-1&end=4', '/start');

    const full = await gw.get(`/v1/log/entries?start=0&end=${head.size}`);
    expect(full.status).toBe(200);
    expect(full.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // A page reaching past the tree is answered as far as the tree goes, and must not be cached
    // as final: it will grow.
    const short = await gw.get('/v1/log/entries?start=2&end=1002');
    expect(short.status).toBe(200);
    expect(short.headers.get('cache-control')).toBe('no-cache');
    const body = (await short.json()) as { entries: { index: number; leaf: string }[] };
    expect(body.entries.map((e) => e.index)).toEqual(entries.slice(2).map((e) => e.index));
    expect(body.entries.map((e) => e.leaf)).toEqual(entries.slice(2).map((e) => e.leaf));
    const beyond = await gw.get(`/v1/log/entries?start=${head.size}&end=${head.size + 10}`);
    expect(((await beyond.json()) as { entries: unknown[] }).entries).toEqual([]);
  });

  it('lists no anchors while the ledger is disabled', async () => {
    const response = await gw.get('/v1/log/anchors');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
  });
});
