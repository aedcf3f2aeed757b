import { describe, expect, it } from 'vitest';
import { assessLag, intendedTimes, runOpenLoop } from '../../../bench/lib/open-loop.ts';

describe('intendedTimes', () => {
  it('schedules request i at i ÷ rate', () => {
    expect([...intendedTimes(4, 1000)]).toEqual([0, 250, 500, 750]);
    expect(intendedTimes(100, 2500)).toHaveLength(250);
  });

  it('refuses a zero rate or duration', () => {
    expect(() => intendedTimes(0, 1000)).toThrow(RangeError);
    expect(() => intendedTimes(10, 0)).toThrow(RangeError);
  });
});

describe('assessLag', () => {
  it('keeps a repetition whose sends were on time', () => {
    const lags = Array.from({ length: 1000 }, (_, i) => (i % 10) / 10);
    const report = assessLag(lags);
    expect(report.fellBehind).toBe(false);
    expect(report.p99Ms).toBeCloseTo(0.9);
    expect(report.maxMs).toBeCloseTo(0.9);
  });

  it('discards a repetition whose p99 lag exceeds the limit', () => {
    const lags = Array.from({ length: 100 }, (_, i) => (i < 95 ? 0.5 : 8));
    expect(assessLag(lags).fellBehind).toBe(true);
    expect(assessLag(lags, { p99Ms: 10 }).fellBehind).toBe(false);
  });

  it('discards a repetition with one very late send even when p99 is fine', () => {
    const lags = Array.from({ length: 1000 }, (_, i) => (i === 500 ? 80 : 0.3));
    const report = assessLag(lags);
    expect(report.p99Ms).toBeCloseTo(0.3);
    expect(report.fellBehind).toBe(true);
  });

  it('treats no sends as no lag', () => {
    expect(assessLag([])).toEqual({ p50Ms: 0, p99Ms: 0, maxMs: 0, fellBehind: false });
  });
});

describe('runOpenLoop', () => {
  it('sends at the scheduled rate whatever the answers take, and logs its own lag', async () => {
    const sent: number[] = [];
    const started = performance.now();
    const result = await runOpenLoop({
      ratePerSecond: 200,
      durationMs: 250,
      send: async (i) => {
        sent.push(i);
        // A slow server does not slow the generator down (open loop).
        await new Promise((r) => setTimeout(r, 50));
        return true;
      },
    });
    expect(sent).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(result.samples).toHaveLength(50);
    expect(result.unanswered).toBe(0);
    // Every send happened within the run, not after the previous answer: 50 × 50 ms would be 2.5 s.
    expect(performance.now() - started).toBeLessThan(1500);
    for (const s of result.samples) {
      expect(s.lag).toBeGreaterThanOrEqual(0);
      expect(s.latency).toBeGreaterThanOrEqual(49);
    }
  });

  it('measures latency from the intended time, so a stall is not hidden (coordinated omission)', async () => {
    let release: () => void = () => {};
    const stalled = new Promise<void>((r) => {
      release = r;
    });
    setTimeout(() => release(), 200);
    const result = await runOpenLoop({
      ratePerSecond: 100,
      durationMs: 100,
      send: async () => {
        await stalled;
        return true;
      },
    });
    // The first request was meant at 0 and answered at ~200 ms; the last meant at 90 ms.
    const first = result.samples[0];
    const last = result.samples[result.samples.length - 1];
    expect(first?.latency).toBeGreaterThanOrEqual(190);
    expect(last?.latency).toBeGreaterThanOrEqual(100);
    expect((first?.latency ?? 0) - (last?.latency ?? 0)).toBeGreaterThan(60);
  });

  it('excludes the warm-up from samples and lag, and counts answers never received', async () => {
    const result = await runOpenLoop({
      ratePerSecond: 100,
      durationMs: 100,
      warmupMs: 50,
      drainMs: 50,
      send: (i) => (i % 2 === 0 ? Promise.resolve(false) : new Promise<boolean>(() => {})),
    });
    expect(result.samples).toHaveLength(10);
    expect(result.samples[0]?.intended).toBe(50);
    expect(result.unanswered).toBe(5);
    expect(result.samples.filter((s) => s.ok)).toHaveLength(0);
  });
});
