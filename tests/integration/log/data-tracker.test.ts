/**
 * Issue 3: the data tracker, GET /v1/subjects/access. Every registry access and every decision
 * about a person, with the purpose, the consent reference and the log index of each record:
 * the applicant's own accesses and decision, each household member's accesses under their
 * own identity number, and nothing about anyone else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import { makeIdNumber } from '../../../schemas/id-number.ts';
import type { Decision } from '../../../schemas/index.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';
import { type Entry, latestCheckpoint, logKey, readEntries, subjectLeaf } from './log-helpers.ts';

const fixtures = generatePopulation({ seed: 'log-tracker', size: 10 });
const [applicant, spouse, child] = fixtures.persons;
let gw: InProcessGateway;
let household: Decision;
let own: Decision;
let entries: Entry[];

interface Listed {
  kind: 'registry_access' | 'decision';
  at: string;
  decisionId: string;
  clientId: string;
  source?: string;
  status?: string;
  outcome?: string;
  purpose: string;
  consentReference: string;
  logIndex: number;
}

async function track(idNumber: string, scopes = 'subjects:read', language?: string): Promise<Response> {
  return fetch(`${gw.url}/v1/subjects/access?idNumber=${encodeURIComponent(idNumber)}`, {
    headers: {
      authorization: `Bearer ${await gw.token(scopes, 'tracker-client')}`,
      ...(language ? { 'accept-language': language } : {}),
    },
  });
}

async function listed(idNumber: string): Promise<Listed[]> {
  const response = await track(idNumber);
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const text = await response.text();
  expect(text).not.toContain(idNumber); // the answer names records, not the person
  return (JSON.parse(text) as { entries: Listed[] }).entries;
}

beforeAll(async () => {
  if (!applicant || !spouse || !child) throw new Error('population too small');
  gw = await startInProcess({ fixtures });
  const token = await gw.token();
  const first = await gw.verify(
    requestFor(fixtures, 0, {
      household: [
        { idNumber: spouse.idNumber, name: spouse.name, relation: 'spouse' },
        { idNumber: child.idNumber, name: child.name, relation: 'child' },
      ],
      consent: {
        reference: 'CONSENT-HOUSEHOLD-7',
        grantedAt: '2025-06-01T09:00:00+08:00',
        scopes: ['civil_affairs', 'hrss', 'disability'],
      },
    }),
    { token },
  );
  expect(first.status).toBe(201);
  household = (await first.json()) as Decision;
  const second = await gw.verify(requestFor(fixtures, 1), { token }); // the spouse applies on their own
  expect(second.status).toBe(201);
  own = (await second.json()) as Decision;
  const head = await latestCheckpoint(gw.url, await logKey(gw.url));
  entries = await readEntries(gw.url, head.size);
});
afterAll(() => gw.close());

/** Each listed record is the leaf at its log index. */
function expectBackedByLeaves(records: Listed[]): void {
  for (const r of records) {
    const leaf = subjectLeaf(entries[r.logIndex]);
    expect(leaf.decisionId).toBe(r.decisionId);
    if (r.kind === 'decision') {
      expect(leaf.kind).toBe('decision');
    } else {
      expect(leaf).toMatchObject({
        kind: 'access',
        source: r.source,
        status: r.status,
        purpose: r.purpose,
        consent: expect.stringMatching(/^[\w-]{43}$/),
        at: r.at,
      });
      // The leaf commits to the consent reference; the reference itself never reaches the log.
      expect(leaf).not.toHaveProperty('consentReference');
      expect(JSON.stringify(leaf)).not.toContain(r.consentReference);
    }
  }
}

describe('GET /v1/subjects/access', () => {
  it('lists the applicant’s registry accesses, one per source, and the decision, with log indices', async () => {
    const records = await listed(applicant?.idNumber ?? '');
    expect(records.map((r) => [r.kind, r.source ?? r.outcome])).toEqual([
      ['registry_access', 'civil_affairs'],
      ['registry_access', 'hrss'],
      ['registry_access', 'disability'],
      ['decision', household.outcome],
    ]);
    for (const r of records) {
      expect(r).toMatchObject({
        decisionId: household.id,
        clientId: 'intake-a',
        purpose: expect.any(String),
        consentReference: 'CONSENT-HOUSEHOLD-7',
      });
    }
    expect(records.at(-1)?.logIndex).toBe(household.receipt.leafIndex);
    expect(records.map((r) => r.logIndex)).toEqual([...records.map((r) => r.logIndex)].sort((a, b) => a - b));
    expectBackedByLeaves(records);
  });

  it('lists household members’ accesses under their own identity number, never their health data', async () => {
    const childRecords = await listed(child?.idNumber ?? '');
    expect(childRecords.map((r) => [r.kind, r.source, r.decisionId])).toEqual([
      ['registry_access', 'civil_affairs', household.id],
      ['registry_access', 'hrss', household.id],
    ]);
    expectBackedByLeaves(childRecords);

    // The spouse: accesses as a member of the first case, then their own case in full.
    const spouseRecords = await listed(spouse?.idNumber ?? '');
    expect(spouseRecords.map((r) => [r.kind, r.source ?? r.outcome, r.decisionId])).toEqual([
      ['registry_access', 'civil_affairs', household.id],
      ['registry_access', 'hrss', household.id],
      ['registry_access', 'civil_affairs', own.id],
      ['registry_access', 'hrss', own.id],
      ['registry_access', 'disability', own.id],
      ['decision', own.outcome, own.id],
    ]);
    expectBackedByLeaves(spouseRecords);

    // Every access leaf in the log belongs to exactly one person's list.
    const indices = [applicant, spouse, child].flatMap((p) => p?.idNumber ?? []);
    const all = (await Promise.all(indices.map(listed))).flat().map((r) => r.logIndex);
    expect(all.sort((a, b) => a - b)).toEqual(entries.map((e) => e.index));
  });

  it('answers an empty list for a person nobody asked about', async () => {
    expect(await listed(fixtures.persons[9]?.idNumber ?? '')).toEqual([]);
  });

  it('requires subjects:read: 401 without a token, 403 with another scope', async () => {
    const anonymous = await fetch(`${gw.url}/v1/subjects/access?idNumber=${applicant?.idNumber}`);
    expect(anonymous.status).toBe(401);
    const forbidden = await track(
      applicant?.idNumber ?? '',
      'verifications:write verifications:read audit:read',
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await forbidden.json()) as { status: number; type: string; detail: string };
    expect(problem.status).toBe(403);
    expect(JSON.stringify(problem)).not.toContain(applicant?.idNumber ?? '-');
  });

  it('rejects an invalid identity number with 400 and never echoes it', async () => {
    const real = applicant?.idNumber ?? '';
    const badCheck = `${real.slice(0, 17)}${real.endsWith('0') ? '1' : '0'}`;
    const badDate = makeIdNumber('320102', '1990-02-30', 17);
    for (const value of [badCheck, badDate, '32010219900101123', 'not-an-id-number']) {
      for (const language of ['en', 'zh-CN']) {
        const response = await track(value, 'subjects:read', language);
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const text = await response.text();
        expect(text).not.toContain(value);
        const problem = JSON.parse(text) as { status: number; detail: string; errors: { path: string }[] };
        expect(problem.status).toBe(400);
        expect(/[\u4e00-\u9fff]/.test(problem.detail)).toBe(language === 'zh-CN');
        expect(problem.errors.map((e) => e.path)).toEqual(['/idNumber']);
      }
    }
  });
});
