/**
 * Issue 11 item 3: every registry access is recorded, even in races. Twenty requests with the
 * same client, Idempotency-Key and body arrive at once: the gateway must query the registries
 * once (the twins wait for the first), and the data tracker must never show fewer accesses
 * than the sandboxes counted. Before the fix, 20 concurrent requests made 21 lookups and the
 * tracker showed 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { Decision } from '../../../schemas/index.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const fixtures = generatePopulation({ seed: 'racing-twins', size: 12 });
let gw: InProcessGateway;
let token: string;

beforeAll(async () => {
  gw = await startInProcess({ fixtures });
  token = await gw.token();
});
afterAll(() => gw?.close());

/** Lookups the sandboxes received about `idNumber`, counted one per registry request. */
function lookupsAbout(idNumber: string): number {
  return gw.sandboxes
    .requestLog()
    .filter((r) => r.outcome !== 'refused' && r.outcome !== 'rejected' && r.subjects.includes(idNumber))
    .length;
}

async function trackerAccesses(idNumber: string): Promise<number> {
  const r = await gw.get(`/v1/subjects/access?idNumber=${idNumber}`, token);
  expect(r.status).toBe(200);
  const { entries } = (await r.json()) as { entries: { kind: string }[] };
  return entries.filter((e) => e.kind === 'registry_access').length;
}

describe('racing twins and the data tracker', () => {
  it('20 concurrent requests with one key and one body fan out once; the tracker shows every lookup', async () => {
    const spouse = fixtures.persons[4] ?? expect.unreachable('person');
    const request = requestFor(fixtures, 3, {
      household: [{ idNumber: spouse.idNumber, name: spouse.name, relation: 'spouse' }],
    });
    gw.sandboxes.clearRequestLogs();
    const key = `race-${crypto.randomUUID()}`;
    const responses = await Promise.all(Array.from({ length: 20 }, () => gw.verify(request, { key, token })));
    const statuses = responses.map((r) => r.status).sort((a, b) => a - b);
    expect(statuses).toEqual([...Array.from({ length: 19 }, () => 200), 201]);
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as Decision).id)));
    expect(ids.size).toBe(1);

    for (const person of [request.applicant, spouse]) {
      const seen = lookupsAbout(person.idNumber);
      expect(seen).toBeGreaterThan(0);
      // One fan-out: each registry was asked once about each person.
      expect(seen).toBeLessThanOrEqual(3);
      expect(await trackerAccesses(person.idNumber)).toBeGreaterThanOrEqual(seen);
    }
  });

  it('twins with another body wait for the first and answer 409; nobody else fans out', async () => {
    const request = requestFor(fixtures, 6);
    const other = { ...request, declaration: { ...request.declaration, monthlyHouseholdIncome: 1.5 } };
    gw.sandboxes.clearRequestLogs();
    const key = `race-${crypto.randomUUID()}`;
    const [first, ...rest] = await Promise.all([
      gw.verify(request, { key, token }),
      ...Array.from({ length: 6 }, () => gw.verify(other, { key, token })),
    ]);
    expect(first?.status).toBe(201);
    expect(rest.map((r) => r.status)).toEqual(Array.from({ length: 6 }, () => 409));
    const seen = lookupsAbout(request.applicant.idNumber);
    expect(seen).toBeLessThanOrEqual(3);
    expect(await trackerAccesses(request.applicant.idNumber)).toBeGreaterThanOrEqual(seen);
  });

  it('a refused request (consent granted in the future) queries no registry', async () => {
    gw.sandboxes.clearRequestLogs();
    const request = requestFor(fixtures, 8, {
      consent: { reference: 'CONSENT-FUTURE', grantedAt: '2099-01-01T09:00:00+08:00', scopes: ['hrss'] },
    });
    expect((await gw.verify(request, { token })).status).toBe(400);
    expect(gw.sandboxes.requestLog()).toEqual([]);
  });
});
