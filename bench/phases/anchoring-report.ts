/**
 * M6's rows: anchor lag p95 / p50 / max against the orderer's BatchTimeout (the target is
 * issue 10's acceptance line, p95 ≤ BatchTimeout + 1 s), decisions and log leaves per Fabric
 * transaction, and the row printed when no network runs.
 */
import { cpus } from 'node:os';
import type { AnchorLag } from '../lib/anchor-lag.ts';
import type { Rep } from '../lib/harness.ts';
import { atMost, type MetricRecord, metric } from '../lib/report.ts';
import { median, percentile, summarize } from '../lib/stats.ts';

/** The one line printed when M6 cannot run (never a silent pass). */
export const M6_SKIPPED = 'M6 skipped: no Fabric network (npm run fabric:up)';

/** The acceptance line of issue 10: each checkpoint anchored within BatchTimeout + 1 s. */
export const LAG_ALLOWANCE_MS = 1000;

/** M6's row when it cannot run: no figure, and the reason. */
export function skippedRecord(reason: string): MetricRecord {
  return metric({
    id: 'M6',
    name: 'anchor lag p95 ÷ BatchTimeout at 50 % load',
    unit: '',
    baseline: null,
    value: null,
    ratio: null,
    spread: null,
    validity: { ok: true, notes: [`skipped: ${reason} (npm run fabric:up)`] },
  });
}

export interface RepOutcome {
  readonly rep: Rep;
  readonly lag: AnchorLag;
  /** Per anchor transaction that first covered a decision: leaves and checkpoints it covered. */
  readonly leaves: readonly number[];
  readonly checkpoints: readonly number[];
}

export interface AnchoringRun {
  readonly batchTimeoutMs: number;
  readonly reps: number;
  readonly capacity: number;
  readonly capacitySource: string;
  readonly rate: number;
  readonly origin: string;
  /** 1-minute load averages before and after each repetition (the machine is shared). */
  readonly loads: readonly number[];
  readonly alarms: boolean;
}

export function anchoringReport(
  outcomes: readonly RepOutcome[],
  run: AnchoringRun,
): { records: MetricRecord[]; raw: Record<string, unknown> } {
  const batchTimeout = run.batchTimeoutMs;
  const lags = outcomes.flatMap((o) => o.lag.lagsMs);
  const all = { ...summarize(lags), p95: percentile(lags, 0.95) };
  const decisions = outcomes.reduce((s, o) => s + o.lag.decisions, 0);
  const unanchored = outcomes.reduce((s, o) => s + o.lag.unanchored, 0);
  const transactions = outcomes.reduce((s, o) => s + o.lag.transactions.length, 0);
  const leaves = outcomes.flatMap((o) => o.leaves);
  const checkpoints = outcomes.flatMap((o) => o.checkpoints);
  const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
  const spreadOf = (xs: readonly number[]) =>
    xs.length > 1 ? (Math.max(...xs) - Math.min(...xs)) / median(xs) : null;
  const failed = outcomes.reduce((s, o) => s + o.rep.failed + o.rep.unanswered, 0);
  const cpuMs = median(
    outcomes.flatMap((o) => (o.rep.cpuMsPerRequest === null ? [] : [o.rep.cpuMsPerRequest])),
  );

  const notes: string[] = [
    `baseline: the orderer's BatchTimeout, ${batchTimeout} ms; load ${run.rate.toFixed(0)}/s = 50 % of ${run.capacity.toFixed(0)}/s (${run.capacitySource})`,
  ];
  notes.push(
    `load average ${Math.min(...run.loads).toFixed(1)}–${Math.max(...run.loads).toFixed(1)} on ${cpus().length} cores (Fabric's processes and other work unpinned)`,
  );
  notes.push(`gateway CPU ${cpuMs.toFixed(2)} ms per decision at this load (anchor worker included)`);
  if (run.reps < 3) notes.push(`${run.reps} repetition(s) (quick mode)`);
  const invalid = outcomes.filter((o) => !o.rep.valid);
  for (const o of invalid) notes.push(`a repetition: ${o.rep.notes.join('; ')}`);
  if (unanchored > 0) notes.push(`${unanchored} of ${decisions} decisions not anchored 30 s after the load`);
  if (run.alarms) notes.push('the gateway raised a ledger alarm');
  if (failed > decisions * 0.01) notes.push(`${failed} requests failed or went unanswered`);
  if (all.max > batchTimeout + LAG_ALLOWANCE_MS)
    notes.push(`max lag ${all.max.toFixed(0)} ms > BatchTimeout + 1 s`);
  const validity = {
    ok: invalid.length === 0 && unanchored === 0 && !run.alarms && failed <= decisions * 0.01,
    notes,
  };
  const lagRecord = (name: string, valueMs: number, perRep: readonly number[], withTarget: boolean) =>
    metric({
      id: 'M6',
      name: `anchor lag ${name} ÷ BatchTimeout at 50 % load`,
      unit: 'ms',
      baseline: batchTimeout,
      value: valueMs,
      ratio: valueMs / batchTimeout,
      spread: spreadOf(perRep),
      ...(withTarget ? { target: atMost((batchTimeout + LAG_ALLOWANCE_MS) / batchTimeout) } : {}),
      validity,
    });
  const records = [
    lagRecord(
      'p95',
      all.p95,
      outcomes.map((o) => o.lag.p95Ms),
      true,
    ),
    lagRecord(
      'p50',
      all.p50,
      outcomes.map((o) => o.lag.p50Ms),
      false,
    ),
    lagRecord(
      'max',
      all.max,
      outcomes.map((o) => o.lag.maxMs),
      false,
    ),
    metric({
      id: 'M6',
      name: 'decisions per Fabric transaction at 50 % load',
      unit: 'decisions/tx',
      baseline: null,
      value: decisions / Math.max(1, transactions),
      ratio: decisions / Math.max(1, transactions),
      spread: spreadOf(outcomes.map((o) => o.lag.decisions / Math.max(1, o.lag.transactions.length))),
      validity: {
        ok: validity.ok,
        notes: [`${decisions} decisions, ${transactions} anchor transactions`],
      },
    }),
    metric({
      id: 'M6',
      name: 'log leaves per Fabric transaction at 50 % load',
      unit: 'leaves/tx',
      baseline: null,
      value: sum(leaves) / Math.max(1, leaves.length),
      ratio: sum(leaves) / Math.max(1, leaves.length),
      spread: null,
      validity: {
        ok: validity.ok,
        notes: [
          `checkpoints per transaction ${(sum(checkpoints) / Math.max(1, checkpoints.length)).toFixed(2)}`,
        ],
      },
    }),
  ];
  return {
    records,
    raw: {
      batchTimeoutMs: batchTimeout,
      origin: run.origin,
      capacity: run.capacity,
      capacitySource: run.capacitySource,
      rate: run.rate,
      loadAverages: run.loads,
      reps: outcomes.map((o) => ({
        decisions: o.lag.decisions,
        unanchored: o.lag.unanchored,
        transactions: o.lag.transactions.length,
        p50Ms: o.lag.p50Ms,
        p95Ms: o.lag.p95Ms,
        maxMs: o.lag.maxMs,
        cpuMsPerRequest: o.rep.cpuMsPerRequest,
        leaves: o.leaves,
        checkpoints: o.checkpoints,
        valid: o.rep.valid,
        notes: o.rep.notes,
      })),
    },
  };
}
