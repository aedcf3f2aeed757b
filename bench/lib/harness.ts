/**
 * One repetition of one system at one rate, with its validity checks: the generator kept
 * its schedule, the gateway core was idle before it started, the generator's core was
 * not saturated, and answers were good.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type OpenLoopResult, runOpenLoop } from './open-loop.ts';
import { cpuSeconds, realtime, residentMemory } from './processes.ts';
import { summarize } from './stats.ts';

export type SystemName = 'B0' | 'B1' | 'B2' | 'B2f' | 'F';

export interface SystemUnderTest {
  readonly name: SystemName;
  readonly send: (i: number) => Promise<boolean>;
  /** The server process (none for B0: the generator is the system). */
  readonly pid?: number;
}

export interface HarnessSettings {
  readonly repMs: number;
  /** Unmeasured load at the start of each repetition (reopens keep-alive connections). */
  readonly warmupMs: number;
  /** Other processes on the generator's core (the sandboxes). */
  readonly generatorCorePids: readonly number[];
  readonly log: (line: string) => void;
}

export interface Rep {
  readonly system: SystemName;
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly count: number;
  readonly failed: number;
  readonly unanswered: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  /** Server CPU ms per answered request (null for B0). */
  readonly cpuMsPerRequest: number | null;
  readonly rssBytes: number | null;
  /** Share of the generator's core busy during the repetition (generator + sandboxes). */
  readonly generatorCoreBusy: number;
  readonly valid: boolean;
  readonly notes: readonly string[];
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let keySerial = 0;
/** A run-unique serial for idempotency keys. */
export const nextSerial = (): number => ++keySerial;

/** Waits until `pid` uses under 5 % of a core over 250 ms (its backlog drained), at most 30 s. */
export async function settle(pid: number | undefined): Promise<boolean> {
  if (pid === undefined) return true;
  for (let i = 0; i < 120; i++) {
    const before = cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, 250));
    if (cpuSeconds(pid) - before < 0.0125) return true;
  }
  return false;
}

export async function measureRep(
  system: SystemUnderTest,
  rate: number,
  settings: HarnessSettings,
  retryOnLag = true,
): Promise<Rep> {
  const idle = await settle(system.pid);
  gc(); // a full collection now rather than a pause in the middle of the repetition
  const fifo = realtime(true);
  const cpu0 = system.pid === undefined ? 0 : cpuSeconds(system.pid);
  const gen0 = process.cpuUsage();
  const side0 = settings.generatorCorePids.reduce((s, pid) => s + cpuSeconds(pid), 0);
  const wall0 = performance.now();
  let peakRss = 0;
  const sampler = setInterval(() => {
    if (system.pid !== undefined) peakRss = Math.max(peakRss, residentMemory(system.pid).rss);
  }, 250);
  const offset = nextSerial() * 1_000_000;
  const result: OpenLoopResult = await runOpenLoop({
    ratePerSecond: rate,
    durationMs: settings.repMs,
    send: (i) => system.send(offset + i),
    warmupMs: settings.warmupMs,
  });
  if (fifo) realtime(false);
  clearInterval(sampler);
  const wall = (performance.now() - wall0) / 1000;
  const gen = process.cpuUsage(gen0);
  const side = settings.generatorCorePids.reduce((s, pid) => s + cpuSeconds(pid), 0) - side0;
  const generatorCoreBusy = ((gen.user + gen.system) / 1e6 + side) / wall;
  const answered = result.samples.length - result.unanswered;
  const cpuMsPerRequest =
    system.pid === undefined || answered === 0 ? null : ((cpuSeconds(system.pid) - cpu0) * 1000) / answered;
  const latency = summarize(result.samples.map((s) => s.latency));
  const failed = result.samples.filter((s) => !s.ok).length;
  const notes: string[] = [];
  if (!idle) notes.push('gateway core not idle before the repetition');
  if (!fifo) notes.push('generator not real-time (chrt refused)');
  if (result.lag.fellBehind)
    notes.push(
      `generator fell behind (lag p99 ${result.lag.p99Ms.toFixed(1)} ms, max ${result.lag.maxMs.toFixed(0)} ms)`,
    );
  if (generatorCoreBusy > 0.9) notes.push(`generator core ${(generatorCoreBusy * 100).toFixed(0)} % busy`);
  if (failed > result.samples.length * 0.01)
    notes.push(`${failed} of ${result.samples.length} requests failed`);
  const valid = !result.lag.fellBehind && idle;
  if (!valid && retryOnLag && result.lag.fellBehind) {
    settings.log(`    ${system.name} @ ${rate.toFixed(0)}/s discarded (${notes.join('; ')}), repeating`);
    return measureRep(system, rate, settings, false);
  }
  return {
    system: system.name,
    rate,
    p50: latency.p50,
    p99: latency.p99,
    count: result.samples.length,
    failed,
    unanswered: result.unanswered,
    lagP99Ms: result.lag.p99Ms,
    lagMaxMs: result.lag.maxMs,
    cpuMsPerRequest,
    rssBytes: peakRss || null,
    generatorCoreBusy,
    valid,
    notes,
  };
}

export function describeRep(r: Rep): string {
  return `${r.system.padEnd(2)} @ ${r.rate.toFixed(0).padStart(4)}/s  p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99
    .toFixed(1)
    .padStart(
      7,
    )} ms  n ${r.count}${r.cpuMsPerRequest === null ? '' : `  cpu ${r.cpuMsPerRequest.toFixed(2)} ms/req`}  lag p99 ${r.lagP99Ms.toFixed(1)} ms${r.notes.length ? `  [${r.notes.join('; ')}]` : ''}`;
}
