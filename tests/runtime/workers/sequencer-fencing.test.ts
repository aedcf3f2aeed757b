/**
 * The sequencer's logic on a real D1 (Miniflare's, in workerd), driven from Node: batches
 * are atomic, and D1's primary keys fence a second writer. Cloudflare runs one instance of
 * a named Durable Object, but an instance cut off from the network may briefly believe it is
 * still the one; were two sequencers ever to write, the stale one's batch fails whole
 * (nothing of it lands, no index is shared) and after reloading it continues where the
 * other stopped (no index is skipped).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { D1Database } from '@cloudflare/workers-types';
import { drizzle } from 'drizzle-orm/d1';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckpointSigner } from '../../../src/adapters/portable/checkpoint-signer.ts';
import * as schema from '../../../src/adapters/portable/schema.ts';
import { createLogSequencer, type LogSequencer } from '../../../src/adapters/workers/log-sequencer.ts';
import type { SequencerCommit } from '../../../src/adapters/workers/sequencer-protocol.ts';
import { generateNoteKey } from '../../../src/core/log/note-key.ts';
import { ROOT } from './workers-stack.ts';

let mf: Miniflare;
let d1: D1Database;
const checkpoints = createCheckpointSigner(generateNoteKey('fencing.test/log').signerKey);

function sequencer(): LogSequencer {
  return createLogSequencer({ db: drizzle(d1, { schema }), client: d1, checkpoints });
}

function write(n: number, key = `key-${n}`): SequencerCommit {
  return {
    clientId: 'fencing',
    idempotencyKey: key,
    requestDigest: `digest-${n}`,
    decisionId: `decision-${n}-${crypto.randomUUID()}`,
    outcome: 'eligible',
    decidedAt: '2026-01-05T09:00:00Z',
    policyDigest: 'policy',
    payloadDigest: `payload-${n}`,
    applicant: { idNumber: `synthetic-${n}`, subjectHash: `hash-${n}` },
    accesses: [
      {
        source: 'civil_affairs',
        idNumber: `synthetic-${n}`,
        subjectHash: `hash-${n}`,
        purpose: 'legal_aid_eligibility',
        consentReference: 'CONSENT-1',
        consentSealed: 'sealed-consent',
        status: 'not_found',
        at: '2026-01-05T09:00:00Z',
        recordsSealed: 'sealed',
      },
    ],
    decisionSealed: 'sealed-decision',
    requestSealed: 'sealed-request',
  };
}

async function count(table: string): Promise<number> {
  const row = await d1.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? -1;
}

beforeAll(async () => {
  mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null, { status: 204 }); } };',
    d1Databases: ['DB'],
  });
  d1 = (await mf.getD1Database('DB')) as unknown as D1Database;
  const dir = join(ROOT, 'src/adapters/portable/migrations');
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    for (const statement of readFileSync(join(dir, file), 'utf8').split('--> statement-breakpoint')) {
      if (statement.trim() !== '') await d1.prepare(statement).run();
    }
  }
});
afterAll(() => mf.dispose());

describe('two sequencers on one D1 (a stale Durable Object instance)', () => {
  it("the stale one's batch fails whole; after reloading it appends right after the other", async () => {
    const live = sequencer();
    const stale = sequencer();
    expect(await live.start()).toBe(0);
    expect(await stale.start()).toBe(0);

    const first = await Promise.all([1, 2, 3].map((n) => live.commit(write(n))));
    expect(first.map((r) => (r.status === 'committed' ? r.receipt.leafIndex : -1))).toEqual([1, 3, 5]);
    expect(await count('log_leaves')).toBe(6);

    // The stale instance still believes the tree is empty: its leaf 0 and checkpoint collide.
    const lost = write(4);
    await expect(stale.commit(lost)).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
      retryable: true,
    });
    expect(await count('log_leaves')).toBe(6);
    expect(await count('access_records')).toBe(3);
    expect(
      await d1.prepare('SELECT id FROM decisions WHERE id = ?').bind(lost.decisionId).first(),
    ).toBeNull();

    // It reloaded from D1: the retry lands after the live instance's leaves, with no gap.
    const retried = await stale.commit(lost);
    expect(retried.status === 'committed' && retried.receipt.leafIndex).toBe(7);
    const next = await live.commit(write(5)).catch((e: unknown) => e);
    // The live one is now the stale one: it too fails whole once, then catches up.
    expect(next).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    const caughtUp = await live.commit(write(5));
    expect(caughtUp.status === 'committed' && caughtUp.receipt.leafIndex).toBe(9);
    const indices = await d1.prepare('SELECT idx FROM log_leaves ORDER BY idx').all<{ idx: number }>();
    expect(indices.results.map((r) => r.idx)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const sizes = await d1.prepare('SELECT size FROM log_checkpoints ORDER BY size').all<{ size: number }>();
    const signed = sizes.results.map((r) => r.size);
    expect(signed[0]).toBe(0);
    expect(signed.slice(-2)).toEqual([8, 10]);
    expect(new Set(signed).size).toBe(signed.length);
  });

  it('a key already committed writes nothing: the stored decision comes back, or a conflict', async () => {
    const s = sequencer();
    const before = await count('log_leaves');
    const again = await s.commit(write(1));
    expect(again).toMatchObject({
      status: 'stored',
      requestDigest: 'digest-1',
      decisionSealed: 'sealed-decision',
    });
    const other = await s.commit({ ...write(99), idempotencyKey: 'key-1' });
    expect(other).toMatchObject({ status: 'stored', requestDigest: 'digest-1' });
    expect(await count('log_leaves')).toBe(before);
  });

  it('appends event leaves through the same queue, between decisions, under one checkpoint per batch', async () => {
    const s = sequencer();
    const size = await s.start();
    const [event, decision] = await Promise.all([
      s.appendEvent({
        type: 'connector.activated',
        at: '2026-01-05T09:00:00Z',
        actor: 'admin',
        attributes: { v: 1 },
      }),
      s.commit(write(7)),
    ]);
    // Commits of a batch come first, then its events; one checkpoint covers both.
    expect(decision.status === 'committed' && decision.receipt.leafIndex).toBe(size + 1);
    expect(event.leafIndex).toBe(size + 2);
    expect(event.treeSize).toBe(size + 3);
    expect(decision.status === 'committed' && decision.receipt.checkpoint).toBe(event.checkpoint);
    const leaf = await d1
      .prepare('SELECT leaf FROM log_leaves WHERE idx = ?')
      .bind(event.leafIndex)
      .first<{ leaf: number[] }>();
    expect(JSON.parse(new TextDecoder().decode(Uint8Array.from(leaf?.leaf ?? [])))).toEqual({
      actor: 'admin',
      at: '2026-01-05T09:00:00Z',
      attributes: { v: 1 },
      kind: 'event',
      type: 'connector.activated',
      v: 2,
    });
  });
});
