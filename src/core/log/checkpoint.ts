/**
 * C2SP checkpoints (https://c2sp.org/tlog-checkpoint) as signed notes:
 *
 * ```
 * <origin>
 * <tree size, decimal>
 * <base64 root hash>
 * [<extension line>]…
 *
 * — <key name> <base64 signature>
 * ```
 *
 * Part of the self-contained checkpoint verifier: an auditor needs this file,
 * `signed-note.ts`, `note-key.ts`, `base64-std.ts` and `checkpoint-error.ts`.
 */
import { decodeBase64Std, encodeBase64Std } from './base64-std.ts';
import { CheckpointError } from './checkpoint-error.ts';
import { type NoteSigner, type NoteVerifier, parseSignerKey, parseVerifierKey } from './note-key.ts';
import { type NoteSignature, openNote, signNote } from './signed-note.ts';

/**
 * What a checkpoint states.
 *
 * @example
 * ```ts
 * const cp: Checkpoint = { origin: 'gateway.example/log', size: 42, rootHash: rootFromCompactRange(range) };
 * ```
 */
export interface Checkpoint {
  /** Unique identity of the log, conventionally a schema-less URL. */
  readonly origin: string;
  readonly size: number;
  /** RFC 9162 root hash of the first `size` leaves (32 bytes). */
  readonly rootHash: Uint8Array;
  /** Optional extra body lines after the root hash. */
  readonly extensions?: readonly string[];
}

/**
 * A checkpoint that verified, with the signatures that vouch for it.
 *
 * @example
 * ```ts
 * const { size, rootHash, signatures } = openCheckpoint(text, verifierKey);
 * ```
 */
export interface OpenedCheckpoint extends Checkpoint {
  readonly extensions: readonly string[];
  readonly signatures: readonly NoteSignature[];
  /** The signed body text, byte for byte. */
  readonly body: string;
}

/**
 * Options of {@link openCheckpoint}.
 *
 * @example
 * ```ts
 * openCheckpoint(receipt.checkpoint, verifierKey, { origin: receipt.logOrigin });
 * ```
 */
export interface OpenCheckpointOptions {
  /** When set, a checkpoint for any other origin is refused (`ERR_CHECKPOINT_ORIGIN`). */
  readonly origin?: string;
}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/**
 * Formats the checkpoint body (the text that gets signed).
 *
 * @example
 * ```ts
 * formatCheckpoint({ origin: 'example.com/log', size: 3, rootHash }); // 'example.com/log\n3\n…=\n'
 * ```
 */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  if (origin === '' || origin.includes('\n')) throw malformed('origin must be one non-empty line');
  if (!Number.isSafeInteger(size) || size < 0) throw malformed('size must be a non-negative safe integer');
  if (rootHash.length !== 32) throw malformed('root hash must be 32 bytes');
  for (const line of extensions)
    if (line === '' || line.includes('\n')) throw malformed('empty extension line');
  return [origin, String(size), encodeBase64Std(rootHash), ...extensions].map((l) => `${l}\n`).join('');
}

/**
 * Parses a checkpoint body (unsigned text). {@link openCheckpoint} is what callers want;
 * this is for bodies already verified.
 *
 * @example
 * ```ts
 * parseCheckpoint('example.com/log\n3\n' + b64root + '\n').size; // 3
 * ```
 */
export function parseCheckpoint(body: string): Checkpoint & { readonly extensions: readonly string[] } {
  if (!body.endsWith('\n')) throw malformed('body must end in a newline');
  const lines = body.slice(0, -1).split('\n');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === undefined || origin === '') throw malformed('missing origin line', 1);
  if (sizeText === undefined || !DECIMAL.test(sizeText))
    throw malformed('tree size is not a decimal number', 2);
  const size = Number(sizeText);
  // The spec allows any uint64; a JavaScript number is exact only up to 2^53 - 1.
  if (!Number.isSafeInteger(size)) throw malformed('tree size beyond 2^53 - 1', 2);
  const rootHash = rootText === undefined ? undefined : decodeBase64Std(rootText);
  if (rootHash === undefined || rootHash.length !== 32)
    throw malformed('root hash is not 32 bytes of base64', 3);
  extensions.forEach((line, i) => {
    if (line === '') throw malformed('empty extension line', 4 + i);
  });
  return { origin, size, rootHash, extensions };
}

/**
 * Signs a checkpoint, synchronously (it runs inside the log's storage transaction).
 *
 * @param signer - a `PRIVATE+KEY+…` string or a parsed {@link NoteSigner}.
 * @example
 * ```ts
 * const note = signCheckpoint({ origin, size: range.size, rootHash: rootFromCompactRange(range) }, signerKey);
 * ```
 */
export function signCheckpoint(checkpoint: Checkpoint, signer: string | NoteSigner): string {
  const s = typeof signer === 'string' ? parseSignerKey(signer) : signer;
  return signNote(formatCheckpoint(checkpoint), [s]);
}

/**
 * Verifies a checkpoint note against trusted keys and returns what it states.
 * Throws {@link CheckpointError}: `ERR_NOTE_MALFORMED`, `ERR_NOTE_BAD_SIGNATURE`,
 * `ERR_NOTE_UNVERIFIED` (no trusted key signed), `ERR_CHECKPOINT_MALFORMED`,
 * `ERR_CHECKPOINT_ORIGIN`, or a key error for a bad key string.
 *
 * @param verifiers - verifier key strings or parsed {@link NoteVerifier}s.
 * @example
 * ```ts
 * const { size, rootHash } = openCheckpoint(receipt.checkpoint, verifierKey, { origin: receipt.logOrigin });
 * ```
 */
export function openCheckpoint(
  note: string,
  verifiers: string | NoteVerifier | readonly (string | NoteVerifier)[],
  options: OpenCheckpointOptions = {},
): OpenedCheckpoint {
  const list = (Array.isArray(verifiers) ? verifiers : [verifiers]) as readonly (string | NoteVerifier)[];
  const parsed = list.map((v) => (typeof v === 'string' ? parseVerifierKey(v) : v));
  const opened = openNote(note, parsed);
  const checkpoint = parseCheckpoint(opened.text);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new CheckpointError('ERR_CHECKPOINT_ORIGIN', 'checkpoint is for another log', {
      expected: options.origin,
      actual: checkpoint.origin,
    });
  }
  return { ...checkpoint, signatures: opened.signatures, body: opened.text };
}

function malformed(reason: string, line?: number): CheckpointError {
  return new CheckpointError(
    'ERR_CHECKPOINT_MALFORMED',
    `malformed checkpoint: ${reason}`,
    line === undefined ? { reason } : { reason, line },
  );
}
