/**
 * The registries as the Worker reaches them on local workerd: civil affairs (HMAC-signed
 * REST) and the disability federation (ES256 JWT) through the fetch transport; HRSS, which
 * demands a client certificate, through the mTLS certificate binding — which `wrangler dev
 * --local` cannot provide (the binding only works remotely), so locally HRSS is unavailable
 * and a case that needs it is provisional or needs review, never ineligible (invariant 4).
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Decision } from '../../../schemas/index.ts';
import { mintDevToken } from '../../support/tokens.ts';
import { workersFixtures } from './workers-stack.ts';
import { workersRequest } from './workers-target.ts';

const url = () => inject('workersUrl');
const fixtures = workersFixtures();
let token: string;

async function decide(index: number, scopes: readonly ('civil_affairs' | 'hrss' | 'disability')[]) {
  const base = workersRequest(index);
  const res = await fetch(`${url()}/v1/verifications`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': `registries-${crypto.randomUUID()}`,
    },
    body: JSON.stringify({ ...base, consent: { ...base.consent, scopes: [...scopes] } }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Decision;
}

beforeAll(async () => {
  token = await mintDevToken(
    inject('workersDataDir'),
    ['verifications:write', 'verifications:read', 'subjects:read'],
    `registries-${crypto.randomUUID()}`,
  );
});

describe('registries from workerd', () => {
  it('reaches civil affairs and the disability federation over fetch, with their own authentication', async () => {
    const known = new Set([...fixtures.civilAffairs, ...fixtures.disability].map((r) => r.idNumber));
    const index = fixtures.persons.findIndex((p) => known.has(p.idNumber));
    expect(index).toBeGreaterThanOrEqual(0);
    const decision = await decide(index, ['civil_affairs', 'disability']);
    const status = Object.fromEntries(decision.evidence.map((e) => [e.source, e.status]));
    expect(status.hrss).toBe('out_of_scope');
    expect(['found', 'not_found', 'not_queried']).toContain(status.civil_affairs);
    expect(['found', 'not_found', 'not_queried']).toContain(status.disability);
    expect([status.civil_affairs, status.disability]).toContain('found');
  });

  it('HRSS needs the mTLS binding, which local workerd lacks: unavailable, and never ineligible for it', async () => {
    const decision = await decide(0, ['civil_affairs', 'hrss', 'disability']);
    const hrss = decision.evidence.find((e) => e.source === 'hrss');
    expect(hrss?.status).toBe('unavailable');
    expect(decision.outcome).not.toBe('ineligible');
    expect(decision.basis.map((b) => b.rule)).toContain('missing_evidence');
  });

  it('/readyz names HRSS failing and the rest ready, with the ledger disabled on Workers', async () => {
    const expected = {
      status: 'not_ready',
      checks: { civil_affairs: 'ok', hrss: 'failing', disability: 'ok', store: 'ok', ledger: 'disabled' },
    };
    // Probes have one second each: on a loaded machine, ask again before judging.
    let last: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await fetch(`${url()}/readyz`);
      expect(res.status).toBe(503);
      last = await res.json();
      if (JSON.stringify(last) === JSON.stringify(expected)) break;
    }
    expect(last).toEqual(expected);
  });

  it('the data tracker on D1 lists each access and the decision with its log index', async () => {
    const decision = await decide(3, ['civil_affairs', 'disability']);
    const person = fixtures.persons[3];
    const res = await fetch(`${url()}/v1/subjects/access?idNumber=${person?.idNumber ?? ''}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const { entries } = (await res.json()) as {
      entries: { kind: string; decisionId: string; logIndex: number; source?: string }[];
    };
    const mine = entries.filter((e) => e.decisionId === decision.id);
    expect(mine.map((e) => [e.kind, e.source ?? null])).toEqual([
      ['registry_access', 'civil_affairs'],
      ['registry_access', 'disability'],
      ['decision', null],
    ]);
    expect(mine.at(-1)?.logIndex).toBe(decision.receipt.leafIndex);
    expect(mine.map((e) => e.logIndex)).toEqual([0, 1, 2].map((i) => decision.receipt.leafIndex - 2 + i));
  });
});
