import { describe, expect, it } from 'vitest';
import { createTokenBucket } from '../../../src/core/registry-quota.ts';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('createTokenBucket', () => {
  it('starts full and refills at the rate, never beyond the burst', () => {
    const c = clock();
    const bucket = createTokenBucket({ ratePerSecond: 10, burst: 3, now: c.now });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.msUntilToken()).toBeCloseTo(100);
    c.advance(99);
    expect(bucket.tryTake()).toBe(false);
    c.advance(1);
    expect(bucket.tryTake()).toBe(true);
    c.advance(10_000);
    expect(bucket.tokens).toBe(3);
  });

  it('grants rate × time (+ the burst) over a long run', () => {
    const c = clock();
    const bucket = createTokenBucket({ ratePerSecond: 50, burst: 1, now: c.now });
    let granted = 0;
    for (let ms = 0; ms < 10_000; ms++) {
      c.advance(1);
      while (bucket.tryTake()) granted += 1;
    }
    expect(granted).toBeGreaterThanOrEqual(500);
    expect(granted).toBeLessThanOrEqual(501);
  });

  it('defaults the burst to 50 ms of tokens, at least one', () => {
    const c = clock();
    expect(createTokenBucket({ ratePerSecond: 200, now: c.now }).tokens).toBe(10);
    expect(createTokenBucket({ ratePerSecond: 2, now: c.now }).tokens).toBe(1);
  });

  it('refuses a non-positive rate or a burst below one', () => {
    const c = clock();
    expect(() => createTokenBucket({ ratePerSecond: 0, now: c.now })).toThrow(TypeError);
    expect(() => createTokenBucket({ ratePerSecond: 5, burst: 0.5, now: c.now })).toThrow(TypeError);
  });

  it('does not refill when the clock goes backwards', () => {
    let t = 1000;
    const bucket = createTokenBucket({ ratePerSecond: 10, burst: 1, now: () => t });
    expect(bucket.tryTake()).toBe(true);
    t = 0;
    expect(bucket.tryTake()).toBe(false);
  });
});
