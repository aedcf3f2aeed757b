/**
 * The one error that note keys, signed notes and checkpoints throw. Facts name the key
 * (name, key hash) or the line at fault; they never hold key material.
 *
 * Part of the self-contained checkpoint verifier: imports nothing.
 */

/**
 * Stable codes for key, note and checkpoint failures.
 *
 * @example
 * ```ts
 * const alarm: CheckpointErrorCode[] = ['ERR_NOTE_BAD_SIGNATURE', 'ERR_CHECKPOINT_ORIGIN'];
 * ```
 */
export type CheckpointErrorCode =
  /** A signer or verifier key string does not parse. */
  | 'ERR_KEY_MALFORMED'
  /** A key's 4-byte hash does not match its name and public key. */
  | 'ERR_KEY_HASH_MISMATCH'
  /** A key names a signature algorithm other than Ed25519 (0x01). */
  | 'ERR_KEY_ALGORITHM'
  /** The note text is not a signed note (encoding, blank line, signature lines). */
  | 'ERR_NOTE_MALFORMED'
  /** A signature by a known key does not verify: the note was altered or forged. */
  | 'ERR_NOTE_BAD_SIGNATURE'
  /** No signature on the note is by a key the caller trusts. */
  | 'ERR_NOTE_UNVERIFIED'
  /** The note body is not a C2SP checkpoint (origin, size, root hash). */
  | 'ERR_CHECKPOINT_MALFORMED'
  /** The checkpoint is for another log than the caller expected. */
  | 'ERR_CHECKPOINT_ORIGIN';

/**
 * Non-secret evidence: key names, key hashes (hex8), line numbers, reasons.
 *
 * @example
 * ```ts
 * const facts: CheckpointFacts = { name: 'example.com/log', keyHash: 'c74f20a3', line: 1 };
 * ```
 */
export type CheckpointFacts = Readonly<Record<string, string | number>>;

/**
 * Thrown by key parsing, {@link openNote} and {@link openCheckpoint}.
 *
 * @example
 * ```ts
 * try {
 *   openCheckpoint(text, verifierKey);
 * } catch (err) {
 *   if (err instanceof CheckpointError && err.code === 'ERR_NOTE_BAD_SIGNATURE') alarm(err.facts);
 * }
 * ```
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  readonly code: CheckpointErrorCode;
  readonly facts: CheckpointFacts;

  constructor(code: CheckpointErrorCode, message: string, facts: CheckpointFacts = {}) {
    super(message);
    this.code = code;
    this.facts = facts;
  }
}
