/**
 * The ledger as the log sees it: a place that keeps, for each log origin, a chain of
 * checkpoints each proven consistent with the one before. Implemented on Hyperledger Fabric
 * by `src/adapters/node/fabric-ledger-anchor.ts` against the chaincode in `contracts/`.
 */

/** An anchor as the ledger holds it. Sizes, roots and ids only: no personal data. */
export interface LedgerAnchorRecord {
  readonly origin: string;
  readonly size: number;
  /** Root hash, standard base64, as in the checkpoint. */
  readonly rootHash: string;
  /** The signed checkpoint note exactly as anchored. */
  readonly note: string;
  readonly previousSize: number | null;
  readonly txId: string;
}

/** Where a committed anchor landed. */
export interface AnchorReceipt {
  readonly txId: string;
  readonly blockNumber: number;
}

/** Which ledger, for `/v1/log/anchors` and the auditor's report. */
export interface LedgerName {
  readonly network: string;
  readonly channel: string;
  readonly chaincode: string;
}

/**
 * Why the ledger refused: the chaincode's stable codes (contracts/src/errors.ts), plus
 * `ERR_ENDORSEMENT_POLICY` when the endorsements collected do not satisfy the channel's
 * policy (one organisation alone), and `ERR_TX_INVALID` for any other invalid commit.
 */
export type LedgerRefusalCode =
  | 'ERR_MALFORMED'
  | 'ERR_BAD_SIGNATURE'
  | 'ERR_NOT_LARGER'
  | 'ERR_INCONSISTENT'
  | 'ERR_UNKNOWN_ORIGIN'
  | 'ERR_ALREADY_REGISTERED'
  | 'ERR_STALE_CHECKPOINT'
  | 'ERR_NOT_FOUND'
  | 'ERR_ALREADY_RETIRED'
  | 'ERR_ENDORSEMENT_POLICY'
  | 'ERR_TX_INVALID';

export const LEDGER_REFUSAL_CODES: readonly LedgerRefusalCode[] = [
  'ERR_MALFORMED',
  'ERR_BAD_SIGNATURE',
  'ERR_NOT_LARGER',
  'ERR_INCONSISTENT',
  'ERR_UNKNOWN_ORIGIN',
  'ERR_ALREADY_REGISTERED',
  'ERR_STALE_CHECKPOINT',
  'ERR_NOT_FOUND',
  'ERR_ALREADY_RETIRED',
  'ERR_ENDORSEMENT_POLICY',
  'ERR_TX_INVALID',
];

/**
 * The ledger said no, on purpose: retrying the same call cannot succeed. `detail` is the
 * chaincode's message (sizes and roots, never personal data).
 */
export class LedgerRefusal extends Error {
  override readonly name = 'LedgerRefusal';
  constructor(
    readonly code: LedgerRefusalCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

/**
 * The ledger could not be asked, or its answer is not known (a commit status that never
 * came back). `uncertain` means the transaction may have landed: the caller MUST find out
 * (by query) before it submits again.
 */
export class LedgerUnavailable extends Error {
  override readonly name = 'LedgerUnavailable';
  constructor(
    message: string,
    readonly uncertain: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * - Every call MUST settle by its deadline (the adapter sets one on each gRPC call).
 * - `anchor` MUST resolve only once the transaction committed VALID; it MUST throw
 *   `LedgerRefusal` for an endorsement or validation refusal, and `LedgerUnavailable` (with
 *   `uncertain` when the transaction may still commit) otherwise. It MUST NOT resubmit on its
 *   own after a commit-status failure.
 * - Queries MUST return `undefined` for "nothing there", never throw for it.
 * @example
 * const { txId, blockNumber } = await ledger.anchor(note, proofHashes);
 */
export interface LedgerAnchor extends LedgerName {
  /** The origin's current log key (signed-note verifier form), or undefined if none. */
  logKey(origin: string): Promise<string | undefined>;
  registerLogKey(origin: string, verifierKey: string): Promise<AnchorReceipt>;
  anchor(checkpointNote: string, consistencyProof: readonly Uint8Array[]): Promise<AnchorReceipt>;
  latest(origin: string): Promise<LedgerAnchorRecord | undefined>;
  get(origin: string, size: number): Promise<LedgerAnchorRecord | undefined>;
  /** Anchors with size ≤ `atMost` (all when omitted), newest first, at most `limit`. */
  list(origin: string, atMost?: number, limit?: number): Promise<readonly LedgerAnchorRecord[]>;
  /** The block that holds a transaction (for anchors found by query after a crash). */
  blockOf(txId: string): Promise<number | undefined>;
  close(): void;
}
