/**
 * Re-verification end to end on a real gateway with real sandbox registries (issue 13): HRSS
 * times out, two applicants get provisional decisions on their integrity commitment; the worker
 * keeps asking HRSS (only HRSS) with backoff; when HRSS recovers it writes superseding decisions:
 * one confirms eligibility (final), the other finds the income over the line and is flagged for
 * a person (arts. 41 and 48), never flipped to ineligible by itself. Both decisions and the
 * supersession leaf verify with `egw audit verify`, and the data tracker lists the re-query.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../../schemas/decision.ts';
import { makeIdNumber } from '../../../schemas/id-number.ts';
import type { FixturesInput } from '../../../schemas/index.ts';
import { egwInProcess } from '../../support/egw-in-process.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const CONFIRMED = makeIdNumber('320102', '1985-04-12', 11);
const OVER_LINE = makeIdNumber('320104', '1979-09-30', 12);
const fixtures: FixturesInput = {
  persons: [
    { idNumber: CONFIRMED, name: '测试甲', district: '320102' },
    { idNumber: OVER_LINE, name: '测试乙', district: '320104' },
  ],
  hrss: [
    {
      idNumber: CONFIRMED,
      employment: 'employed',
      insuredCategory: 'urban_employee',
      monthlyContributionBase: 1800,
      asOf: '2025-06-01',
    },
    {
      idNumber: OVER_LINE,
      employment: 'employed',
      insuredCategory: 'urban_employee',
      monthlyContributionBase: 6500,
      asOf: '2025-06-01',
    },
  ],
};

let gw: InProcessGateway;
let writer: string;
let reader: string;
let admin: string;

async function json<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function read(id: string): Promise<Decision> {
  return json<Decision>(await gw.get(`/v1/verifications/${id}`, reader));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function hrssLookupsOf(idNumber: string) {
  return gw.sandboxes.hrss.requestLog().filter((r) => r.subjects?.includes(idNumber));
}

beforeAll(async () => {
  gw = await startInProcess({
    fixtures,
    deadlineMs: 300,
    reverification: { intervalMs: 100, backoffBaseMs: 150 },
  });
  writer = await gw.token('verifications:write verifications:read', 'intake-a');
  reader = await gw.token('verifications:read', 'intake-a');
  admin = await gw.token('reverifications:admin', 'operator');
}, 60_000);
afterAll(async () => gw?.close());

describe('re-verification after a registry outage', () => {
  const first: Record<'confirmed' | 'overLine', Decision | undefined> = {
    confirmed: undefined,
    overLine: undefined,
  };

  it('queues provisional decisions while HRSS times out, and keeps trying only HRSS with backoff', async () => {
    gw.sandboxes.setFaults([{ source: 'hrss', mode: 'timeout' }]);
    for (const [key, applicant] of [
      ['confirmed', 0],
      ['overLine', 1],
    ] as const) {
      const decision = await json<Decision>(
        await gw.verify(requestFor(fixtures as never, applicant), { token: writer }),
        201,
      );
      expect(decision.outcome).toBe('eligible');
      expect(decision.provisional).toBe(true);
      expect(decision.evidence.find((e) => e.source === 'hrss')?.status).toBe('unavailable');
      first[key] = decision;
    }
    const queue = await until('two failed attempts each', async () => {
      const s = await json<{ pending: number; lastErrors: Record<string, number> }>(
        await gw.get('/v1/reverifications', admin),
      );
      return Object.values(s.lastErrors).reduce((a, b) => a + b, 0) >= 2 &&
        hrssLookupsOf(CONFIRMED).length >= 3
        ? s
        : undefined;
    });
    expect(queue.pending).toBe(2);
    expect(Object.keys(queue.lastErrors).every((code) => code.startsWith('ERR_REGISTRY'))).toBe(true);
    // Still open: nothing is written while HRSS is down and the window is open.
    expect((await read(first.confirmed?.id ?? '')).supersededBy).toBeUndefined();
    // Backoff: far fewer attempts than passes (a pass every 100 ms).
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    const attempts = hrssLookupsOf(CONFIRMED).length;
    expect(attempts).toBeLessThan(3 + (Date.now() - started) / 100);
    // Civil affairs and the disability federation answered the first time: never asked again.
    expect(
      gw.sandboxes.civilAffairs.requestLog().filter((r) => r.subjects?.includes(CONFIRMED)),
    ).toHaveLength(1);
    expect(gw.sandboxes.disability.requestLog().filter((r) => r.subjects?.includes(CONFIRMED))).toHaveLength(
      1,
    );
  });

  it('when HRSS recovers, the worker writes, on its own, a final superseding decision that confirms eligibility', async () => {
    const old = first.confirmed ?? expect.unreachable('first decision');
    gw.sandboxes.setFaults([]);
    // No run-now: the worker's next attempt (its interval plus the row's backoff) does it.
    const successorId = await until('the successor', async () => (await read(old.id)).supersededBy);
    const successor = await read(successorId);
    expect(successor.supersedes).toBe(old.id);
    expect(successor.id).not.toBe(old.id);
    expect(successor.outcome).toBe('eligible');
    expect(successor.provisional).toBe(false);
    expect(successor.reviewRequired).toBe(false);
    expect(successor.basis[0]?.rule).toBe('reverification');
    expect(successor.basis.map((b) => b.rule)).toContain('income_test');
    expect(successor.evidence.find((e) => e.source === 'hrss')?.status).toBe('found');
    expect(successor.evidence.find((e) => e.source === 'civil_affairs')?.status).toBe('not_found');
    expect(successor.decisionDate).toBe(old.decisionDate);

    // The data tracker lists the re-query under the successor.
    const tracker = await json<{
      entries: { kind: string; decisionId: string; source?: string; status?: string }[];
    }>(
      await fetch(`${gw.url}/v1/subjects/access`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await gw.token('subjects:read', 'tracker')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ idNumber: CONFIRMED }),
      }),
    );
    expect(tracker.entries).toContainEqual(
      expect.objectContaining({
        kind: 'registry_access',
        decisionId: successor.id,
        source: 'hrss',
        status: 'found',
      }),
    );
    expect(
      tracker.entries.filter((e) => e.decisionId === successor.id && e.kind === 'registry_access'),
    ).toHaveLength(1);
    // Every lookup HRSS saw has its access leaf: the first decision's, each failed attempt's
    // (under the decision being re-verified) and the successor's.
    const hrssAccesses = tracker.entries.filter((e) => e.kind === 'registry_access' && e.source === 'hrss');
    expect(hrssAccesses).toHaveLength(hrssLookupsOf(CONFIRMED).length);
    expect(
      hrssAccesses.filter((e) => e.decisionId === old.id && e.status === 'unavailable').length,
    ).toBeGreaterThanOrEqual(3);

    // Both decisions and the supersession leaf verify from the public log.
    for (const [name, decision] of [
      ['old', await read(old.id)],
      ['new', successor],
    ] as const) {
      const file = join(gw.dataDir, `${name}.json`);
      writeFileSync(file, JSON.stringify(decision));
      const verified = await egwInProcess(['audit', 'verify', file, '--gateway', gw.url]);
      expect(verified.code, verified.out + verified.err).toBe(0);
      if (name === 'new') expect(verified.out).toMatch(/PASS\s+supersession/);
    }
  });

  it('flags a provisional grant the registries contradict for a person, citing arts. 41 and 48', async () => {
    const old = first.overLine ?? expect.unreachable('first decision');
    const successorId = await until('the successor', async () => (await read(old.id)).supersededBy);
    const successor = await read(successorId);
    expect(successor.supersedes).toBe(old.id);
    // Not flipped silently: a person decides whether aid ends.
    expect(successor.outcome).toBe('needs_review');
    expect(successor.reviewRequired).toBe(true);
    const flag = successor.basis.find((b) => b.rule === 'possible_false_declaration');
    expect(flag?.citation).toMatch(/第四十八条/);
    expect(flag?.citation).toMatch(/art(s)?\. 41 and 48/);
    expect(successor.basis.find((b) => b.rule === 'income_test')?.explanation).toBeTruthy();

    const status = await json<{ pending: number; done: number }>(await gw.get('/v1/reverifications', admin));
    expect(status).toMatchObject({ pending: 0, done: 2 });
    const printed = await egwInProcess(['reverify', 'status', '--gateway', gw.url, '--token', admin]);
    expect(printed.out).toMatch(/pending\s+0/);
    const run = await egwInProcess(['reverify', 'run-now', '--gateway', gw.url, '--token', admin]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/took 0 of 0 pending/);
  });

  it('answers 403 to the queue routes without reverifications:admin', async () => {
    expect((await gw.get('/v1/reverifications', reader)).status).toBe(403);
    const run = await fetch(`${gw.url}/v1/reverifications/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(run.status).toBe(403);
  });
});
