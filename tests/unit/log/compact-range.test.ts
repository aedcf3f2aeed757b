import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendLeaf,
  compactRangeNodes,
  EMPTY_COMPACT_RANGE,
  emptyRoot,
  inclusionProof,
  leafHash,
  planConsistency,
  planInclusion,
  planNodes,
  readCompactRange,
  rootFromCompactRange,
} from '../../../src/core/log/index.ts';
import { buildMemoryLog, hex } from './memory-log.ts';
import { ReferenceTree } from './reference-tree.ts';

const log = buildMemoryLog(1100);
const ref = new ReferenceTree(log.leafHashes);

describe('appendLeaf', () => {
  it('leaf by leaf gives the naive roots up to 1100 leaves', () => {
    const bad = log.ranges
      .filter((r) => hex(rootFromCompactRange(r)) !== hex(ref.root(r.size)))
      .map((r) => r.size);
    expect(bad).toEqual([]);
  });

  it('completes the leaf and one node per trailing 1 bit of the old size', () => {
    let range = EMPTY_COMPACT_RANGE;
    for (let size = 0; size < 70; size++) {
      const { range: next, completed } = appendLeaf(range, leafHash(new Uint8Array([size])));
      let trailing = 0;
      for (let v = size; v % 2 === 1; v = Math.floor(v / 2)) trailing++;
      expect(completed.map((n) => n.level)).toEqual(Array.from({ length: trailing + 1 }, (_, i) => i));
      expect(completed[0]).toMatchObject({ level: 0, index: size });
      const top = completed.at(-1);
      // The topmost new node ends exactly at the new leaf.
      expect(top && (top.index + 1) * 2 ** top.level).toBe(size + 1);
      range = next;
    }
  });

  it('start-up reads popcount(size) nodes and continues with identical roots', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 99 }), (size, more) => {
        const before = log.reads;
        let range = readCompactRange(size, log.getNode);
        expect(log.reads - before).toBe(compactRangeNodes(size).length);
        expect(range.hashes.map(hex)).toEqual((log.ranges[size]?.hashes ?? []).map(hex));
        for (let i = size; i < size + more; i++)
          range = appendLeaf(range, log.leafHashes[i] as Uint8Array).range;
        expect(hex(rootFromCompactRange(range))).toBe(hex(ref.root(size + more)));
      }),
      { numRuns: 200 },
    );
  });

  it('the empty range has the empty root', () => {
    expect(hex(rootFromCompactRange(EMPTY_COMPACT_RANGE))).toBe(hex(emptyRoot()));
  });

  it('refuses a range whose hash count does not match its size, and a short leaf hash', () => {
    expect(() => rootFromCompactRange({ size: 3, hashes: [new Uint8Array(32)] })).toThrow(RangeError);
    expect(() => appendLeaf({ size: 1, hashes: [] }, new Uint8Array(32))).toThrow(RangeError);
    expect(() => appendLeaf(EMPTY_COMPACT_RANGE, new Uint8Array(31))).toThrow(RangeError);
  });
});

describe('proof plans', () => {
  it('read only persisted perfect nodes, at most 2·log2(n) of them', () => {
    for (const [m, n] of [
      [0, 1],
      [2, 5],
      [6, 7],
      [1000, 1099],
      [511, 1024],
    ] as const) {
      const nodes = planNodes(planInclusion(m, n));
      for (const { level, index } of nodes) expect(log.nodes.has(`${level}/${index}`)).toBe(true);
      expect(nodes.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n + 1)));
    }
    for (const { level, index } of planNodes(planConsistency(513, 1099))) {
      expect(log.nodes.has(`${level}/${index}`)).toBe(true);
    }
  });

  it('mark the ephemeral right edge as a group to fold', () => {
    // Leaf 2 of 5: sibling leaf 3, then node (1,0), then the lone leaf 4.
    expect(planInclusion(2, 5)).toEqual([
      [{ level: 0, index: 3 }],
      [{ level: 1, index: 0 }],
      [{ level: 0, index: 4 }],
    ]);
    // Leaf 0 of 7: the right half [4, 7) is ephemeral: nodes (1,2) and (0,6) folded.
    expect(planInclusion(0, 7).at(-1)).toEqual([
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
  });

  it('throws when storage lacks a node instead of inventing one', () => {
    expect(() => inclusionProof(0, 2000, log.getNode)).toThrow(/never persisted/);
  });
});
