/**
 * RFC 9162 §2.1.1 Merkle tree hashing (identical to RFC 6962 §2.1 with SHA-256).
 *
 * This file is part of the self-contained verifier: it imports nothing from the project but
 * `hashes.ts` beside it (SHA-256: @noble's unless the runtime installs a native one), so an
 * auditor can read it, `hashes.ts`, `verify.ts` and `log-proof-error.ts` alone.
 */
import { sha256 } from './hashes.ts';

/**
 * Length in bytes of every hash in the log (SHA-256).
 *
 * @example
 * ```ts
 * if (hash.length !== HASH_SIZE) throw new RangeError('not a log hash');
 * ```
 */
export const HASH_SIZE = 32;

/**
 * Root hash of the empty tree: `SHA-256("")` (RFC 9162 §2.1.1).
 *
 * @example
 * ```ts
 * emptyRoot().length; // 32, e3b0c442…
 * ```
 */
export function emptyRoot(): Uint8Array {
  // A fresh copy each time so no caller can corrupt a shared constant.
  return sha256(new Uint8Array(0));
}

/**
 * Hash of one leaf: `SHA-256(0x00 || leaf)`. The 0x00 prefix keeps a leaf from ever
 * hashing like an interior node (second-preimage resistance).
 *
 * @example
 * ```ts
 * leafHash(new Uint8Array(0)); // 6e340b9c… (the RFC 6962 test vector for the empty leaf)
 * ```
 */
export function leafHash(leaf: Uint8Array): Uint8Array {
  const input = new Uint8Array(leaf.length + 1);
  input[0] = 0x00;
  input.set(leaf, 1);
  return sha256(input);
}

/**
 * Hash of an interior node: `SHA-256(0x01 || left || right)`.
 *
 * @example
 * ```ts
 * const root2 = nodeHash(leafHash(a), leafHash(b));
 * ```
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}
