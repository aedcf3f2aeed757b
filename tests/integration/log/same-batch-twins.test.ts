/**
 * The sequencer's answer when the same client and key arrive in ONE integrating batch: the
 * first is committed, an identical body gets that very decision back (replayed), another
 * body is a conflict, and the log holds one decision leaf for all of them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { DecisionWrite } from '../../../src/core/decision-store.ts';
import { decisionWrite } from '../../support/decision-writes.ts';
import { requestFor } from '../../support/requests.ts';
import { openTestStore } from '../../support/sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-twins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixtures = generatePopulation({ seed: 'twins', size: 2 });

function write(id: string, requestDigest: string): DecisionWrite {
  return decisionWrite(requestFor(fixtures, 0), id, { requestDigest });
}

it('commits the first, replays its twin, refuses the other body, with one decision leaf', async () => {
  const { db, store } = await openTestStore(dir, 't.sqlite');
  const batchesBefore = store.batches;
  // Called in the same tick, so the sequencer integrates all three in one transaction.
  const [first, twin, other] = await Promise.all([
    store.commit(write('decision-1', 'digest-A')),
    store.commit(write('decision-2', 'digest-A')),
    store.commit(write('decision-3', 'digest-B')),
  ]);
  expect(store.batches - batchesBefore).toBe(1);
  expect(first?.status).toBe('committed');
  expect(twin).toEqual({
    status: 'replayed',
    decision: first?.status === 'committed' ? first.decision : null,
  });
  expect(other).toEqual({ status: 'conflict' });
  expect(store.treeSize).toBe(1);
  expect((await store.findByIdempotencyKey('intake-a', 'same-key'))?.decision).toEqual(
    first?.status === 'committed' ? first.decision : null,
  );
  db.$client.close();
});
