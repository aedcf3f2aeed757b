/**
 * Issue 11 item 1, at the store: the consent reference is sealed in `access_records` and the
 * Idempotency-Key is a keyed hash in `decisions`; the tracker opens the reference for its
 * entitled caller; and migration 0003 scrubs the plaintext rows written before the fix
 * without breaking the tracker.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import { MIGRATIONS_FOLDER } from '../../../src/adapters/node/sqlite-database.ts';
import type { DecisionWrite } from '../../../src/core/decision-store.ts';
import { decisionWrite } from '../../support/decision-writes.ts';
import { requestFor } from '../../support/requests.ts';
import { openTestStore } from '../../support/sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-free-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixtures = generatePopulation({ seed: 'free-text-at-rest', size: 2 });
const applicant = fixtures.persons[0] ?? expect.unreachable('person');
const REFERENCE = `${applicant.idNumber} ${applicant.name}`;
const KEY = `key-${applicant.idNumber}`;

function write(id: string): DecisionWrite {
  return decisionWrite(requestFor(fixtures, 0), id, {
    idempotencyKey: KEY,
    accesses: ['civil_affairs', 'hrss'].map((source) => ({
      source,
      idNumber: applicant.idNumber,
      purpose: 'legal_aid_eligibility',
      consentReference: REFERENCE,
      status: 'not_found',
      at: '2025-06-30T01:00:00.000Z',
      records: [],
    })),
  });
}

describe('free text from the request at rest', () => {
  it('is sealed or hashed in the rows, and the tracker and replays still work', async () => {
    const { db, store } = await openTestStore(dir, 'a.sqlite');
    try {
      expect((await store.commit(write('decision-1'))).status).toBe('committed');
      const rows = db.$client.prepare('SELECT consent_reference AS c FROM access_records').all() as {
        c: string;
      }[];
      expect(rows).toHaveLength(2);
      for (const r of rows) {
        expect(r.c).not.toContain(applicant.idNumber);
        expect(r.c).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/); // kid.iv.ciphertext
      }
      const keys = db.$client.prepare('SELECT idempotency_key AS k FROM decisions').all() as { k: string }[];
      expect(keys.map((k) => k.k)).not.toContain(KEY);
      expect(JSON.stringify(keys)).not.toContain(applicant.idNumber);

      const tracked = await store.subjectAccess(applicant.idNumber);
      expect(tracked.map((e) => e.consentReference)).toEqual([REFERENCE, REFERENCE, REFERENCE]);
      expect((await store.findByIdempotencyKey('intake-a', KEY))?.decision.id).toBe('decision-1');
      expect(await store.findByIdempotencyKey('intake-b', KEY)).toBeUndefined();
      expect((await store.commit(write('decision-2'))).status).toBe('replayed');
    } finally {
      db.$client.close();
    }
  });

  /** Tables and indexes the migrations before 0004 create, read from their SQL. */
  const olderObjects = (): Set<string> => {
    const files = readdirSync(MIGRATIONS_FOLDER).filter((f) => /^000[0-3]_.*\.sql$/.test(f));
    const text = files.map((f) => readFileSync(join(MIGRATIONS_FOLDER, f), 'utf8')).join('\n');
    return new Set(
      [...text.matchAll(/CREATE (?:UNIQUE )?(?:TABLE|INDEX) `([^`]+)`/g)].map((m) => m[1] ?? ''),
    );
  };

  it('migration 0003 scrubs rows written in plaintext before it; the tracker shows them without a reference', async () => {
    const first = await openTestStore(dir, 'b.sqlite');
    expect((await first.store.commit(write('decision-1'))).status).toBe('committed');
    // Make the rows look like the old code wrote them, and forget that 0003 and later ran.
    first.db.$client.prepare('UPDATE access_records SET consent_reference = ?').run(REFERENCE);
    first.db.$client.prepare('UPDATE decisions SET idempotency_key = ?').run(KEY);
    // Every index and table a later migration created (0004 on), so re-running them finds none.
    const older = olderObjects();
    const objects = first.db.$client
      .prepare(
        "SELECT type, name FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_\\_%' ESCAPE '\\' ORDER BY type",
      )
      .all() as { type: 'index' | 'table'; name: string }[];
    for (const { type, name } of objects)
      if (!older.has(name))
        first.db.$client.exec(`DROP ${type === 'index' ? 'INDEX IF EXISTS' : 'TABLE'} \`${name}\``);
    const { created } = first.db.$client
      .prepare('SELECT created_at AS created FROM __drizzle_migrations ORDER BY created_at LIMIT 1 OFFSET 3')
      .get() as { created: number };
    first.db.$client.prepare('DELETE FROM __drizzle_migrations WHERE created_at >= ?').run(created);
    first.db.$client.close();

    const { db, store } = await openTestStore(dir, 'b.sqlite');
    try {
      const text = JSON.stringify(db.$client.prepare('SELECT * FROM access_records, decisions').all());
      expect(text).not.toContain(applicant.idNumber);
      const tracked = await store.subjectAccess(applicant.idNumber);
      expect(tracked.map((e) => e.consentReference)).toEqual(['', '', '']);
    } finally {
      db.$client.close();
    }
  });
});
