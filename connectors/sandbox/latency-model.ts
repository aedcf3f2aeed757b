/**
 * Optional latency models for the sandbox registries, for benchmarks: a fixed delay, or a
 * lognormal one with a heavy tail, plus a share of lookups that are never answered (a
 * registry timing out). Without a profile a sandbox answers at once, as it always did.
 */
import type { Source } from '../../schemas/common.ts';

/** How long a registry takes to answer a lookup. */
export type LatencyModel =
  | { readonly kind: 'fixed'; readonly ms: number }
  /**
   * `medianMs · e^(sigma·Z)`, Z standard normal: sigma 0.5 is a mild tail, 1 a heavy one
   * (p99 ≈ 10× the median). Capped at `maxMs` (default 30 s) so a draw cannot hang a run.
   */
  | {
      readonly kind: 'lognormal';
      readonly medianMs: number;
      readonly sigma: number;
      readonly maxMs?: number;
    };

/** One sandbox's latency behaviour. */
export interface LatencyProfile {
  readonly model: LatencyModel;
  /** Share of lookups (0..1) never answered, as the `timeout` fault does. Default 0. */
  readonly timeoutRate?: number;
}

/** A profile per source; a source without one answers at once. */
export type LatencyProfiles = Readonly<Partial<Record<Source, LatencyProfile>>>;

/** Checks a profile eagerly, so a typo fails at start-up rather than mid-benchmark. */
export function checkLatencyProfile(profile: LatencyProfile): LatencyProfile {
  const { model } = profile;
  const nonNegative = (v: number) => Number.isFinite(v) && v >= 0;
  if (model.kind === 'fixed' && !nonNegative(model.ms)) throw new TypeError('latency: fixed ms must be ≥ 0');
  if (model.kind === 'lognormal') {
    if (!nonNegative(model.medianMs) || !nonNegative(model.sigma))
      throw new TypeError('latency: lognormal medianMs and sigma must be ≥ 0');
    if (model.maxMs !== undefined && !nonNegative(model.maxMs))
      throw new TypeError('latency: lognormal maxMs must be ≥ 0');
  }
  const rate = profile.timeoutRate ?? 0;
  if (!Number.isFinite(rate) || rate < 0 || rate > 1)
    throw new TypeError('latency: timeoutRate must be in 0..1');
  return profile;
}

/**
 * One delay drawn from the model, in whole milliseconds.
 * @example sampleLatency({ kind: 'lognormal', medianMs: 30, sigma: 1 }, Math.random) // e.g. 22
 */
export function sampleLatency(model: LatencyModel, random: () => number): number {
  if (model.kind === 'fixed') return Math.round(model.ms);
  // Box–Muller; 1 - u keeps the logarithm's argument in (0, 1].
  const u = 1 - random();
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.round(Math.min(model.maxMs ?? 30_000, model.medianMs * Math.exp(model.sigma * z)));
}
