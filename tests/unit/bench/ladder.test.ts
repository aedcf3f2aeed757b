import { describe, expect, it } from 'vitest';
import { climbLadder } from '../../../bench/lib/ladder.ts';

const rung = (rate: number, floor: number, b2: number, f: number, floorValid = true) => ({
  rate,
  floor: [{ p99: floor, valid: floorValid }],
  systems: { B2: [{ p99: b2 }], F: [{ p99: f }] },
});

describe('climbLadder', () => {
  it('keeps the highest rate before a system first exceeds 2 × the floor’s p99', () => {
    const outcome = climbLadder(
      [rung(100, 60, 70, 80), rung(200, 60, 80, 130), rung(300, 60, 200, 90)],
      ['B2', 'F'],
    );
    expect(outcome.kept).toEqual({ B2: 200, F: 100 });
    // F is not re-admitted at 300 after failing at 200.
    expect(outcome.failed).toEqual(['F', 'B2']);
    expect(outcome.censored).toEqual([]);
  });

  it('stops at a rung whose floor is invalid, leaving survivors censored', () => {
    const outcome = climbLadder([rung(100, 60, 70, 200), rung(200, 900, 300, 300, false)], ['B2', 'F']);
    expect(outcome.kept).toEqual({ B2: 100, F: 0 });
    expect(outcome.stopped).toBe(true);
    expect(outcome.censored).toEqual(['B2']);
  });

  it('sorts rungs by rate', () => {
    expect(climbLadder([rung(200, 60, 130, 60), rung(100, 60, 60, 60)], ['B2', 'F']).kept).toEqual({
      B2: 100,
      F: 200,
    });
  });
});
