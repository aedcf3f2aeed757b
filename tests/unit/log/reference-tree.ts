/**
 * A naive RFC 9162 Merkle tree, written straight from the recursive definitions
 * (§2.1.1 MTH, §2.1.3.1 PATH, §2.1.4.1 PROOF/SUBPROOF), to check the fast code
 * against. It shares nothing with src/core/log: its own hashing, its own recursion.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** A half-open leaf range [lo, hi). */
export type Range = readonly [number, number];

export function refLeafHash(leaf: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(0, ...leaf));
}

export function refNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(1, ...left, ...right));
}

/** Largest power of two strictly below n (n ≥ 2): where RFC 9162 splits a tree. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  let v = n;
  while (v > 1 && v % 2 === 0) v /= 2;
  return v === 1;
}

/** PATH(m, D[lo:hi]) as the ranges whose MTH make up the proof, leaf to root. */
export function pathRanges(m: number, lo: number, hi: number): Range[] {
  if (hi - lo <= 1) return [];
  const k = splitPoint(hi - lo);
  return m < lo + k
    ? [...pathRanges(m, lo, lo + k), [lo + k, hi]]
    : [...pathRanges(m, lo + k, hi), [lo, lo + k]];
}

/** PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true), as ranges. */
export function proofRanges(m: number, n: number): Range[] {
  const sub = (lo: number, hi: number, b: boolean): Range[] => {
    if (m === hi) return b ? [] : [[lo, hi]];
    const k = splitPoint(hi - lo);
    return m <= lo + k ? [...sub(lo, lo + k, b), [lo + k, hi]] : [...sub(lo + k, hi, false), [lo, lo + k]];
  };
  return m < n ? sub(0, n, true) : [];
}

export class ReferenceTree {
  readonly #memo = new Map<string, Uint8Array>();
  constructor(readonly leafHashes: readonly Uint8Array[]) {}

  /** MTH(D[lo:hi]). */
  mth(lo: number, hi: number): Uint8Array {
    if (hi === lo) return sha256(new Uint8Array(0));
    if (hi - lo === 1) return this.leafHashes[lo] as Uint8Array;
    const key = `${lo},${hi}`;
    const hit = this.#memo.get(key);
    if (hit !== undefined) return hit;
    const k = splitPoint(hi - lo);
    const h = refNodeHash(this.mth(lo, lo + k), this.mth(lo + k, hi));
    this.#memo.set(key, h);
    return h;
  }

  root(size: number): Uint8Array {
    return this.mth(0, size);
  }

  path(m: number, size: number): Uint8Array[] {
    return pathRanges(m, 0, size).map(([lo, hi]) => this.mth(lo, hi));
  }

  proof(m: number, n: number): Uint8Array[] {
    return proofRanges(m, n).map(([lo, hi]) => this.mth(lo, hi));
  }
}

/**
 * Recomputes MTH(D[lo:hi]) from known subtree hashes ("atoms") by the RFC recursion.
 * Returns undefined when the atoms do not cover the range.
 */
function evalRange(lo: number, hi: number, atoms: Map<string, Uint8Array>): Uint8Array | undefined {
  const atom = atoms.get(`${lo},${hi}`);
  if (atom !== undefined) return atom;
  if (hi - lo <= 1) return undefined;
  const k = splitPoint(hi - lo);
  const left = evalRange(lo, lo + k, atoms);
  const right = evalRange(lo + k, hi, atoms);
  return left === undefined || right === undefined ? undefined : refNodeHash(left, right);
}

function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * A verifier built only from the definitions: lay the proof hashes on the ranges
 * PATH says they stand for, and recompute the root from them and the leaf.
 */
export function naiveVerifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!(index >= 0 && index < size) || leafHash.length !== 32) return false;
  const ranges = pathRanges(index, 0, size);
  if (ranges.length !== proof.length || proof.some((p) => p.length !== 32)) return false;
  const atoms = new Map<string, Uint8Array>(
    ranges.map(([lo, hi], i) => [`${lo},${hi}`, proof[i] as Uint8Array]),
  );
  atoms.set(`${index},${index + 1}`, leafHash);
  return same(evalRange(0, size, atoms), root);
}

/** Same idea for PROOF(m, D[n]): both MTH(D[0:m]) and MTH(D[0:n]) must come out of the proof. */
export function naiveVerifyConsistency(
  m: number,
  n: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (!(m > 0 && m <= n) || root1.length !== 32 || root2.length !== 32) return false;
  if (m === n) return proof.length === 0 && same(root1, root2);
  const ranges = proofRanges(m, n);
  if (ranges.length !== proof.length || proof.some((p) => p.length !== 32)) return false;
  const atoms = new Map<string, Uint8Array>(
    ranges.map(([lo, hi], i) => [`${lo},${hi}`, proof[i] as Uint8Array]),
  );
  // SUBPROOF leaves out MTH(D[0:m]) exactly when it is a node of the big tree, i.e.
  // when m is a power of two; the verifier then holds it already (root1).
  if (isPowerOfTwo(m)) atoms.set(`0,${m}`, root1);
  return same(evalRange(0, m, atoms), root1) && same(evalRange(0, n, atoms), root2);
}
