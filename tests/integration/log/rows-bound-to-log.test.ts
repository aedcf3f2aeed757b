/**
 * Issue 11, should fix: decision rows are bound to the log. Start-up refuses a row that names
 * a leaf beyond the log; the data tracker checks every plaintext column it shows against the
 * leaf that witnessed it (and a decision's outcome against the signed decision); an edited
 * sealed blob answers a problem+json with its own code, not an internal error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { DecisionWrite } from '../../../src/core/decision-store.ts';
import { decisionWrite } from '../../support/decision-writes.ts';
import { startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';
import { openTestStore } from '../../support/sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-rows-bound-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixtures = generatePopulation({ seed: 'rows-bound', size: 2 });
const applicant = fixtures.persons[0] ?? expect.unreachable('person');

function write(id: string): DecisionWrite {
  return decisionWrite(requestFor(fixtures, 0), id, {
    idempotencyKey: `key-${id}`,
    accesses: ['civil_affairs', 'hrss'].map((source) => ({
      source,
      idNumber: applicant.idNumber,
      purpose: 'legal_aid_eligibility',
      consentReference: 'CONSENT-ROWS',
      status: 'not_found',
      at: '2025-06-30T01:00:00.000Z',
      records: [],
    })),
  });
}

/** A fresh store file with one decision, edited by `change` on a second connection. */
async function edited(file: string, change: string): Promise<Awaited<ReturnType<typeof openTestStore>>> {
  const opened = await openTestStore(dir, file);
  expect((await opened.store.commit(write('decision-1'))).status).toBe('committed');
  expect(await opened.store.subjectAccess(applicant.idNumber)).toHaveLength(3);
  const other = new Database(join(dir, file));
  other.prepare(change).run();
  other.close();
  return opened;
}

describe('the data tracker shows only what the log witnessed', () => {
  for (const [what, change] of [
    ['an access status', "UPDATE access_records SET status = 'found' WHERE source = 'hrss'"],
    ['an access time', "UPDATE access_records SET at = '2025-06-29T01:00:00.000Z'"],
    ['a decision time', "UPDATE decisions SET decided_at = '2025-06-29T01:00:00.000Z'"],
    ['a client', "UPDATE decisions SET client_id = 'intake-z'"],
    ['an outcome', "UPDATE decisions SET outcome = 'ineligible'"],
  ] as const) {
    it(`${what} edited in the rows: ERR_LOG_INTEGRITY, not a wrong answer`, async () => {
      const { db, store } = await edited(`${what.replaceAll(' ', '-')}.sqlite`, change);
      try {
        await expect(store.subjectAccess(applicant.idNumber)).rejects.toMatchObject({
          code: 'ERR_LOG_INTEGRITY',
        });
      } finally {
        db.$client.close();
      }
    });
  }

  it('a row naming a leaf beyond the log is refused at start-up', async () => {
    const first = await edited('beyond.sqlite', 'UPDATE access_records SET leaf_index = leaf_index + 1000');
    first.db.$client.close();
    await expect(openTestStore(dir, 'beyond.sqlite')).rejects.toMatchObject({
      code: 'ERR_LOG_INTEGRITY',
      message: expect.stringContaining('beyond the log'),
    });
  });
});

describe('an edited sealed blob', () => {
  it('the store says ERR_LOG_INTEGRITY', async () => {
    const { db, store } = await edited(
      'sealed.sqlite',
      "UPDATE decisions SET decision_sealed = substr(decision_sealed, 1, length(decision_sealed) - 4) || 'AAAA'",
    );
    try {
      await expect(store.get('decision-1')).rejects.toMatchObject({ code: 'ERR_LOG_INTEGRITY' });
    } finally {
      db.$client.close();
    }
  });

  it('GET /v1/verifications/{id} answers a problem+json of its own type, in the language asked', async () => {
    const gw = await startInProcess({ fixtures });
    try {
      const token = await gw.token();
      const created = await gw.verify(requestFor(fixtures, 1), { token });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const other = new Database(join(gw.dataDir, 'gateway.sqlite'));
      other
        .prepare("UPDATE decisions SET decision_sealed = replace(decision_sealed, '.', '.A') WHERE id = ?")
        .run(id);
      other.close();
      const r = await fetch(`${gw.url}/v1/verifications/${id}`, {
        headers: { authorization: `Bearer ${token}`, 'accept-language': 'zh-CN' },
      });
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await r.json()) as { code: string; type: string; detail: string };
      expect(problem.code).toBe('ERR_LOG_INTEGRITY');
      expect(problem.type).toMatch(/log-integrity$/);
      expect(problem.detail).not.toMatch(/stored decision|altered/); // from the catalogue, not the message
    } finally {
      await gw.close();
    }
  });
});
