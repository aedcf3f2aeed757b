/**
 * No synthetic identity number, name or certificate number in any line the gateway process
 * prints, nor in any problem body it answers, over a run with many decisions, registry
 * faults of every mode, replays, conflicts, and requests that put personal data exactly
 * where an error path would be tempted to echo it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../../../schemas/registry-records.ts';
import { shanghaiDate } from '../../../src/core/request-dates.ts';
import { findPersonalData } from '../../contract/personal-data.ts';
import { mapConcurrent } from '../../support/concurrency.ts';
import { type ChildGateway, startChild } from '../../support/gateway-harness.ts';
import { certificateNumbersOf, loadPolicyCases, unionFixtures } from '../../support/policy-cases.ts';

const all = loadPolicyCases();
const fixtures = unionFixtures(all);
const certificates = certificateNumbersOf(all);
// Cases dated after today are refused (a caller may not pick a future date): decided here are the others.
const today = shanghaiDate(new Date());
const cases = all.filter((c) => (c.request.decisionDate ?? today) <= today);

let gw: ChildGateway;
let token: string;
const statuses: number[] = [];
const problems: string[] = [];

/** Every request of this file goes through here, so each status and problem body is kept. */
async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${gw.url}${path}`, init);
  const text = await response.text();
  statuses.push(response.status);
  if ((response.headers.get('content-type') ?? '').startsWith('application/problem+json'))
    problems.push(text);
  return new Response(response.status === 204 ? null : text, {
    status: response.status,
    headers: response.headers,
  });
}

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return send('/v1/verifications', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': `scan-${crypto.randomUUID()}`,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

beforeAll(async () => {
  gw = await startChild({ fixtures, deadlineMs: 300, slowMs: 1000 });
  token = await gw.token('verifications:write verifications:read subjects:read audit:read', 'scan');
});
afterAll(() => gw?.close());

describe('personal data in the gateway process output and problem bodies', () => {
  it('a run of decisions, faults, replays, conflicts and bad requests', async () => {
    // Every policy case, some of them with a registry fault of their own.
    const keys = cases.map((_, i) => `scan-case-${i}`);
    await mapConcurrent(cases, 4, async (c, i) => {
      expect((await post(c.request, { 'idempotency-key': keys[i] ?? '' })).status).toBe(201);
    });

    // Every fault mode, for applicants of ordinary cases, on top of the fixtures' own faults.
    const ordinary = cases.filter((c) => c.expected.queried.length === 3).slice(0, 12);
    const modes: Fault['mode'][] = ['error', 'timeout', 'malformed', 'slow'];
    const sources = ['civil_affairs', 'hrss', 'disability'] as const;
    const extra: Fault[] = ordinary.map((c, i) => ({
      source: sources[i % 3] ?? 'hrss',
      mode: modes[i % 4] ?? 'error',
      idNumber: c.request.applicant.idNumber,
    }));
    gw.sandboxes.setFaults([...fixtures.faults, ...extra]);
    await mapConcurrent(ordinary, 6, async (c) => {
      const r = await post(c.request);
      expect(r.status).toBe(201);
      expect(((await r.json()) as { outcome: string }).outcome).not.toBe('ineligible');
    });
    expect(gw.sandboxes.requestLog().map((r) => r.outcome)).toEqual(expect.arrayContaining(modes));

    // Replays and conflicts.
    for (const [i, c] of cases.slice(0, 5).entries()) {
      expect((await post(c.request, { 'idempotency-key': keys[i] ?? '' })).status).toBe(200);
      const other = { ...c.request, declaration: { ...c.request.declaration, monthlyHouseholdIncome: 1.23 } };
      expect((await post(other, { 'idempotency-key': keys[i] ?? '' })).status).toBe(409);
    }

    // Bad requests that carry personal data where an error might echo it.
    const c0 = cases[10]?.request ?? expect.unreachable('case');
    const { idNumber, name } = c0.applicant;
    const wrong = idNumber.slice(0, 17) + (idNumber.endsWith('1') ? '2' : '1');
    const zh = { 'accept-language': 'zh-CN' };
    const bad: [unknown, Record<string, string>, number][] = [
      [{ ...c0, applicant: { idNumber: wrong, name } }, zh, 400],
      [{ ...c0, household: [{ idNumber, name, relation: 'spouse' }] }, {}, 400],
      [{ ...c0, [idNumber]: name }, zh, 400],
      [{ ...c0, region: idNumber }, {}, 400],
      [{ ...c0, matter: { kind: 'civil', category: name } }, zh, 400],
      [{ ...c0, matter: { kind: name, category: 'wage_claim' } }, {}, 400],
      [{ ...c0, consent: { ...c0.consent, reference: name, scopes: [idNumber] } }, zh, 400],
      [{ ...c0, household: { [idNumber]: name } }, {}, 400],
      [`{"applicant":{"idNumber":"${idNumber}","name":"${name}"`, zh, 400],
      [{ ...c0, padding: `${idNumber}${name}`.repeat(4000) }, {}, 413],
      [{ ...c0, region: '110101' }, zh, 422],
      [{ ...c0, matter: { kind: 'civil', category: 'tax_dispute' } }, {}, 422],
      [c0, { 'content-type': 'text/plain' }, 415],
      [c0, { 'idempotency-key': '' }, 400],
      [c0, { authorization: `Bearer ${idNumber}.${idNumber}.${idNumber}` }, 401],
      [c0, { authorization: `Bearer ${idNumber}` }, 401],
      [c0, { authorization: `Bearer ${await gw.token('verifications:read', 'scan')}` }, 403],
    ];
    for (const [body, headers, status] of bad) {
      const r = await post(body, headers);
      expect({ status: r.status, body: await r.text() }).toMatchObject({ status });
    }
    const auth = { authorization: `Bearer ${token}` };
    expect((await send(`/v1/verifications/${idNumber}`, { headers: auth })).status).toBe(404);
    expect((await send(`/v1/verifications/${encodeURIComponent(name)}`, { headers: auth })).status).toBe(404);
    expect((await send(`/v1/subjects/access?idNumber=${idNumber}`, { headers: auth })).status).toBe(200);
    expect(
      (await send(`/v1/subjects/access?idNumber=${wrong}`, { headers: { ...auth, ...zh } })).status,
    ).toBe(400);
    const reader = `Bearer ${await gw.token('verifications:read', 'scan')}`;
    expect(
      (await send(`/v1/subjects/access?idNumber=${idNumber}`, { headers: { authorization: reader } })).status,
    ).toBe(403);
    expect((await send(`/v1/subjects/access?idNumber=${idNumber}`)).status).toBe(401);
    expect((await send(`/v1/nowhere/${idNumber}?name=${encodeURIComponent(name)}`)).status).toBe(404);

    expect(await gw.stop()).toBe(0);
  });

  it('the process logged every request, and no line names a person', () => {
    const output = gw.output();
    const lines = output.split('\n').filter((l) => l.startsWith('{'));
    const logged = lines.map((l) => JSON.parse(l) as { status?: number; route?: string });
    // Not vacuous: one structured line per request, with the statuses the run provoked.
    expect(logged.length).toBeGreaterThanOrEqual(statuses.length);
    expect(new Set(logged.map((l) => l.status))).toEqual(new Set(statuses));
    expect(findPersonalData(output, fixtures.persons, certificates)).toEqual([]);
  });

  it('no problem body names a person', () => {
    expect(new Set(statuses)).toEqual(new Set([200, 201, 400, 401, 403, 404, 409, 413, 415, 422]));
    // Every 4xx was a problem+json body, and every one of them was scanned.
    expect(problems.length).toBe(statuses.filter((s) => s >= 400).length);
    expect(problems.length).toBeGreaterThanOrEqual(25);
    expect(findPersonalData(problems.join('\n'), fixtures.persons, certificates)).toEqual([]);
  });
});
