/**
 * A registry outage never denies aid and never holds a request past its deadline: every
 * registry × every fault mode (error, timeout, malformed, slow) against a household whose
 * complete evidence is `ineligible`, with and without the integrity commitment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES, type Source } from '../../../schemas/common.ts';
import type { Decision } from '../../../schemas/decision.ts';
import type { Fault } from '../../../schemas/registry-records.ts';
import { expectDecision } from '../../contract/contract-client.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { loadPolicyCases } from '../../support/policy-cases.ts';

const DEADLINE_MS = 300;
const SLOW_MS = 1000;
/** Auth, policy, signing and the SQLite commit (synchronous FULL) on top of the registry deadline. */
const MARGIN_MS = 250;
const MODES = ['error', 'timeout', 'malformed', 'slow'] as const satisfies readonly Fault['mode'][];
/** The evidence when every registry answers. */
const HEALTHY: Readonly<Record<Source, string>> = {
  civil_affairs: 'not_found',
  hrss: 'found',
  disability: 'not_found',
};

// A household of three at 7470.01 CNY a month: one fen above the wage per head, nothing on
// record with civil affairs or the disability federation. Complete evidence says ineligible;
// any registry missing could have granted (assistance, a certificate, another income figure).
const base = loadPolicyCases().find((c) =>
  c.name.startsWith('rule 7 boundary: household of three one fen above'),
);
if (!base) throw new Error('policy case missing');
const household = base.request;

let gw: InProcessGateway;
let token: string;
const timings: { label: string; overshoot: number; tries: number }[] = [];

async function decide(integrityCommitment: boolean): Promise<{ decision: Decision; ms: number }> {
  const started = performance.now();
  const response = await gw.verify(
    { ...household, declaration: { ...household.declaration, integrityCommitment } },
    { token },
  );
  const text = await response.text();
  const ms = performance.now() - started;
  return { decision: expectDecision({ status: response.status, headers: response.headers, text }, 201), ms };
}

/**
 * Decides up to three times and returns the best wall time. Every counted attempt is checked
 * by `check`. On a shared CI box one attempt may be voided, never silently passed: when a
 * registry that was NOT faulted missed the deadline (the host stalled), or when the wall time
 * exceeded the bound (a scheduling or fsync hiccup). A gateway that ignores its deadline
 * (waiting for the 1000 ms slow answer, or forever) or decides wrongly fails every attempt.
 */
async function bestOfThree(
  label: string,
  commitment: boolean,
  faulted: readonly Source[],
  check: (decision: Decision, ms: number) => void,
): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  let tries = 0;
  while (tries < 3 && best >= DEADLINE_MS + MARGIN_MS) {
    tries += 1;
    gw.sandboxes.clearRequestLogs();
    const { decision, ms } = await decide(commitment);
    const stalled = decision.evidence.some(
      (e) => e.status === 'unavailable' && !(faulted as readonly string[]).includes(e.source),
    );
    if (stalled && tries < 3) continue;
    check(decision, ms);
    best = Math.min(best, ms);
  }
  timings.push({ label, overshoot: best - DEADLINE_MS, tries });
  return best;
}

function expectUnavailable(
  decision: Decision,
  source: Source,
  mode: Fault['mode'],
  commitment: boolean,
): void {
  expect(decision.outcome).not.toBe('ineligible');
  expect({ outcome: decision.outcome, provisional: decision.provisional }).toEqual(
    commitment ? { outcome: 'eligible', provisional: true } : { outcome: 'needs_review', provisional: false },
  );
  expect(decision.basis[0]?.rule).toBe('missing_evidence');
  const statuses = Object.fromEntries(decision.evidence.map((e) => [e.source, e.status]));
  expect(statuses).toEqual({ ...HEALTHY, [source]: 'unavailable' });
  // Nothing was answered, so nothing is digested as if it had been.
  expect(decision.evidence.find((e) => e.source === source)?.digest).toBe('');
  // The fault really happened at the registry, to this request.
  const calls = gw.sandboxes.requestLog().filter((r) => r.requestId === decision.id);
  expect(calls.map((r) => [r.source, r.outcome]).sort()).toEqual(
    SOURCES.map((s) => [s, s === source ? mode : 'answered']).sort(),
  );
}

function expectHealthy(decision: Decision): void {
  expect(decision.outcome).toBe('ineligible');
  expect(decision.basis.map((b) => b.rule)).toEqual(['income_test']);
  expect(Object.fromEntries(decision.evidence.map((e) => [e.source, e.status]))).toEqual(HEALTHY);
}

beforeAll(async () => {
  gw = await startInProcess({ fixtures: base.fixtures, deadlineMs: DEADLINE_MS, slowMs: SLOW_MS });
  token = await gw.token('verifications:write', 'faults');
  await decide(true); // warm up: keys, pools, TLS sessions
});
afterAll(async () => {
  const faulty = timings.filter((t) => !t.label.startsWith('healthy'));
  const worst = faulty.reduce((a, b) => (b.overshoot > a.overshoot ? b : a));
  const retried = timings.filter((t) => t.tries > 1).length;
  console.info(
    `registry deadline ${DEADLINE_MS} ms: worst faulted request ${Math.round(worst.overshoot + DEADLINE_MS)} ms (${worst.label}), overshoot ${Math.round(worst.overshoot)} ms; ${retried} of ${timings.length} measurements needed another attempt`,
  );
  await gw?.close();
});

describe('registry faults', () => {
  it('with complete evidence the household is ineligible (so "never ineligible" below means something)', async () => {
    gw.sandboxes.setFaults([]);
    for (const commitment of [true, false]) {
      await bestOfThree(`healthy ${commitment}`, commitment, [], expectHealthy);
    }
  });

  const matrix = SOURCES.flatMap((source) => MODES.map((mode) => [source, mode] as const));
  it.each(matrix)(
    '%s answering %s: never ineligible, evidence unavailable, within the deadline',
    async (source, mode) => {
      gw.sandboxes.setFaults([{ source, mode }]);
      for (const commitment of [true, false]) {
        const best = await bestOfThree(`${source} ${mode}`, commitment, [source], (decision, ms) => {
          expectUnavailable(decision, source, mode, commitment);
          // A registry that does not answer in time is waited for up to the deadline, not abandoned early.
          if (mode === 'timeout' || mode === 'slow') expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
        });
        expect(best).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      }
    },
  );

  it('all three registries timing out at once: within the deadline, nothing digested', async () => {
    gw.sandboxes.setFaults(SOURCES.map((source) => ({ source, mode: 'timeout' as const })));
    const best = await bestOfThree('all three timeout', false, SOURCES, (decision) => {
      expect(decision.outcome).toBe('needs_review');
      expect(decision.evidence.map((e) => [e.status, e.digest])).toEqual(
        SOURCES.map(() => ['unavailable', '']),
      );
    });
    expect(best).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  });

  it('a fault for one household member only makes the whole source unavailable, never a partial not_found', async () => {
    const member = household.household[1]?.idNumber;
    gw.sandboxes.setFaults([{ source: 'hrss', mode: 'malformed', idNumber: member }]);
    await bestOfThree('hrss malformed for one member', false, ['hrss'], (decision) => {
      expect(decision.outcome).toBe('needs_review');
      expect(decision.evidence.find((e) => e.source === 'hrss')?.status).toBe('unavailable');
      expect(gw.sandboxes.hrss.requestLog().map((r) => r.outcome)).toEqual(['malformed']);
    });
  });

  it('once the faults clear, the same connectors answer again (no poisoned pool)', async () => {
    gw.sandboxes.setFaults([]);
    await bestOfThree('healthy again', false, [], expectHealthy);
  });
});
