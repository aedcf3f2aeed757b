/**
 * The one error a Merkle proof check throws. It carries evidence (sizes, both roots,
 * expected and computed hashes, in hex) so a monitor can publish what it saw.
 *
 * Part of the self-contained verifier: imports nothing.
 */

/**
 * Stable codes; an edge maps them to its own catalogue (e.g. ERR_LOG_INTEGRITY).
 *
 * @example
 * ```ts
 * const tampering: LogProofErrorCode = 'ERR_ROOT_MISMATCH';
 * ```
 */
export type LogProofErrorCode =
  /** An index or size is not a non-negative safe integer. */
  | 'ERR_INVALID_SIZE'
  /** The leaf index is not below the tree size. */
  | 'ERR_INDEX_OUT_OF_RANGE'
  /** A consistency check was asked from a larger tree to a smaller one. */
  | 'ERR_SIZE_ORDER'
  /** A consistency proof from the empty tree proves nothing (RFC 9162 defines none). */
  | 'ERR_EMPTY_TREE'
  /** A leaf hash, root or proof element is not 32 bytes. */
  | 'ERR_HASH_LENGTH'
  /** The proof has the wrong number of hashes for the given index and sizes. */
  | 'ERR_PROOF_LENGTH'
  /** The proof is well-formed but does not lead to the expected root. */
  | 'ERR_ROOT_MISMATCH';

/**
 * Evidence: sizes as numbers, hashes as lowercase hex. Never personal data (the log holds none).
 *
 * @example
 * ```ts
 * const facts: LogProofFacts = { size1: 6, size2: 8, which: 'root2', expectedRoot: '5dc9…', computedRoot: '1f2e…' };
 * ```
 */
export type LogProofFacts = Readonly<Record<string, string | number>>;

/**
 * Thrown by the verifier and by the proof builders.
 *
 * @example
 * ```ts
 * try {
 *   verifyInclusion(hash, 3, 8, proof, root);
 * } catch (err) {
 *   if (err instanceof LogProofError && err.code === 'ERR_ROOT_MISMATCH') {
 *     console.error(err.facts.expectedRoot, err.facts.computedRoot);
 *   }
 * }
 * ```
 */
export class LogProofError extends Error {
  override readonly name = 'LogProofError';
  readonly code: LogProofErrorCode;
  readonly facts: LogProofFacts;

  constructor(code: LogProofErrorCode, message: string, facts: LogProofFacts = {}) {
    super(message);
    this.code = code;
    this.facts = facts;
  }
}

/**
 * Lowercase hex of some bytes, for evidence in {@link LogProofError.facts}.
 *
 * @example
 * ```ts
 * toHex(new Uint8Array([0, 255])); // '00ff'
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
