/**
 * Issue 3 acceptance: SIGKILL under load, then restart on the same data, 20+ times. Each round
 * starts `egw start` as a child on the same data directory and registries, retries the
 * requests the last kill cut off (same Idempotency-Key), fires new ones and kills the process
 * after a small random delay. Afterwards: no lost or duplicated leaf, no decision without its
 * leaves (or leaves without their decision), every answered decision readable with a
 * verifying receipt, and every checkpoint ever served consistent with the next.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation, type Sandboxes, startSandboxes } from '../../../connectors/index.ts';
import { type Decision, Fixtures, type VerificationRequest } from '../../../schemas/index.ts';
import { startChild } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';
import {
  checkChain,
  expectReceiptVerifies,
  jwks,
  latestCheckpoint,
  logKey,
  readEntries,
  rootOfEntries,
  seeded,
  sleep,
  subjectLeaf,
} from './log-helpers.ts';

const ROUNDS = 20;
const PER_ROUND = 5;
const fixtures = generatePopulation({ seed: 'log-crash', size: 40 });
let sandboxes: Sandboxes;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'egw-crash-'));
  sandboxes = await startSandboxes({ fixtures: Fixtures.parse(fixtures) });
});
afterAll(async () => {
  await sandboxes.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Sent {
  readonly key: string;
  readonly body: VerificationRequest;
}

describe('SIGKILL under load, then restart', () => {
  it(`${ROUNDS} kills lose no leaf, duplicate none, and keep every served checkpoint consistent`, async () => {
    const random = seeded(3);
    const served: string[] = []; // every checkpoint any gateway handed out
    const answered = new Map<string, Decision>(); // by decision id, as first answered
    const issued = new Set<string>(); // idempotency keys sent
    let cutOff: Sent[] = [];
    const figures = { answered: 0, cut: 0, replayedAfterCut: 0, newAfterCut: 0 };

    const round = async (r: number, last: boolean) => {
      const gw = await startChild({ fixtures, dataDir, sandboxes });
      try {
        served.push(await (await gw.get('/v1/log/checkpoint')).text());
        const token = await gw.token();
        // A request cut off by the kill is retried with its key: it was committed before
        // the kill (200, the same decision) or not at all (201, decided now) — never twice.
        for (const s of cutOff) {
          const response = await gw.verify(s.body, { key: s.key, token });
          expect([200, 201]).toContain(response.status);
          const decision = (await response.json()) as Decision;
          if (response.status === 200) figures.replayedAfterCut += 1;
          else figures.newAfterCut += 1;
          expect(answered.has(decision.id)).toBe(false);
          answered.set(decision.id, decision);
          served.push(decision.receipt.checkpoint);
        }
        cutOff = [];
        if (last) return gw;
        const inFlight = Array.from({ length: PER_ROUND }, async (_, j) => {
          const sent: Sent = {
            key: `crash-${r}-${j}`,
            body: requestFor(fixtures, (r * PER_ROUND + j) % fixtures.persons.length),
          };
          issued.add(sent.key);
          try {
            const response = await gw.verify(sent.body, { key: sent.key, token });
            expect(response.status).toBe(201);
            return { sent, decision: (await response.json()) as Decision };
          } catch (error) {
            if (error instanceof TypeError) return { sent }; // the connection died with the process
            throw error;
          }
        });
        await sleep(Math.floor(random() * 250));
        await gw.kill();
        for (const outcome of await Promise.all(inFlight)) {
          if (outcome.decision) {
            figures.answered += 1;
            answered.set(outcome.decision.id, outcome.decision);
            served.push(outcome.decision.receipt.checkpoint);
          } else {
            figures.cut += 1;
            cutOff.push(outcome.sent);
          }
        }
        return undefined;
      } finally {
        if (!last) await gw.close();
      }
    };

    for (let r = 0; r < ROUNDS; r++) await round(r, false);
    const gw = await round(ROUNDS, true);
    if (!gw) throw new Error('the last round keeps its gateway');
    try {
      // The kills really happened mid-flight, and some requests did get through.
      expect(figures.cut).toBeGreaterThan(0);
      expect(figures.answered).toBeGreaterThan(0);

      const key = await logKey(gw.url);
      const keys = await jwks(gw.url);
      const head = await latestCheckpoint(gw.url, key);
      served.push(head.note);
      const entries = await readEntries(gw.url, head.size);
      expect(entries.map((e) => e.index)).toEqual(Array.from({ length: head.size }, (_, i) => i));
      expect(rootOfEntries(entries)).toEqual(head.rootHash);

      // Whole write sets only: each decision leaf follows exactly its own access leaves.
      const leaves = entries.map(subjectLeaf); // only decisions and accesses in this log
      const decisionLeaves = leaves.flatMap((leaf) => (leaf.kind === 'decision' ? [leaf] : []));
      const ids = decisionLeaves.map((leaf) => leaf.decisionId);
      expect(new Set(ids).size).toBe(ids.length);
      let pendingAccesses: string[] = [];
      for (const leaf of leaves) {
        if (leaf.kind === 'access') {
          pendingAccesses.push(leaf.decisionId);
          continue;
        }
        expect(pendingAccesses).toEqual(Array(leaf.accesses).fill(leaf.decisionId));
        pendingAccesses = [];
      }
      expect(pendingAccesses).toEqual([]);

      // Every decision a client was told about is stored as told, in the log, and verifies.
      const reader = await gw.token('verifications:read');
      for (const [id, decision] of answered) {
        const stored = await gw.get(`/v1/verifications/${id}`, reader);
        expect(stored.status).toBe(200);
        expect(await stored.json()).toEqual(decision);
        expect(entries[decision.receipt.leafIndex]?.leaf).toBe(decision.receipt.leaf);
        await expectReceiptVerifies(decision, keys, key);
      }
      // Every checkpoint ever served is consistent with the next one (and one root per size).
      const sizes = await checkChain(gw.url, key, served);
      expect(sizes.at(-1)).toBe(head.size);

      expect(await gw.stop()).toBe(0);
      const db = new Database(join(dataDir, 'gateway.sqlite'), { readonly: true });
      try {
        const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
        // One decision per idempotency key ever sent: nothing lost, nothing decided twice.
        expect(count('SELECT count(*) AS n FROM decisions')).toBe(issued.size);
        expect(count('SELECT count(DISTINCT idempotency_key) AS n FROM decisions')).toBe(issued.size);
        expect(answered.size).toBe(issued.size);
        expect(count('SELECT count(*) AS n FROM decisions')).toBe(decisionLeaves.length);
        expect(count('SELECT count(*) AS n FROM access_records')).toBe(head.size - decisionLeaves.length);
        expect(count('SELECT count(*) AS n FROM log_leaves')).toBe(head.size);
        const rows = db.prepare('SELECT id, leaf_index AS leafIndex FROM decisions').all() as {
          id: string;
          leafIndex: number;
        }[];
        for (const row of rows)
          expect(leaves[row.leafIndex]).toMatchObject({ kind: 'decision', decisionId: row.id });
      } finally {
        db.close();
      }
      console.info(
        `${ROUNDS} SIGKILLs: ${figures.answered} answered before a kill, ${figures.cut} cut off (${figures.replayedAfterCut} had committed, ${figures.newAfterCut} had not), ${head.size} leaves, ${sizes.length} distinct checkpoints served`,
      );
    } finally {
      await gw.close();
    }
  }, 120_000);
});
