/**
 * The Durable Object as the log's single sequencer, on local workerd with D1: a burst of
 * 200 concurrent decisions gets distinct, gapless leaf indices, every receipt verifies
 * offline, the batches' checkpoints are consistent with each other, and concurrent requests
 * with one idempotency key produce exactly one decision.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Decision } from '../../../schemas/index.ts';
import { verifyReceipt } from '../../../src/audit/verify-receipt.ts';
import { fromBase64 } from '../../../src/core/encoding.ts';
import { openCheckpoint } from '../../../src/core/log/checkpoint.ts';
import { verifyConsistency } from '../../../src/core/log/verify.ts';
import { mintDevToken } from '../../support/tokens.ts';
import { workersRequest } from './workers-target.ts';

const BURST = 200;
const url = () => inject('workersUrl');
let writer: string;
let jwks: { keys: Record<string, unknown>[] };
let logKey: string;

interface LeafJson {
  readonly kind: 'decision' | 'access' | 'event';
  readonly decisionId?: string;
  readonly accesses?: number;
}

async function post(body: unknown, key: string, token = writer): Promise<Response> {
  return fetch(`${url()}/v1/verifications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${url()}${path}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

async function checkpoint(): Promise<{ size: number; rootHash: Uint8Array; note: string }> {
  const note = await (await fetch(`${url()}/v1/log/checkpoint`)).text();
  const opened = openCheckpoint(note, logKey);
  return { size: opened.size, rootHash: opened.rootHash, note };
}

async function entries(start: number, end: number): Promise<{ index: number; leaf: LeafJson }[]> {
  const out: { index: number; leaf: LeafJson }[] = [];
  for (let s = start; s < end; s += 1000) {
    const page = await getJson<{ entries: { index: number; leaf: string }[] }>(
      `/v1/log/entries?start=${s}&end=${Math.min(end, s + 1000)}`,
    );
    for (const e of page.entries)
      out.push({
        index: e.index,
        leaf: JSON.parse(new TextDecoder().decode(fromBase64(e.leaf))) as LeafJson,
      });
  }
  return out;
}

beforeAll(async () => {
  writer = await mintDevToken(
    inject('workersDataDir'),
    ['verifications:write'],
    `burst-${crypto.randomUUID()}`,
  );
  jwks = await getJson('/.well-known/jwks.json');
  logKey = (await (await fetch(`${url()}/v1/log/key`)).text()).trim();
});

describe('the Durable Object sequencer under 200 concurrent requests', () => {
  let before: Awaited<ReturnType<typeof checkpoint>>;
  let after: Awaited<ReturnType<typeof checkpoint>>;
  let decisions: Decision[];
  let seconds: number;

  beforeAll(async () => {
    before = await checkpoint();
    const started = performance.now();
    const responses = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        post(workersRequest(i % 40), `burst-${i}-${crypto.randomUUID()}`),
      ),
    );
    seconds = (performance.now() - started) / 1000;
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<Decision & { code?: string }>));
    // On failure, the status and problem code of each answer say what went wrong.
    expect(responses.map((r, i) => `${r.status} ${bodies[i]?.code ?? ''}`.trim())).toEqual(
      Array.from({ length: BURST }, () => '201'),
    );
    decisions = bodies;
    after = await checkpoint();
  });

  it('assigns distinct, gapless indices: the burst fills [before, after) exactly', async () => {
    const logged = await entries(before.size, after.size);
    expect(logged.map((e) => e.index)).toEqual(
      Array.from({ length: after.size - before.size }, (_, i) => before.size + i),
    );
    const decisionIndices = decisions.map((d) => d.receipt.leafIndex);
    expect(new Set(decisionIndices).size).toBe(BURST);
    for (const d of decisions) {
      const leaf = logged.find((e) => e.index === d.receipt.leafIndex)?.leaf;
      expect(leaf?.kind).toBe('decision');
      expect(leaf?.decisionId).toBe(d.id);
      // Its access leaves sit right before it, one per registry access.
      const accesses = leaf?.accesses ?? -1;
      const own = logged.filter((e) => e.leaf.kind === 'access' && e.leaf.decisionId === d.id);
      expect(own.map((e) => e.index)).toEqual(
        Array.from({ length: accesses }, (_, i) => d.receipt.leafIndex - accesses + i),
      );
    }
    const total = decisions.reduce((n, d) => {
      const leaf = logged.find((e) => e.index === d.receipt.leafIndex)?.leaf;
      return n + 1 + (leaf?.accesses ?? 0);
    }, 0);
    expect(after.size - before.size).toBe(total);
    console.info(
      `workers burst: ${BURST} concurrent decisions in ${seconds.toFixed(2)} s; leaves ${before.size}..${after.size - 1}; ` +
        `${new Set(decisions.map((d) => d.receipt.checkpoint)).size} checkpoints (batches)`,
    );
  });

  it('every receipt verifies offline against the published keys', async () => {
    const verdicts = await Promise.all(
      decisions.map((d) => verifyReceipt({ decision: { ...d } as Record<string, unknown>, jwks, logKey })),
    );
    expect(verdicts.filter((v) => !v.ok).map((v) => v.checks.filter((c) => !c.ok))).toEqual([]);
  });

  it('groups concurrent commits into batches whose checkpoints are consistent with the latest', async () => {
    const sizes = [...new Set(decisions.map((d) => openCheckpoint(d.receipt.checkpoint, logKey).size))].sort(
      (a, b) => a - b,
    );
    // Group commit: fewer checkpoints than decisions, and each one is a prefix of the final tree.
    expect(sizes.length).toBeLessThan(BURST);
    expect(sizes.at(-1)).toBe(after.size);
    for (const note of new Set(decisions.map((d) => d.receipt.checkpoint))) {
      const old = openCheckpoint(note, logKey);
      if (old.size === after.size) {
        expect(old.rootHash).toEqual(after.rootHash);
        continue;
      }
      const proof = await getJson<{ hashes: string[] }>(
        `/v1/log/proof/consistency?from=${old.size}&to=${after.size}`,
      );
      expect(() =>
        verifyConsistency(old.size, after.size, proof.hashes.map(fromBase64), old.rootHash, after.rootHash),
      ).not.toThrow();
    }
  });
});

describe('idempotency through the sequencer', () => {
  it('20 concurrent requests with one key and body: one decision, the others replay it', async () => {
    const key = `same-${crypto.randomUUID()}`;
    const body = workersRequest(5);
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(body, key)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(new Set(bodies).size).toBe(1);
  });

  it('concurrent requests with one key and different bodies: one decision, every other is 409', async () => {
    const key = `clash-${crypto.randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post(workersRequest(5, { decisionDate: `2025-06-${10 + i}` }), key),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
  });
});
