/**
 * Bit-flip mutations (the habit of transparency-dev/merkle's probes, here as
 * fast-check properties): a flipped bit in a proof hash, a root, the leaf hash or the
 * index is always rejected. A flipped size is rejected unless the mutated size has
 * exactly the same proof shape — a root does not commit to its size, which is why a
 * checkpoint signs both — and the naive definition-based verifier decides that case.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  inclusionProof,
  LogProofError,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/core/log/index.ts';
import { buildMemoryLog } from './memory-log.ts';
import { naiveVerifyConsistency, naiveVerifyInclusion, ReferenceTree } from './reference-tree.ts';

const MAX = 130;
const log = buildMemoryLog(MAX);
const ref = new ReferenceTree(log.leafHashes);

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  const at = Math.floor(bit / 8) % out.length;
  out[at] = (out[at] ?? 0) ^ (1 << (bit % 8));
  return out;
}
/** Flips a bit of a count; bits up to 52 keep it a safe integer. */
function flipCount(value: number, bit: number): number {
  const p = 2 ** bit;
  return Math.floor(value / p) % 2 === 1 ? value - p : value + p;
}
function accepts(run: () => void): boolean {
  try {
    run();
    return true;
  } catch (err) {
    if (!(err instanceof LogProofError)) throw err;
    return false;
  }
}

const inclusionCase = fc
  .integer({ min: 1, max: MAX })
  .chain((size) => fc.record({ size: fc.constant(size), index: fc.integer({ min: 0, max: size - 1 }) }));
const consistencyCase = fc
  .integer({ min: 1, max: MAX })
  .chain((size2) => fc.record({ size2: fc.constant(size2), size1: fc.integer({ min: 1, max: size2 }) }));

describe('the naive verifier agrees with the verifier on honest proofs', () => {
  it('for every index and pair up to 64 leaves', () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 0; m < n; m++) {
        expect(naiveVerifyInclusion(log.leafHashes[m] as Uint8Array, m, n, ref.path(m, n), ref.root(n))).toBe(
          true,
        );
        expect(naiveVerifyConsistency(m + 1, n, ref.proof(m + 1, n), ref.root(m + 1), ref.root(n))).toBe(
          true,
        );
      }
    }
  });
});

describe('inclusion proof mutations', () => {
  it('rejects every single-bit flip of a proof hash, the root or the leaf hash', () => {
    fc.assert(
      fc.property(
        inclusionCase,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('proof', 'root', 'leaf'),
        ({ size, index }, which, bit, target) => {
          const proof = inclusionProof(index, size, log.getNode);
          const leaf = log.leafHashes[index] as Uint8Array;
          const root = ref.root(size);
          if (target === 'proof' && proof.length === 0) return;
          const i = which % Math.max(proof.length, 1);
          const mutated = proof.map((p, j) => (target === 'proof' && j === i ? flip(p, bit) : p));
          const run = () =>
            verifyInclusion(
              target === 'leaf' ? flip(leaf, bit) : leaf,
              index,
              size,
              mutated,
              target === 'root' ? flip(root, bit) : root,
            );
          expect(run).toThrow(expect.objectContaining({ code: 'ERR_ROOT_MISMATCH' }));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects every single-bit flip of the index', () => {
    fc.assert(
      fc.property(inclusionCase, fc.integer({ min: 0, max: 52 }), ({ size, index }, bit) => {
        const proof = inclusionProof(index, size, log.getNode);
        const leaf = log.leafHashes[index] as Uint8Array;
        expect(accepts(() => verifyInclusion(leaf, flipCount(index, bit), size, proof, ref.root(size)))).toBe(
          false,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects a flipped size unless the definitions accept it too (same proof shape)', () => {
    fc.assert(
      fc.property(inclusionCase, fc.integer({ min: 0, max: 52 }), ({ size, index }, bit) => {
        const proof = inclusionProof(index, size, log.getNode);
        const leaf = log.leafHashes[index] as Uint8Array;
        const size2 = flipCount(size, bit);
        const got = accepts(() => verifyInclusion(leaf, index, size2, proof, ref.root(size)));
        expect(got).toBe(naiveVerifyInclusion(leaf, index, size2, proof, ref.root(size)));
      }),
      { numRuns: 2000 },
    );
  });

  it('a root does not commit to its size: both verifiers accept a same-shape size (the checkpoint binds it)', () => {
    // Leaf 0 of 5 and leaf 0 of 6 both have three right-hand siblings.
    const proof = inclusionProof(0, 5, log.getNode);
    const leaf = log.leafHashes[0] as Uint8Array;
    expect(naiveVerifyInclusion(leaf, 0, 6, proof, ref.root(5))).toBe(true);
    expect(accepts(() => verifyInclusion(leaf, 0, 6, proof, ref.root(5)))).toBe(true);
    // 4 -> 8 is [MTH(4..8)]; read as 4 -> 5 it describes the same two hashes.
    const c = consistencyProof(4, 8, log.getNode);
    expect(naiveVerifyConsistency(4, 5, c, ref.root(4), ref.root(8))).toBe(true);
    expect(accepts(() => verifyConsistency(4, 5, c, ref.root(4), ref.root(8)))).toBe(true);
  });
});

describe('consistency proof mutations', () => {
  it('rejects every single-bit flip of a proof hash or either root', () => {
    fc.assert(
      fc.property(
        consistencyCase,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('proof', 'root1', 'root2'),
        ({ size1, size2 }, which, bit, target) => {
          const proof = consistencyProof(size1, size2, log.getNode);
          if (target === 'proof' && proof.length === 0) return;
          const i = which % Math.max(proof.length, 1);
          const mutated = proof.map((p, j) => (target === 'proof' && j === i ? flip(p, bit) : p));
          const root1 = target === 'root1' ? flip(ref.root(size1), bit) : ref.root(size1);
          const root2 = target === 'root2' ? flip(ref.root(size2), bit) : ref.root(size2);
          expect(() => verifyConsistency(size1, size2, mutated, root1, root2)).toThrow(
            expect.objectContaining({ code: 'ERR_ROOT_MISMATCH' }),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects a flipped size unless the definitions accept it too', () => {
    fc.assert(
      fc.property(
        consistencyCase,
        fc.integer({ min: 0, max: 52 }),
        fc.boolean(),
        ({ size1, size2 }, bit, first) => {
          const proof = consistencyProof(size1, size2, log.getNode);
          const s1 = first ? flipCount(size1, bit) : size1;
          const s2 = first ? size2 : flipCount(size2, bit);
          const root1 = ref.root(size1);
          const root2 = ref.root(size2);
          const got = accepts(() => verifyConsistency(s1, s2, proof, root1, root2));
          expect(got).toBe(naiveVerifyConsistency(s1, s2, proof, root1, root2));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('errors carry evidence', () => {
  it('a root mismatch names both roots', () => {
    const proof = inclusionProof(5, 8, log.getNode);
    const wrong = flip(ref.root(8), 0);
    try {
      verifyInclusion(log.leafHashes[5] as Uint8Array, 5, 8, proof, wrong);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LogProofError);
      const e = err as LogProofError;
      expect(e.code).toBe('ERR_ROOT_MISMATCH');
      expect(e.facts).toMatchObject({ index: 5, size: 8 });
      expect(e.facts.expectedRoot).toMatch(/^[0-9a-f]{64}$/);
      expect(e.facts.computedRoot).toMatch(/^[0-9a-f]{64}$/);
      expect(e.facts.expectedRoot).not.toBe(e.facts.computedRoot);
    }
  });

  it('a consistency mismatch says which root failed', () => {
    const proof = consistencyProof(6, 8, log.getNode);
    expect(() => verifyConsistency(6, 8, proof, flip(ref.root(6), 3), ref.root(8))).toThrow(
      expect.objectContaining({
        code: 'ERR_ROOT_MISMATCH',
        facts: expect.objectContaining({ which: 'root1' }),
      }),
    );
    expect(() => verifyConsistency(6, 8, proof, ref.root(6), flip(ref.root(8), 3))).toThrow(
      expect.objectContaining({
        code: 'ERR_ROOT_MISMATCH',
        facts: expect.objectContaining({ which: 'root2' }),
      }),
    );
  });

  it.each([
    [
      'a short proof',
      () => verifyInclusion(new Uint8Array(32), 1, 8, [], new Uint8Array(32)),
      'ERR_PROOF_LENGTH',
    ],
    [
      'an index past the end',
      () => verifyInclusion(new Uint8Array(32), 8, 8, [], new Uint8Array(32)),
      'ERR_INDEX_OUT_OF_RANGE',
    ],
    [
      'a fractional size',
      () => verifyInclusion(new Uint8Array(32), 0, 1.5, [], new Uint8Array(32)),
      'ERR_INVALID_SIZE',
    ],
    [
      'a 31-byte root',
      () => verifyInclusion(new Uint8Array(32), 0, 1, [], new Uint8Array(31)),
      'ERR_HASH_LENGTH',
    ],
    [
      'sizes out of order',
      () => verifyConsistency(3, 2, [], new Uint8Array(32), new Uint8Array(32)),
      'ERR_SIZE_ORDER',
    ],
    [
      'from the empty tree',
      () => verifyConsistency(0, 2, [], new Uint8Array(32), new Uint8Array(32)),
      'ERR_EMPTY_TREE',
    ],
    [
      'equal sizes with a proof',
      () => verifyConsistency(2, 2, [new Uint8Array(32)], new Uint8Array(32), new Uint8Array(32)),
      'ERR_PROOF_LENGTH',
    ],
  ])('%s → %s', (_name, run, code) => {
    expect(run).toThrow(expect.objectContaining({ code }));
  });
});
