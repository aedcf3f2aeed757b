/**
 * Issue 13 (foundation), at the SQLite store: a superseding decision, its leaves and its
 * supersession record commit as one write set or not at all; a decision gets one successor;
 * the reviewer's note is sealed and the leaf carries neither the note nor the reviewer id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { DecisionWrite } from '../../../src/core/decision-store.ts';
import { decisionWrite } from '../../support/decision-writes.ts';
import { requestFor } from '../../support/requests.ts';
import { openTestStore } from '../../support/sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-supersession-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixtures = generatePopulation({ seed: 'supersession-write-set', size: 2 });
const applicant = fixtures.persons[0] ?? expect.unreachable('person');
const NOTE = `Spoke to ${applicant.name} in person`;
const REVIEWER = 'review-desk-7';

function superseding(id: string, of: string, ofLeaf: number, key = `review ${of}`): DecisionWrite {
  return decisionWrite(requestFor(fixtures, 0), id, {
    idempotencyKey: key,
    supersession: {
      cause: 'review',
      supersededId: of,
      supersededLeaf: ofLeaf,
      reviewerId: REVIEWER,
      reasonCode: 'declaration_verified',
      note: NOTE,
      at: '2025-07-01T01:00:00.000Z',
    },
  });
}

describe('a superseding decision at the SQLite store', () => {
  it('writes the decision leaf, then the supersession leaf, and the record, together', async () => {
    const { db, store } = await openTestStore(dir, 'a.sqlite');
    try {
      const first = await store.commit(decisionWrite(requestFor(fixtures, 0), 'decision-1'));
      if (first.status !== 'committed') expect.unreachable(first.status);
      const second = await store.commit(
        superseding('decision-2', 'decision-1', first.decision.receipt.leafIndex),
      );
      if (second.status !== 'committed') expect.unreachable(second.status);
      const index = second.decision.receipt.leafIndex;
      expect(await store.size()).toBe(index + 2);
      const [entry] = await store.entries(index + 1, index + 2);
      const text = new TextDecoder().decode(entry?.leaf ?? new Uint8Array());
      expect(JSON.parse(text)).toMatchObject({
        kind: 'supersession',
        supersededId: 'decision-1',
        supersededLeaf: first.decision.receipt.leafIndex,
        decisionId: 'decision-2',
        decisionLeaf: index,
      });
      for (const secret of [NOTE, applicant.name, applicant.idNumber, REVIEWER])
        expect(text).not.toContain(secret);
      expect((await store.get('decision-1'))?.supersededBy).toBe('decision-2');
      expect((await store.get('decision-2'))?.supersededBy).toBeUndefined();
      const rows = JSON.stringify(db.$client.prepare('SELECT * FROM supersessions').all());
      expect(rows).not.toContain(applicant.name);
      expect(rows).toContain(`"leaf_index":${index + 1}`);
    } finally {
      db.$client.close();
    }
  });

  it('answers conflict to a second successor, even under another key, and writes nothing', async () => {
    const { db, store } = await openTestStore(dir, 'b.sqlite');
    try {
      const first = await store.commit(decisionWrite(requestFor(fixtures, 0), 'decision-1'));
      if (first.status !== 'committed') expect.unreachable(first.status);
      const leaf = first.decision.receipt.leafIndex;
      // Two at once, different keys: one batch; exactly one wins.
      const results = await Promise.all([
        store.commit(superseding('decision-2', 'decision-1', leaf, 'k-2')),
        store.commit(superseding('decision-3', 'decision-1', leaf, 'k-3')),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['committed', 'conflict']);
      const size = await store.size();
      expect((await store.commit(superseding('decision-4', 'decision-1', leaf, 'k-4'))).status).toBe(
        'conflict',
      );
      expect(await store.size()).toBe(size);
      expect(db.$client.prepare('SELECT count(*) AS n FROM decisions').get()).toEqual({ n: 2 });
    } finally {
      db.$client.close();
    }
  });

  it('rolls the decision and its leaves back when the supersession record cannot be written', async () => {
    const { db, store } = await openTestStore(dir, 'c.sqlite');
    try {
      const first = await store.commit(decisionWrite(requestFor(fixtures, 0), 'decision-1'));
      if (first.status !== 'committed') expect.unreachable(first.status);
      const size = await store.size();
      db.$client.exec(
        "CREATE TRIGGER refuse BEFORE INSERT ON supersessions BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
      );
      await expect(
        store.commit(superseding('decision-2', 'decision-1', first.decision.receipt.leafIndex)),
      ).rejects.toThrow();
      expect(await store.size()).toBe(size);
      expect(await store.get('decision-2')).toBeUndefined();
      expect((await store.get('decision-1'))?.supersededBy).toBeUndefined();
      const leaves = db.$client.prepare('SELECT count(*) AS n FROM log_leaves').get();
      expect(leaves).toEqual({ n: size });
    } finally {
      db.$client.close();
    }
  });
});

describe('supersession rows are bound to the log', () => {
  it('answers ERR_LOG_INTEGRITY, never a wrong supersededBy, for a row edited behind the log', async () => {
    const { db, store } = await openTestStore(dir, 'd.sqlite');
    try {
      const first = await store.commit(decisionWrite(requestFor(fixtures, 0), 'decision-1'));
      const other = await store.commit(
        decisionWrite(requestFor(fixtures, 0), 'decision-x', { idempotencyKey: 'x' }),
      );
      if (first.status !== 'committed' || other.status !== 'committed') expect.unreachable('commits');
      await store.commit(superseding('decision-2', 'decision-1', first.decision.receipt.leafIndex));
      expect((await store.get('decision-1'))?.supersededBy).toBe('decision-2');
      // Someone moves the successor link to another decision, on a second connection.
      db.$client.prepare("UPDATE supersessions SET superseded_id = 'decision-x'").run();
      await expect(store.get('decision-x')).rejects.toMatchObject({ code: 'ERR_LOG_INTEGRITY' });
      expect((await store.get('decision-1'))?.supersededBy).toBeUndefined();
    } finally {
      db.$client.close();
    }
  });

  it('refuses at start-up a supersession row that names a leaf beyond the log', async () => {
    const opened = await openTestStore(dir, 'e.sqlite');
    const first = await opened.store.commit(decisionWrite(requestFor(fixtures, 0), 'decision-1'));
    if (first.status !== 'committed') expect.unreachable(first.status);
    await opened.store.commit(superseding('decision-2', 'decision-1', first.decision.receipt.leafIndex));
    opened.db.$client.prepare('UPDATE supersessions SET leaf_index = leaf_index + 1000').run();
    opened.db.$client.close();
    await expect(openTestStore(dir, 'e.sqlite')).rejects.toThrow(/supersessions names leaf/);
  });
});
