/**
 * Every case of tests/fixtures/policy-cases.json through POST /v1/verifications, against one
 * set of real sandbox registries holding every case's fixtures (identity numbers are unique
 * across cases; a case's registry faults are narrowed to its own applicant), and what the
 * sandboxes' own request logs say was asked of them. Then minimum necessary: cases that need
 * no economic check query no registry at all, and a registry outside the consent is never called.
 */
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxRequestRecord } from '../../../connectors/index.ts';
import { SOURCES } from '../../../schemas/common.ts';
import type { Decision } from '../../../schemas/decision.ts';
import { shanghaiDate } from '../../../src/core/request-dates.ts';
import { PURPOSE } from '../../../src/core/verification-service.ts';
import { expectDecision, type TextResponse } from '../../contract/contract-client.ts';
import { findPersonalData } from '../../contract/personal-data.ts';
import { verifyDecision } from '../../contract/verify-decision.ts';
import { mapConcurrent } from '../../support/concurrency.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import {
  certificateNumbersOf,
  expectedEvidence,
  householdOf,
  loadPolicyCases,
  type PolicyCase,
  subjectsOf,
  unionFixtures,
} from '../../support/policy-cases.ts';

const all = loadPolicyCases();
const fixtures = unionFixtures(all);
// A case dated after today (the parameter-review cases of 2027) is decided by the policy's own
// table test; through the gateway it must be refused, since a caller may not pick a future date.
const today = shanghaiDate(new Date());
const cases = all.filter((c) => (c.request.decisionDate ?? today) <= today);
const future = all.filter((c) => (c.request.decisionDate ?? today) > today);

interface Outcome {
  readonly response: TextResponse;
  readonly decision: Decision;
  readonly raw: Record<string, unknown>;
}

let gw: InProcessGateway;
let token: string;
let log: readonly SandboxRequestRecord[];
let jwks: JSONWebKeySet;
let logKey: string;
const outcomes = new Map<string, Outcome>();
const futureAnswers: { status: number; body: { errors?: { path: string }[] } }[] = [];
let queriedForFuture = -1;

async function post(c: PolicyCase, key: string): Promise<Outcome> {
  const response = await gw.verify(c.request, { key, token });
  const text = await response.text();
  const r = { status: response.status, headers: response.headers, text };
  return { response: r, decision: expectDecision(r, 201), raw: JSON.parse(text) as Record<string, unknown> };
}

beforeAll(async () => {
  // Faults here are `error` (immediate); a generous deadline keeps a loaded host from adding unavailability.
  gw = await startInProcess({ fixtures, deadlineMs: 10_000 });
  token = await gw.token('verifications:write verifications:read', 'policy-cases');
  await mapConcurrent(cases, 6, async (c, i) => {
    outcomes.set(c.name, await post(c, `policy-case-${i}`));
  });
  log = gw.sandboxes.requestLog();
  for (const c of future) {
    const r = await gw.verify(c.request, { token });
    futureAnswers.push({ status: r.status, body: (await r.json()) as { errors?: { path: string }[] } });
  }
  queriedForFuture = gw.sandboxes.requestLog().length - log.length;
  jwks = (await (await gw.get('/.well-known/jwks.json')).json()) as JSONWebKeySet;
  logKey = (await (await gw.get('/v1/log/key')).text()).trim();
});
afterAll(() => gw?.close());

describe('policy cases through the HTTP API and the real sandboxes', () => {
  it('one sandbox set can hold every case: no identity number is shared between cases', () => {
    const ids = fixtures.persons.map((p) => p.idNumber);
    expect(new Set(ids).size).toBe(ids.length);
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(outcomes.size).toBe(cases.length);
  });

  it('a case dated after today is refused with 400 at /decisionDate, and queries no registry', () => {
    expect(futureAnswers).toHaveLength(future.length);
    for (const a of futureAnswers) {
      expect(a.status).toBe(400);
      expect(a.body.errors?.map((e) => e.path)).toContain('/decisionDate');
    }
    expect(queriedForFuture).toBe(0);
  });

  it('the gateway authenticated to every registry: no request was refused or rejected', () => {
    expect(log.filter((r) => r.outcome === 'refused' || r.outcome === 'rejected')).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { decision, raw } = outcomes.get(c.name) ?? expect.unreachable('no outcome');
    expect({
      outcome: decision.outcome,
      provisional: decision.provisional,
      greenChannel: decision.greenChannel,
      rules: decision.basis.map((b) => b.rule),
    }).toEqual({
      outcome: c.expected.outcome,
      provisional: c.expected.provisional,
      greenChannel: c.expected.greenChannel,
      rules: c.expected.rules,
    });
    expect(decision.decisionDate).toBe(c.request.decisionDate);
    expect(decision.region).toBe(c.request.region);

    const statuses = Object.fromEntries(decision.evidence.map((e) => [e.source, e.status]));
    expect(statuses).toEqual(expectedEvidence(c));
    for (const [source, facts] of Object.entries(c.expected.facts ?? {})) {
      expect(decision.evidence.find((e) => e.source === source)?.facts, source).toMatchObject(
        facts as Record<string, unknown>,
      );
    }
    for (const m of c.expected.mentions ?? []) {
      expect(decision.basis[0]?.explanations?.['zh-CN']).toContain(m);
      expect(decision.basis[0]?.explanations?.en).toContain(m);
      expect(decision.basis[0]?.explanation).toContain(m);
    }

    // What the registries themselves saw: exactly the planned sources, about exactly the
    // planned people, each call carrying purpose, consent reference and the decision id.
    const mine = log.filter((r) => r.requestId === decision.id);
    expect([...new Set(mine.map((r) => r.source))].sort()).toEqual([...c.expected.queried].sort());
    for (const r of mine) {
      expect(r.subjects).toEqual(subjectsOf(c, r.source));
      expect(r.purpose).toBe(PURPOSE);
      expect(r.consentReference).toBe(c.request.consent.reference);
      expect(r.outcome).toBe(statuses[r.source] === 'unavailable' ? 'error' : 'answered');
    }
    const people = new Set(householdOf(c));
    expect(log.filter((r) => r.requestId !== decision.id && r.subjects.some((s) => people.has(s)))).toEqual(
      [],
    );

    await verifyDecision(raw, decision, jwks, logKey);
  });
});

describe('minimum necessary, from the sandboxes’ own request logs', () => {
  const noCheck = cases.filter((c) => c.expected.queried.length === 0);
  const partialConsent = cases.filter(
    (c) => c.expected.outOfScope.length > 0 && c.expected.queried.length > 0,
  );

  it('the table holds cases of both kinds', () => {
    expect(noCheck.map((c) => c.expected.rules[0])).toEqual(
      expect.arrayContaining(['criminal_assignment', 'no_economic_condition', 'matter_out_of_scope']),
    );
    expect(noCheck.length).toBeGreaterThanOrEqual(8);
    expect(partialConsent.length).toBeGreaterThanOrEqual(3);
  });

  it.each(noCheck.map((c) => [c.name, c] as const))('no registry is asked anything: %s', async (_n, c) => {
    gw.sandboxes.clearRequestLogs();
    const { decision } = await post(c, `no-check-${crypto.randomUUID()}`);
    expect(gw.sandboxes.civilAffairs.requestLog()).toEqual([]);
    expect(gw.sandboxes.hrss.requestLog()).toEqual([]);
    expect(gw.sandboxes.disability.requestLog()).toEqual([]);
    const want = c.expected.outOfScope.length === 3 ? 'out_of_scope' : 'not_queried';
    expect(decision.evidence.map((e) => [e.source, e.status, e.digest])).toEqual(
      SOURCES.map((s) => [s, want, '']),
    );
  });

  it.each(partialConsent.map((c) => [c.name, c] as const))(
    'a registry outside the consent is never called: %s',
    async (_n, c) => {
      gw.sandboxes.clearRequestLogs();
      const { decision } = await post(c, `consent-${crypto.randomUUID()}`);
      const handles = {
        civil_affairs: gw.sandboxes.civilAffairs,
        hrss: gw.sandboxes.hrss,
        disability: gw.sandboxes.disability,
      };
      for (const source of SOURCES) {
        const calls = handles[source].requestLog();
        const evidence = decision.evidence.find((e) => e.source === source);
        if (c.expected.outOfScope.includes(source)) {
          expect({ source, calls }).toEqual({ source, calls: [] });
          expect(evidence?.status).toBe('out_of_scope');
        } else {
          expect(calls.map((r) => r.requestId)).toEqual([decision.id]);
          expect(['found', 'not_found']).toContain(evidence?.status);
        }
      }
    },
  );
});

describe('personal data in what the gateway answered', () => {
  it('no basis, fact or log leaf names a person, a certificate or an identity number', () => {
    const text = [...outcomes.values()]
      .map(({ decision }) =>
        JSON.stringify({
          basis: decision.basis,
          evidence: decision.evidence,
          leaf: Buffer.from(decision.receipt.leaf, 'base64').toString('utf8'),
        }),
      )
      .join('\n');
    expect(findPersonalData(text, fixtures.persons, certificateNumbersOf(cases))).toEqual([]);
  });
});
