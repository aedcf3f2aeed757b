/**
 * The one error the chaincode throws. Fabric hands only `message` back to the client
 * (as the endorsement failure), so the message starts with the stable code:
 * `ERR_NOT_LARGER: size 5 <= anchored 7`. Clients match on the prefix, never on the rest.
 * The shared log maths of ../src/core/log throw their own errors (`CheckpointError`,
 * `LogProofError`); {@link fromCoreError} converts them here, once, at the boundary.
 */
import { CheckpointError } from '../../src/core/log/checkpoint-error.js';
import { LogProofError } from '../../src/core/log/log-proof-error.js';

export const ANCHOR_ERROR_CODES = [
  /** An argument or stored value does not parse: note, checkpoint, key, proof, JSON, size. */
  'ERR_MALFORMED',
  /** The note carries no valid signature by the key the rule requires. */
  'ERR_BAD_SIGNATURE',
  /** The checkpoint is not larger than the latest anchored one. */
  'ERR_NOT_LARGER',
  /** The consistency proof does not lead from the anchored root to the new root. */
  'ERR_INCONSISTENT',
  /** No log key is registered for the checkpoint's origin. */
  'ERR_UNKNOWN_ORIGIN',
  /** The origin, kid or key material is already registered. */
  'ERR_ALREADY_REGISTERED',
  /** A rotation note does not restate the latest anchored checkpoint. */
  'ERR_STALE_CHECKPOINT',
  /** The asked-for anchor or signing key does not exist. */
  'ERR_NOT_FOUND',
  /** The signing key is already retired. */
  'ERR_ALREADY_RETIRED',
] as const;

export type AnchorErrorCode = (typeof ANCHOR_ERROR_CODES)[number];

/** Evidence that carries no personal data: sizes, roots, key ids. */
export type AnchorErrorFacts = Readonly<Record<string, string | number>>;

/**
 * @example
 * throw new AnchorError('ERR_NOT_LARGER', 'size 5 <= anchored 7', { size: 5, anchoredSize: 7 });
 */
export class AnchorError extends Error {
  override readonly name = 'AnchorError';
  readonly code: AnchorErrorCode;
  readonly facts: AnchorErrorFacts;

  constructor(code: AnchorErrorCode, detail: string, facts: AnchorErrorFacts = {}) {
    super(`${code}: ${detail}`);
    this.code = code;
    this.facts = facts;
  }
}

/** Shorthand for the most common refusal. */
export function malformed(detail: string): AnchorError {
  return new AnchorError('ERR_MALFORMED', detail);
}

/**
 * The chaincode's error for an error of the shared log maths: a signature that fails or
 * is missing is `ERR_BAD_SIGNATURE`, a proof that does not lead to its roots (or has the
 * wrong length for its sizes) `ERR_INCONSISTENT`, anything else that does not parse
 * `ERR_MALFORMED`. The core's message becomes the detail, its facts stay. Anything else
 * (a bug, not a refusal) is returned unchanged.
 * @example
 * try { openCore(text); } catch (err) { throw fromCoreError(err); }
 */
export function fromCoreError(err: unknown): unknown {
  if (err instanceof CheckpointError) {
    const bad = err.code === 'ERR_NOTE_BAD_SIGNATURE' || err.code === 'ERR_NOTE_UNVERIFIED';
    return new AnchorError(bad ? 'ERR_BAD_SIGNATURE' : 'ERR_MALFORMED', err.message, err.facts);
  }
  if (err instanceof LogProofError) {
    const inconsistent = err.code === 'ERR_ROOT_MISMATCH' || err.code === 'ERR_PROOF_LENGTH';
    return new AnchorError(inconsistent ? 'ERR_INCONSISTENT' : 'ERR_MALFORMED', err.message, err.facts);
  }
  return err;
}

/**
 * Runs a call into the shared core and converts what it throws ({@link fromCoreError}).
 * @example const checkpoint = core(() => parseCoreCheckpoint(text));
 */
export function core<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw fromCoreError(err);
  }
}
