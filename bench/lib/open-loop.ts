/**
 * An open-loop load generator: requests are sent at fixed intended times whatever the
 * system answers, and latency is counted from the intended time, so a stalled server
 * cannot hide its stall by slowing the generator (coordinated omission). The generator's
 * own lateness (scheduling lag) is recorded for every request; a repetition in which it
 * fell behind is discarded rather than reported.
 */

/** Intended send times, in ms from the start: request i at i ÷ rate. */
export function intendedTimes(ratePerSecond: number, durationMs: number): Float64Array {
  if (!(ratePerSecond > 0) || !(durationMs > 0)) throw new RangeError('rate and duration must be > 0');
  const count = Math.floor((ratePerSecond * durationMs) / 1000);
  const interval = 1000 / ratePerSecond;
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) times[i] = i * interval;
  return times;
}

export interface LagLimits {
  /** The 99th percentile of send lag must stay at or below this (ms). Default 5. */
  readonly p99Ms?: number;
  /** No send may be later than this (ms). Default 50. */
  readonly maxMs?: number;
}

export interface LagReport {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** True when the generator could not keep its own schedule: discard the repetition. */
  readonly fellBehind: boolean;
}

/**
 * Lag of each send (actual − intended, ms) against the limits.
 * @example assessLag([0.2, 0.4, 7]).fellBehind // true (p99 of 3 samples is the max)
 */
export function assessLag(lagsMs: ArrayLike<number>, limits: LagLimits = {}): LagReport {
  const sorted = Float64Array.from(lagsMs).sort();
  const at = (q: number) =>
    sorted.length === 0 ? 0 : (sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] ?? 0);
  const p99Ms = at(0.99);
  const maxMs = sorted.length ? (sorted[sorted.length - 1] ?? 0) : 0;
  return {
    p50Ms: at(0.5),
    p99Ms,
    maxMs,
    fellBehind: p99Ms > (limits.p99Ms ?? 5) || maxMs > (limits.maxMs ?? 50),
  };
}

/** What one request came to. */
export interface Sample {
  /** ms from the start of the repetition. */
  readonly intended: number;
  readonly lag: number;
  /** From the intended time to the answer (or to the give-up time). */
  readonly latency: number;
  readonly ok: boolean;
}

export interface OpenLoopResult {
  readonly rate: number;
  readonly durationMs: number;
  readonly samples: readonly Sample[];
  /** Requests not answered by the end of the drain window (counted as failed). */
  readonly unanswered: number;
  readonly lag: LagReport;
  /** Achieved answers per second over the repetition (answers ÷ wall time incl. drain). */
  readonly answeredPerSecond: number;
}

export interface OpenLoopOptions {
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** Sends request `i`; resolves true for a good answer. MUST not reject. */
  readonly send: (i: number) => Promise<boolean>;
  /**
   * Load sent first at the same rate and left out of every statistic: it reopens the
   * keep-alive connections the servers closed since the last repetition. Default 0.
   */
  readonly warmupMs?: number;
  /** After the last send, how long to wait for answers. Default 10 s. */
  readonly drainMs?: number;
  readonly lagLimits?: LagLimits;
  readonly now?: () => number;
}

/**
 * Runs one repetition.
 * @example const r = await runOpenLoop({ ratePerSecond: 100, durationMs: 5000, send });
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const now = options.now ?? (() => performance.now());
  const warmupMs = options.warmupMs ?? 0;
  const times = intendedTimes(options.ratePerSecond, options.durationMs + warmupMs);
  const lags = new Float64Array(times.length);
  const latencies = new Float64Array(times.length).fill(Number.NaN);
  const oks = new Uint8Array(times.length);
  let answered = 0;
  let allAnswered: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allAnswered = resolve;
  });
  const start = now() + 5;
  let next = 0;

  await new Promise<void>((finished) => {
    const tick = () => {
      const t = now() - start;
      while (next < times.length && (times[next] ?? 0) <= t) {
        const i = next++;
        const intended = times[i] ?? 0;
        lags[i] = t - intended;
        options.send(i).then((ok) => {
          latencies[i] = now() - start - intended;
          oks[i] = ok ? 1 : 0;
          answered += 1;
          if (answered === times.length) allAnswered();
        });
      }
      if (next >= times.length) return finished();
      // setTimeout wakes ≥ 1 ms late; aim a little early and send what is due.
      setTimeout(tick, Math.max(0, (times[next] ?? 0) - (now() - start) - 1));
    };
    setTimeout(tick, 0);
  });
  if (times.length === 0) allAnswered();
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    done,
    new Promise<void>((resolve) => {
      drainTimer = setTimeout(resolve, options.drainMs ?? 10_000);
    }),
  ]);
  clearTimeout(drainTimer);
  const end = now() - start;
  const samples: Sample[] = [];
  const measuredLags: number[] = [];
  let unanswered = 0;
  for (let i = 0; i < times.length; i++) {
    const intended = times[i] ?? 0;
    if (intended < warmupMs) continue;
    measuredLags.push(lags[i] ?? 0);
    const latency = latencies[i] ?? Number.NaN;
    if (Number.isNaN(latency)) unanswered += 1;
    samples.push({
      intended,
      lag: lags[i] ?? 0,
      latency: Number.isNaN(latency) ? end - intended : latency,
      ok: oks[i] === 1,
    });
  }
  return {
    rate: options.ratePerSecond,
    durationMs: options.durationMs,
    samples,
    unanswered,
    lag: assessLag(measuredLags, options.lagLimits),
    answeredPerSecond: (answered * 1000) / Math.max(end, 1),
  };
}
