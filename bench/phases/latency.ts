/**
 * M1 (latency overhead), M2 (throughput kept), M3 (CPU per decision), M5 (tail
 * amplification) and the fault modes: open-loop, interleaved repetitions of B0, B1, B2
 * and F (and, at 50 %, the fan-out floor B2f) at rates set from B2's capacity, measured in
 * the same run.
 */
import type { LatencyProfiles } from '../../connectors/index.ts';
import {
  describeRep,
  type HarnessSettings,
  measureRep,
  type Rep,
  type SystemName,
  type SystemUnderTest,
} from '../lib/harness.ts';
import { climbLadder, type Rung } from '../lib/ladder.ts';
import { type StepTotals, stepMeansMs, stepTotals } from '../lib/prometheus.ts';
import { atLeast, atMost, type MetricRecord, metric } from '../lib/report.ts';
import { median, pairedRatio, tailAmplification } from '../lib/stats.ts';
import type { Systems } from '../lib/systems.ts';

export const FIXED: LatencyProfiles = {
  civil_affairs: { model: { kind: 'fixed', ms: 20 } },
  hrss: { model: { kind: 'fixed', ms: 50 } },
  disability: { model: { kind: 'fixed', ms: 20 } },
};
const lognormal = { kind: 'lognormal', medianMs: 20, sigma: 1, maxMs: 5000 } as const;
export const LOGNORMAL: LatencyProfiles = {
  civil_affairs: { model: lognormal },
  hrss: { model: lognormal },
  disability: { model: lognormal },
};

export interface LatencyPhaseOptions {
  readonly systems: Systems;
  readonly under: Readonly<Record<SystemName, SystemUnderTest>>;
  readonly settings: HarnessSettings;
  /** B2's closed-loop capacity with the FIXED model, requests/s. */
  readonly capacityB2: number;
  readonly reps: number;
  readonly ladderReps: number;
}

type Level = Map<SystemName, Rep[]>;

async function runLevel(
  options: LatencyPhaseOptions,
  rate: number,
  names: readonly SystemName[],
  reps: number,
  label: string,
): Promise<Level> {
  const level: Level = new Map();
  for (let r = 0; r < reps; r++) {
    for (const name of names) {
      const rep = await measureRep(options.under[name], rate, options.settings);
      options.settings.log(`  ${label} rep ${r + 1}/${reps}  ${describeRep(rep)}`);
      level.set(name, [...(level.get(name) ?? []), rep]);
    }
  }
  return level;
}

const p = (reps: readonly Rep[] | undefined, q: 'p50' | 'p99') => (reps ?? []).map((r) => r[q]);

function validity(level: Level, names: readonly SystemName[], planned: number) {
  const notes: string[] = [];
  let ok = true;
  for (const name of names) {
    const reps = level.get(name) ?? [];
    const bad = reps.filter((r) => !r.valid);
    if (bad.length > 0) {
      ok = false;
      notes.push(`${name}: ${bad.length} of ${planned} repetitions invalid`);
    }
    for (const r of reps)
      for (const n of r.notes) if (!notes.includes(`${name}: ${n}`)) notes.push(`${name}: ${n}`);
  }
  if (planned < 5) notes.push(`${planned} repetitions (quick mode; the full run uses ≥ 5)`);
  return { ok, notes };
}

async function metricsText(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

export async function latencyPhase(options: LatencyPhaseOptions): Promise<{
  records: MetricRecord[];
  levels: Record<string, Record<string, Rep[]>>;
}> {
  const { systems, capacityB2, reps, settings } = options;
  const records: MetricRecord[] = [];
  const levels = new Map<number, Level>();
  await systems.sandboxes.setLatency(FIXED);

  // M1 (+ M3 at 50 %): 25/50/70 % of B2's capacity.
  let steps0: StepTotals = {};
  let steps1: StepTotals = {};
  let auth0 = { authSeconds: 0, authCount: 0 };
  let auth1 = { authSeconds: 0, authCount: 0 };
  for (const share of [0.25, 0.5, 0.7]) {
    const rate = capacityB2 * share;
    const names: SystemName[] = share === 0.5 ? ['B0', 'B1', 'B2', 'B2f', 'F'] : ['B0', 'B2', 'F'];
    settings.log(
      `M1 at ${share * 100} % of B2's capacity (${rate.toFixed(0)}/s), fixed 20/50/20 ms registries`,
    );
    if (share === 0.5) {
      steps0 = stepTotals(await metricsText(systems.full.url));
      auth0 = (await (await fetch(`${systems.passthrough.url}/__bench/stats`)).json()) as typeof auth0;
    }
    const level = await runLevel(options, rate, names, reps, `${share * 100}%`);
    if (share === 0.5) {
      steps1 = stepTotals(await metricsText(systems.full.url));
      auth1 = (await (await fetch(`${systems.passthrough.url}/__bench/stats`)).json()) as typeof auth1;
    }
    levels.set(share, level);
    for (const q of ['p50', 'p99'] as const) {
      const r = pairedRatio(p(level.get('B0'), q), p(level.get('F'), q));
      records.push(
        metric({
          id: 'M1',
          name: `latency F÷B0 ${q} @ ${share * 100} % load (${rate.toFixed(0)}/s)`,
          unit: 'ms',
          ...r,
          spread: r.spread,
          ...(share === 0.5 ? { target: q === 'p50' ? atMost(1.05) : atMost(1.15) } : {}),
          validity: validity(level, ['B0', 'F'], reps),
          detail: { b2: { p50: median(p(level.get('B2'), 'p50')), p99: median(p(level.get('B2'), 'p99')) } },
        }),
      );
    }
  }

  // M3: CPU per decision at 50 % load, F ÷ B1 at the same request rate.
  const half = levels.get(0.5) ?? new Map();
  const cpu = (name: SystemName) => (half.get(name) ?? []).map((r: Rep) => r.cpuMsPerRequest ?? Number.NaN);
  const m3 = pairedRatio(cpu('B1'), cpu('F'));
  const stepMs = stepMeansMs(steps0, steps1);
  const authMs =
    auth1.authCount > auth0.authCount
      ? ((auth1.authSeconds - auth0.authSeconds) * 1000) / (auth1.authCount - auth0.authCount)
      : Number.NaN;
  records.push(
    metric({
      id: 'M3',
      name: `CPU per decision F÷B1 @ ${(capacityB2 * 0.5).toFixed(0)}/s`,
      unit: 'CPU ms',
      ...m3,
      target: atMost(5),
      validity: validity(half, ['B1', 'F'], reps),
      detail: {
        b2CpuMsPerRequest: median(cpu('B2')),
        stepWallMsPerDecision: { auth_b2: authMs, ...stepMs },
        note: 'step times are wall-clock means from /metrics (fan_out includes registry latency, commit the group-commit wait); auth measured on B2, same middleware',
      },
    }),
  );

  // Issue 14: the fan-out's own CPU, (B2 − B1) ÷ B1 per interleaved pair: three registry calls
  // (with their authentication) should cost no more than one bare request.
  const b1Cpu = cpu('B1');
  const overB1 = (name: SystemName) =>
    pairedRatio(
      b1Cpu,
      cpu(name).map((v: number, i: number) => v - (b1Cpu[i] ?? Number.NaN)),
    );
  const b2fCpuMsPerRequest = median(cpu('B2f'));
  records.push(
    metric({
      id: 'fan',
      name: `fan-out CPU (B2−B1)÷B1 @ ${(capacityB2 * 0.5).toFixed(0)}/s`,
      unit: 'CPU ms',
      ...overB1('B2'),
      target: atMost(1),
      validity: validity(half, ['B1', 'B2'], reps),
      detail: {
        b2CpuMsPerRequest: median(cpu('B2')),
        b1CpuMsPerRequest: median(b1Cpu),
        b2fCpuMsPerRequest,
      },
    }),
  );
  // The floor under `fan`: the same ratio for B2f, three bare requests (no auth, no connectors)
  // to sandboxes that answer at once. Informational: if even this is above 1, no connector
  // change can bring `fan` to its target on this machine.
  records.push(
    metric({
      id: 'fanfloor',
      name: `fan-out floor CPU (B2f−B1)÷B1, 3 bare requests, no auth @ ${(capacityB2 * 0.5).toFixed(0)}/s`,
      unit: 'CPU ms',
      ...overB1('B2f'),
      validity: validity(half, ['B1', 'B2f'], reps),
      detail: {
        b2fCpuMsPerRequest,
        b1CpuMsPerRequest: median(b1Cpu),
        note: "B2f makes the three registry exchanges with nothing else (GET / answered 404 at once by each sandbox: no auth, no registry latency), so it is a lower bound of B2's fan-out; fan's target ≤ 1 is out of reach whatever the connectors do when this ratio is above 1",
      },
    }),
  );

  // M2: climb a ladder of rates; a system passes a rate while its p99 ≤ 2 × B0's.
  const ladder = [0.1, 0.25, 0.4, 0.5, 0.6, 0.7, 0.85, 1.0, 1.2];
  const rungs: Rung[] = [];
  let outcome = climbLadder([], ['B2', 'F']);
  for (const share of ladder) {
    const rate = capacityB2 * share;
    let level = levels.get(share);
    const running = (['B2', 'F'] as const).filter((s) => !outcome.failed.includes(s));
    if (running.length === 0 || outcome.stopped) break;
    if (!level) {
      settings.log(`M2 ladder at ${share * 100} % of B2's capacity (${rate.toFixed(0)}/s)`);
      level = await runLevel(options, rate, ['B0', ...running], options.ladderReps, `ladder ${share * 100}%`);
      levels.set(share, level);
    }
    rungs.push({
      rate,
      floor: level.get('B0') ?? [],
      systems: { B2: level.get('B2'), F: level.get('F') },
    });
    outcome = climbLadder(rungs, ['B2', 'F']);
  }
  const maxF = outcome.kept.F ?? 0;
  const maxB2 = outcome.kept.B2 ?? 0;
  records.push(
    metric({
      id: 'M2',
      name: 'throughput kept: max rate with p99 ≤ 2×B0, F÷B2',
      unit: 'req/s',
      baseline: maxB2,
      value: maxF,
      ratio: maxB2 > 0 ? maxF / maxB2 : null,
      spread: null,
      target: atLeast(0.8),
      validity: {
        ok: !outcome.censored.includes('B2'),
        notes: [
          `ladder ${ladder.map((l) => `${l * 100}%`).join(' ')} of B2's capacity`,
          ...outcome.notes,
          ...outcome.censored.map(
            (s) => `${s} never failed before the climb ended: its figure is a lower bound`,
          ),
        ],
      },
    }),
  );

  // M5: tail amplification with lognormal registries, at 50 % load.
  await systems.sandboxes.setLatency(LOGNORMAL);
  const rate5 = capacityB2 * 0.5;
  settings.log(`M5 lognormal registries (median 20 ms, σ 1) at ${rate5.toFixed(0)}/s`);
  const m5 = await runLevel(options, rate5, ['B0', 'F'], reps, 'M5');
  const tail = tailAmplification(m5.get('B0') ?? [], m5.get('F') ?? []);
  records.push(
    metric({
      id: 'M5',
      name: 'tail amplification (F p99/p50)÷(B0 p99/p50), lognormal',
      unit: 'p99/p50',
      ...tail,
      target: atMost(1.2),
      validity: validity(m5, ['B0', 'F'], reps),
      detail: {
        b0: { p50: median(p(m5.get('B0'), 'p50')), p99: median(p(m5.get('B0'), 'p99')) },
        f: { p50: median(p(m5.get('F'), 'p50')), p99: median(p(m5.get('F'), 'p99')) },
      },
    }),
  );

  // Fault modes at 50 % load (no targets; the gateway must degrade like the floor does).
  const faults: { name: string; latency: LatencyProfiles; down?: boolean }[] = [
    {
      name: '5 % timeouts',
      latency: Object.fromEntries(Object.entries(FIXED).map(([k, v]) => [k, { ...v, timeoutRate: 0.05 }])),
    },
    { name: 'hrss 10× slower', latency: { ...FIXED, hrss: { model: { kind: 'fixed', ms: 500 } } } },
    { name: 'disability down', latency: FIXED, down: true },
  ];
  for (const fault of faults) {
    await systems.sandboxes.setLatency(fault.latency);
    await systems.sandboxes.setFaults(fault.down ? [{ source: 'disability', mode: 'error' }] : []);
    settings.log(`fault mode: ${fault.name} at ${rate5.toFixed(0)}/s`);
    const level = await runLevel(options, rate5, ['B0', 'F'], Math.max(1, options.ladderReps), fault.name);
    for (const q of ['p50', 'p99'] as const) {
      records.push(
        metric({
          id: 'fault',
          name: `${fault.name}: latency F÷B0 ${q}`,
          unit: 'ms',
          ...pairedRatio(p(level.get('B0'), q), p(level.get('F'), q)),
          validity: validity(level, ['B0', 'F'], Math.max(1, options.ladderReps)),
        }),
      );
    }
  }
  await systems.sandboxes.setFaults([]);
  await systems.sandboxes.setLatency(FIXED);

  const levelsOut: Record<string, Record<string, Rep[]>> = {};
  for (const [share, level] of levels) levelsOut[`${share * 100}%`] = Object.fromEntries(level);
  levelsOut.M5 = Object.fromEntries(m5);
  return { records, levels: levelsOut };
}
