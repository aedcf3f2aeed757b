import { describe, expect, it } from 'vitest';
import { anchorLag } from '../../../bench/lib/anchor-lag.ts';

describe('anchorLag', () => {
  const anchors = [
    { size: 10, anchoredAt: 2_000 },
    { size: 3, anchoredAt: 1_300 },
    { size: 12, anchoredAt: 2_600 },
  ];

  it('maps each decision to the first anchor whose size exceeds its leaf index', () => {
    const lag = anchorLag(
      [
        { committedAt: 1_000, leafIndex: 2 }, // size 3
        { committedAt: 1_100, leafIndex: 3 }, // size 10: an anchor of size 3 covers leaves 0..2
        { committedAt: 1_900, leafIndex: 9 }, // size 10
        { committedAt: 2_100, leafIndex: 10 }, // size 12
      ],
      anchors,
    );
    expect(lag.lagsMs).toEqual([300, 900, 100, 500]);
    expect(lag.transactions).toEqual([3, 10, 12]);
    expect(lag.unanchored).toBe(0);
    expect(lag.decisions).toBe(4);
    expect(lag.p50Ms).toBe(300);
    expect(lag.p95Ms).toBe(900);
    expect(lag.maxMs).toBe(900);
  });

  it('counts decisions beyond the newest anchor as unanchored, not as lag', () => {
    const lag = anchorLag(
      [
        { committedAt: 2_000, leafIndex: 11 },
        { committedAt: 2_500, leafIndex: 12 },
      ],
      anchors,
    );
    expect(lag.lagsMs).toEqual([600]);
    expect(lag.unanchored).toBe(1);
    expect(lag.transactions).toEqual([12]);
  });

  it('agrees with a naive scan on random logs', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const sizes = [...new Set(Array.from({ length: 40 }, () => 1 + Math.floor(random() * 500)))];
    const points = sizes.map((size) => ({ size, anchoredAt: size * 10 }));
    const decisions = Array.from({ length: 300 }, () => {
      const leafIndex = Math.floor(random() * 520);
      return { committedAt: leafIndex * 10 - 5, leafIndex };
    });
    const naive = decisions.flatMap((d) => {
      const covering = points.filter((p) => p.size > d.leafIndex).sort((a, b) => a.size - b.size)[0];
      return covering ? [covering.anchoredAt - d.committedAt] : [];
    });
    expect(anchorLag(decisions, points).lagsMs).toEqual(naive);
  });
});
