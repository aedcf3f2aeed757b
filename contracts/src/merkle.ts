/**
 * RFC 9162 Merkle tree hashing (§2.1.1) and consistency-proof verification (§2.1.4.2),
 * written out step by step from the RFC. The chaincode cannot import the gateway's
 * src/core, and a second independent implementation is what a witness should run;
 * test/vectors.test.ts checks that both agree on the shared vectors.
 *
 * Sizes are JavaScript numbers (logs up to 2^53 - 1 leaves); bit operations are done
 * with arithmetic because `>>` truncates to 32 bits.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, toBase64 } from './encoding.js';
import { AnchorError, malformed } from './errors.js';

/** Every hash in the log is SHA-256. */
export const HASH_SIZE = 32;

/** Root of the empty tree: SHA-256 of the empty string. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** `SHA-256(0x00 || leaf)`. */
export function leafHash(leaf: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + leaf.length);
  input.set(leaf, 1);
  return sha256(input);
}

/** `SHA-256(0x01 || left || right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

/**
 * Throws unless the tree (`size2`, `root2`) is an append-only extension of the tree
 * (`size1`, `root1`) by `proof`.
 * - `ERR_MALFORMED`: a size is not a safe non-negative integer, `size1 > size2`,
 *   `size1 === 0` (RFC 9162 defines no proof from the empty tree: it would prove
 *   nothing), or a hash is not 32 bytes.
 * - `ERR_INCONSISTENT`: the proof does not lead to both roots; the message names both
 *   anchored and offered roots (base64), `facts` carries them too.
 * `size1 === size2` needs an empty proof and equal roots.
 * @example
 * verifyConsistency(7, 12, proofHashes, anchoredRoot, newRoot);
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  for (const [name, value] of [
    ['size1', size1],
    ['size2', size2],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw malformed(`${name} ${value} is not a tree size`);
  }
  if (size1 > size2) throw malformed(`size1 ${size1} > size2 ${size2}`);
  if (size1 === 0) throw malformed('no consistency proof exists from the empty tree');
  for (const [name, hash] of [
    ['root1', root1],
    ['root2', root2],
    ...proof.map((h, i) => [`proof[${i}]`, h] as const),
  ] as const) {
    if (hash.length !== HASH_SIZE) throw malformed(`${name} is ${hash.length} bytes, not ${HASH_SIZE}`);
  }
  const fail = (why: string): AnchorError =>
    new AnchorError(
      'ERR_INCONSISTENT',
      `size ${size2} root ${toBase64(root2)} does not extend size ${size1} root ${toBase64(root1)}: ${why}`,
      { size1, size2, root1: toBase64(root1), root2: toBase64(root2) },
    );

  if (size1 === size2) {
    if (proof.length !== 0) throw fail('a proof between equal sizes must be empty');
    if (!bytesEqual(root1, root2)) throw fail('equal sizes with different roots');
    return;
  }
  if (proof.length === 0) throw fail('empty proof');

  // 1. If size1 is an exact power of 2, prepend root1 to the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  // 2. fn = size1 - 1, sn = size2 - 1.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // 3. While LSB(fn) is set, shift both right.
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // 4. fr = sr = first element of the path.
  let fr = path[0] as Uint8Array;
  let sr = fr;
  // 5. For each later element c.
  for (const c of path.slice(1)) {
    if (sn === 0) throw fail('proof is too long');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // 6. fr must be root1, sr root2 and sn 0.
  if (sn !== 0) throw fail('proof is too short');
  if (!bytesEqual(fr, root1)) throw fail(`proof leads to old root ${toBase64(fr)}`);
  if (!bytesEqual(sr, root2)) throw fail(`proof leads to new root ${toBase64(sr)}`);
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
