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

export interface Anchor {
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  readonly ledger: { network: string; channel: string; chaincode: string; txId: string; blockNumber: number };
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
  anchors(): Promise<readonly Anchor[]>;
}
