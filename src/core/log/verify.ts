/**
 * Merkle proof verification exactly as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
 * (consistency) describe it.
 *
 * This is the verifier an auditor reads: it imports only `rfc9162.ts` (three hash
 * functions) and `log-proof-error.ts`, never the writer side (proof builders,
 * compact ranges, storage). Sizes and indices are JavaScript numbers, so a log is
 * limited to 2^53 - 1 leaves; the bit operations are done with arithmetic because
 * `>>` truncates to 32 bits.
 *
 * A proof binds a leaf (or an old root) to a root *given a size*. The size is not
 * committed to by the root alone: a size that happens to give the same proof shape
 * verifies too. Callers MUST take `size` and `root` from the same signed checkpoint.
 */
import { LogProofError, toHex } from './log-proof-error.ts';
import { HASH_SIZE, nodeHash } from './rfc9162.ts';

/**
 * Checks a leaf's inclusion in a tree of `size` leaves with root `root`, and throws
 * {@link LogProofError} (`ERR_ROOT_MISMATCH` with both roots, `ERR_PROOF_LENGTH`,
 * `ERR_INDEX_OUT_OF_RANGE`, `ERR_HASH_LENGTH`, `ERR_INVALID_SIZE`) when it does not hold.
 *
 * @param leafHash - `leafHash(leafBytes)`, not the leaf bytes.
 * @param proof - sibling hashes from the leaf up to the root (RFC 9162 order).
 * @example
 * ```ts
 * verifyInclusion(leafHash(leaf), receipt.leafIndex, checkpoint.size, proof, checkpoint.rootHash);
 * ```
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHash('root', root);
  const computed = rootFromInclusionProof(leafHash, index, size, proof);
  if (!bytesEqual(computed, root)) {
    throw new LogProofError(
      'ERR_ROOT_MISMATCH',
      `inclusion proof for leaf ${index} does not lead to the root of tree size ${size}`,
      {
        index,
        size,
        expectedRoot: toHex(root),
        computedRoot: toHex(computed),
        leafHash: toHex(leafHash),
      },
    );
  }
}

/**
 * The root that an inclusion proof implies (RFC 9162 §2.1.3.2 steps 1–4). Useful to
 * report what a proof points at, or to compare with several candidate roots.
 *
 * @example
 * ```ts
 * const root = rootFromInclusionProof(leafHash(leaf), 5, 8, proof);
 * ```
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Uint8Array {
  checkCount('index', index);
  checkCount('size', size);
  if (index >= size) {
    throw new LogProofError('ERR_INDEX_OUT_OF_RANGE', `leaf index ${index} is not below tree size ${size}`, {
      index,
      size,
    });
  }
  checkHash('leafHash', leafHash);
  const sides = inclusionSides(index, size);
  checkProof(proof, sides.length, { index, size });
  let r = leafHash;
  sides.forEach((left, i) => {
    const p = proof[i] as Uint8Array;
    r = left ? nodeHash(p, r) : nodeHash(r, p);
  });
  return r;
}

/**
 * Checks that the tree of `size2` leaves with root `root2` extends the tree of
 * `size1` leaves with root `root1` (append-only). Throws {@link LogProofError}; a
 * mismatch names which root failed (`facts.which`) and carries both roots.
 * `size1 === size2` needs an empty proof and equal roots; `size1 === 0` is refused
 * (`ERR_EMPTY_TREE`): every tree extends the empty one, so such a check proves nothing.
 *
 * @example
 * ```ts
 * verifyConsistency(trusted.size, latest.size, proof, trusted.rootHash, latest.rootHash);
 * ```
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  checkHash('root2', root2);
  const computed = rootFromConsistencyProof(size1, size2, proof, root1);
  if (!bytesEqual(computed, root2)) {
    throw new LogProofError(
      'ERR_ROOT_MISMATCH',
      `tree size ${size2} is not consistent with tree size ${size1}`,
      {
        which: 'root2',
        size1,
        size2,
        root1: toHex(root1),
        root2: toHex(root2),
        expectedRoot: toHex(root2),
        computedRoot: toHex(computed),
      },
    );
  }
}

/**
 * Checks the old root against a consistency proof and returns the new root the
 * proof implies (RFC 9162 §2.1.4.2). A monitor can use it to learn which root a
 * proof commits to before it compares it with a checkpoint.
 *
 * @example
 * ```ts
 * const root2 = rootFromConsistencyProof(4, 7, proof, root4);
 * ```
 */
export function rootFromConsistencyProof(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
): Uint8Array {
  checkCount('size1', size1);
  checkCount('size2', size2);
  if (size1 > size2) {
    throw new LogProofError('ERR_SIZE_ORDER', `size1 ${size1} is larger than size2 ${size2}`, {
      size1,
      size2,
    });
  }
  if (size1 === 0) {
    throw new LogProofError('ERR_EMPTY_TREE', 'a consistency proof from the empty tree proves nothing', {
      size1,
      size2,
    });
  }
  checkHash('root1', root1);
  if (size1 === size2) {
    checkProof(proof, 0, { size1, size2 });
    return root1;
  }
  const { seedInProof, sides } = consistencySides(size1, size2);
  checkProof(proof, sides.length + (seedInProof ? 1 : 0), { size1, size2 });
  // Step 2: when size1 is a power of two the old root is itself the starting node.
  const path = seedInProof ? proof : [root1, ...proof];
  let fr = path[0] as Uint8Array;
  let sr = fr;
  sides.forEach((bothLeft, i) => {
    const c = path[i + 1] as Uint8Array;
    if (bothLeft) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
    } else {
      sr = nodeHash(sr, c);
    }
  });
  if (!bytesEqual(fr, root1)) {
    throw new LogProofError(
      'ERR_ROOT_MISMATCH',
      `consistency proof does not lead to the root of tree size ${size1}`,
      {
        which: 'root1',
        size1,
        size2,
        expectedRoot: toHex(root1),
        computedRoot: toHex(fr),
      },
    );
  }
  return sr;
}

/**
 * Number of hashes in an inclusion proof for `index` in a tree of `size` leaves.
 *
 * @example
 * ```ts
 * inclusionProofSize(5, 8); // 3
 * ```
 */
export function inclusionProofSize(index: number, size: number): number {
  checkCount('index', index);
  checkCount('size', size);
  return index < size ? inclusionSides(index, size).length : 0;
}

/**
 * Number of hashes in a consistency proof from `size1` to `size2` (0 < size1 ≤ size2).
 *
 * @example
 * ```ts
 * consistencyProofSize(6, 8); // 3
 * ```
 */
export function consistencyProofSize(size1: number, size2: number): number {
  checkCount('size1', size1);
  checkCount('size2', size2);
  if (size1 === 0 || size1 >= size2) return 0;
  const { seedInProof, sides } = consistencySides(size1, size2);
  return sides.length + (seedInProof ? 1 : 0);
}

// The RFC algorithms interleave two things: walking the bits of (fn, sn) and hashing.
// The walk depends only on the sizes, so it runs first; that gives the exact proof
// length before any hashing, hence a precise ERR_PROOF_LENGTH instead of a mismatch.

/**
 * The bit walk both RFC 9162 verifiers share, hashes left out: from node `fn` on the path to
 * the last node `sn`, whether each proof element is a left sibling (true) or a right one.
 */
function siblingSides(fn: number, sn: number): boolean[] {
  const sides: boolean[] = [];
  while (sn > 0) {
    if (isOdd(fn) || fn === sn) {
      sides.push(true);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sides.push(false);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sides;
}

/** RFC 9162 §2.1.3.2 step 4, hashes left out: for each proof element, is it a left sibling? */
function inclusionSides(index: number, size: number): boolean[] {
  return siblingSides(index, size - 1);
}

/**
 * RFC 9162 §2.1.4.2 steps 2–6, hashes left out: whether the first path element is in
 * the proof (size1 not a power of two) and, for each later element, whether it is a
 * left sibling of both paths (true) or a right sibling of the new path only (false).
 */
function consistencySides(size1: number, size2: number): { seedInProof: boolean; sides: boolean[] } {
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  return { seedInProof: !isPowerOfTwo(size1), sides: siblingSides(fn, sn) };
}

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new LogProofError('ERR_INVALID_SIZE', `${name} must be a non-negative safe integer`, {
      which: name,
      value: String(value),
    });
  }
}

function checkHash(name: string, hash: Uint8Array): void {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    throw new LogProofError('ERR_HASH_LENGTH', `${name} must be ${HASH_SIZE} bytes`, {
      which: name,
      length: hash instanceof Uint8Array ? hash.length : -1,
    });
  }
}

function checkProof(
  proof: readonly Uint8Array[],
  expected: number,
  facts: Readonly<Record<string, number>>,
): void {
  if (proof.length !== expected) {
    throw new LogProofError('ERR_PROOF_LENGTH', `proof has ${proof.length} hashes, expected ${expected}`, {
      ...facts,
      expected,
      actual: proof.length,
    });
  }
  proof.forEach((hash, i) => {
    checkHash(`proof[${i}]`, hash);
  });
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isOdd(x: number): boolean {
  return x % 2 === 1;
}

function half(x: number): number {
  return Math.floor(x / 2);
}

function isPowerOfTwo(x: number): boolean {
  let v = x;
  while (v > 1 && !isOdd(v)) v = half(v);
  return v === 1;
}
