/**
 * The harness's arithmetic, pure so it is unit-tested: percentiles, the per-repetition
 * ratios of an interleaved A B A B … run, and their spread.
 */

/**
 * The q-quantile (0..1) by the nearest-rank method on a sorted copy: the smallest value
 * with at least q of the samples at or below it. NaN for no samples.
 * @example percentile([5, 1, 3, 2, 4], 0.5) // 3
 */
export function percentile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError('q must be in 0..1');
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return percentileOfSorted(sorted, q);
}

/** Same as {@link percentile}, on values already sorted ascending. */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** @example summarize([1, 2, 3]).p50 // 2 */
export function summarize(values: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const sum = values.reduce((s, v) => s + v, 0);
  return {
    count: values.length,
    p50: percentileOfSorted(sorted, 0.5),
    p90: percentileOfSorted(sorted, 0.9),
    p99: percentileOfSorted(sorted, 0.99),
    max: sorted.length ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
    mean: values.length ? sum / values.length : Number.NaN,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** A metric from paired repetitions: the median of per-pair ratios, and how much they vary. */
export interface RatioEstimate {
  /** Median of the baseline's per-repetition values. */
  readonly baseline: number;
  /** Median of the system's per-repetition values. */
  readonly value: number;
  /** Median of the per-pair ratios value_i ÷ baseline_i. */
  readonly ratio: number;
  /** Smallest and largest per-pair ratio. */
  readonly min: number;
  readonly max: number;
  /** (max − min) ÷ ratio: 0.1 means the repetitions agree within 10 %. */
  readonly spread: number;
  /** Pairs used (pairs with a missing or non-finite side are dropped). */
  readonly pairs: number;
}

/**
 * Pairs the i-th baseline repetition with the i-th repetition of the system measured
 * right after it (interleaved A B A B …), so slow drifts of the machine cancel out.
 * @example pairedRatio([10, 11], [12, 12.1]).ratio // 1.15
 */
export function pairedRatio(baseline: readonly number[], value: readonly number[]): RatioEstimate {
  const pairs: [number, number][] = [];
  for (let i = 0; i < Math.min(baseline.length, value.length); i++) {
    const b = baseline[i];
    const v = value[i];
    if (b !== undefined && v !== undefined && Number.isFinite(b) && Number.isFinite(v) && b > 0)
      pairs.push([b, v]);
  }
  const ratios = pairs.map(([b, v]) => v / b);
  const ratio = median(ratios);
  const min = ratios.length ? Math.min(...ratios) : Number.NaN;
  const max = ratios.length ? Math.max(...ratios) : Number.NaN;
  return {
    baseline: median(pairs.map(([b]) => b)),
    value: median(pairs.map(([, v]) => v)),
    ratio,
    min,
    max,
    spread: ratio > 0 ? (max - min) / ratio : Number.NaN,
    pairs: pairs.length,
  };
}

/**
 * Tail amplification: how much more a system stretches its own tail than the baseline
 * does, (value p99 ÷ value p50) ÷ (baseline p99 ÷ baseline p50), per pair.
 * @example tailAmplification([{ p50: 10, p99: 30 }], [{ p50: 12, p99: 36 }]).ratio // 1
 */
export function tailAmplification(
  baseline: readonly { p50: number; p99: number }[],
  value: readonly { p50: number; p99: number }[],
): RatioEstimate {
  return pairedRatio(
    baseline.map((s) => s.p99 / s.p50),
    value.map((s) => s.p99 / s.p50),
  );
}
