/** The gateway limits V8's heap growth itself, unless the operator gave node the flag. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_HEAP_GROWING_PERCENT, limitHeapGrowth } from '../../../src/adapters/node/v8-heap.ts';

function run(percent: number, given: string[]) {
  const set: string[] = [];
  const inForce = limitHeapGrowth(percent, given, (flags) => set.push(flags));
  return { inForce, set };
}

describe('limitHeapGrowth', () => {
  it('sets the growth when node was started without it', () => {
    expect(run(DEFAULT_HEAP_GROWING_PERCENT, ['--enable-source-maps'])).toEqual({
      inForce: DEFAULT_HEAP_GROWING_PERCENT,
      set: [`--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`],
    });
    expect(run(25, [])).toEqual({ inForce: 25, set: ['--heap-growing-percent=25'] });
  });

  it("keeps the operator's flag, on the command line or in NODE_OPTIONS", () => {
    expect(run(40, ['--heap-growing-percent=75'])).toEqual({ inForce: 75, set: [] });
    expect(run(40, ['', '--heap_growing_percent=20'])).toEqual({ inForce: 20, set: [] });
  });

  it("leaves V8's own heuristics at 0", () => {
    expect(run(0, [])).toEqual({ inForce: undefined, set: [] });
  });

  it('refuses a growth that is not a whole percentage', () => {
    expect(() => run(-5, [])).toThrow(/whole percentage from 0 to 400, not -5/);
    expect(() => run(12.5, [])).toThrow(RangeError);
  });
});
