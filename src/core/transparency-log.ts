/**
 * The read side of the transparency log, as auditors see it. The write side is the
 * DecisionStore's atomic commit, so that a leaf never exists without its decision.
 */
export interface InclusionProof {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly hashes: readonly Uint8Array[];
}

export interface ConsistencyProof {
  readonly from: number;
  readonly to: number;
  readonly hashes: readonly Uint8Array[];
}

/** A checkpoint the ledger holds: where and when it was anchored. */
export interface Anchor {
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly txId: string;
  readonly blockNumber: number;
  /** ISO 8601, when the gateway saw the commit. */
  readonly anchoredAt: string;
  readonly ledger: { readonly network: string; readonly channel: string; readonly chaincode: string };
}

/**
 * - `checkpoint` MUST return the latest signed checkpoint note; every checkpoint it ever returns
 *   MUST be consistent with every later one.
 * - Proof methods MUST throw GatewayError `ERR_VALIDATION` for indices or sizes outside the tree.
 * @example
 * const note = await log.checkpoint();
 */
export interface TransparencyLog {
  readonly origin: string;
  /** The log's verifier key, in signed-note form (`name+hash+key`). */
  readonly verifierKey: string;
  checkpoint(): Promise<string>;
  /** Size of the latest checkpoint. */
  size(): Promise<number>;
  inclusionProof(index: number, size: number): Promise<InclusionProof>;
  consistencyProof(from: number, to: number): Promise<ConsistencyProof>;
  entries(start: number, end: number): Promise<readonly { index: number; leaf: Uint8Array }[]>;
  /** Anchors confirmed on the ledger, newest first, at most `limit`; empty without a ledger. */
  anchors(limit: number): Promise<readonly Anchor[]>;
}
