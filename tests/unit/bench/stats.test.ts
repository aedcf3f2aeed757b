import { describe, expect, it } from 'vitest';
import { median, pairedRatio, percentile, summarize, tailAmplification } from '../../../bench/lib/stats.ts';

describe('percentile (nearest rank)', () => {
  it('picks the smallest value with at least q of the samples at or below it', () => {
    const values = [5, 1, 3, 2, 4];
    expect(percentile(values, 0.5)).toBe(3);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 1)).toBe(5);
    expect(percentile(values, 0.2)).toBe(1);
    expect(percentile(values, 0.21)).toBe(2);
  });

  it('is the 99th of 100 values at p99 and the maximum below 100 samples', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 0.99)).toBe(99);
    expect(percentile(hundred.slice(0, 50), 0.99)).toBe(50);
  });

  it('does not sort its input in place and is NaN on no samples', () => {
    const values = [3, 1, 2];
    percentile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
    expect(percentile([], 0.5)).toBeNaN();
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
  });

  it('agrees with a naive sort-and-index reference', () => {
    const values = Array.from({ length: 997 }, (_, i) => (i * 7919) % 1009);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.01, 0.25, 0.5, 0.9, 0.99, 0.999]) {
      expect(percentile(values, q)).toBe(sorted[Math.ceil(q * sorted.length) - 1]);
    }
  });
});

describe('summarize and median', () => {
  it('summarises latencies', () => {
    const s = summarize([10, 20, 30, 40]);
    expect(s).toEqual({ count: 4, p50: 20, p90: 40, p99: 40, max: 40, mean: 25 });
  });

  it('takes the middle, or the mean of the two middles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('pairedRatio', () => {
  it('is the median of per-pair ratios, with their range as spread', () => {
    const r = pairedRatio([10, 10, 20], [11, 12, 21]);
    expect(r.ratio).toBeCloseTo(1.1);
    expect(r.min).toBeCloseTo(1.05);
    expect(r.max).toBeCloseTo(1.2);
    expect(r.spread).toBeCloseTo((1.2 - 1.05) / 1.1);
    expect(r.baseline).toBe(10);
    expect(r.value).toBe(12);
    expect(r.pairs).toBe(3);
  });

  it('pairs by position, so a drift common to both sides cancels', () => {
    // The machine slows down 2× between repetitions; the ratio stays 1.5.
    const r = pairedRatio([10, 20, 40], [15, 30, 60]);
    expect(r.ratio).toBe(1.5);
    expect(r.spread).toBe(0);
  });

  it('drops pairs with a missing, non-finite or zero baseline side', () => {
    const r = pairedRatio([10, Number.NaN, 0, 10], [20, 5, 5]);
    expect(r.pairs).toBe(1);
    expect(r.ratio).toBe(2);
  });
});

describe('tailAmplification', () => {
  it('is 1 when the system stretches its tail exactly as much as the baseline', () => {
    expect(tailAmplification([{ p50: 10, p99: 30 }], [{ p50: 12, p99: 36 }]).ratio).toBeCloseTo(1);
  });

  it('is above 1 when the system lengthens its tail relative to its median', () => {
    expect(tailAmplification([{ p50: 10, p99: 30 }], [{ p50: 10, p99: 60 }]).ratio).toBeCloseTo(2);
  });
});
