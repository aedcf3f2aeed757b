/**
 * SHA-256 and HMAC-SHA-256 for the core, with the implementation chosen by the runtime.
 *
 * The core stays portable: by default these are @noble/hashes, pure JavaScript, the same on
 * Node, in workerd and in a browser. A runtime with a native hash installs it once at start
 * (`useHashes`): on Node, node:crypto is 2–5× cheaper per call at the sizes the log hashes
 * (issue 14: the pure-JavaScript hashes were 6 % of a decision's CPU). Both give the same bytes;
 * tests/unit/log/hashes.test.ts holds them to it.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** The two functions the core needs; synchronous, so the log's Merkle maths stays plain code. */
export interface Hashes {
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
}

/** Pure JavaScript (@noble/hashes): the default everywhere. */
export const portableHashes: Hashes = {
  sha256: (data) => nobleSha256(data),
  hmacSha256: (key, data) => hmac(nobleSha256, key, data),
};

let current: Hashes = portableHashes;

/**
 * Makes `hashes` the implementation behind `sha256` and `hmacSha256` for the whole process.
 *
 * @example
 * ```ts
 * useHashes(nodeHashes); // src/runtime/node.ts, before anything is hashed
 * ```
 */
export function useHashes(hashes: Hashes): void {
  current = hashes;
}

/**
 * SHA-256 of `data`.
 *
 * @example
 * ```ts
 * sha256(new Uint8Array(0)); // e3b0c442…
 * ```
 */
export function sha256(data: Uint8Array): Uint8Array {
  return current.sha256(data);
}

/**
 * HMAC-SHA-256 of `data` under `key`.
 *
 * @example
 * ```ts
 * hmacSha256(subjectKey, canonicalBytes({ idNumber }));
 * ```
 */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return current.hmacSha256(key, data);
}
