/**
 * What an operator's console reads besides the indicators (issue 15): what waits for a person
 * and whether the ledger keeps up. Counts, sizes and times only.
 */

export interface ReviewQueueStatus {
  /** Decisions flagged reviewRequired that no later decision has replaced yet. */
  readonly open: number;
  /** When the oldest of them was decided, if any. */
  readonly oldestSince?: string;
}

export interface LedgerStatus {
  /** Leaves in the transparency log, as of the latest signed checkpoint. */
  readonly size: number;
  readonly lastCheckpointAt?: string;
  /** Signed checkpoints not yet anchored on the ledger. */
  readonly pendingAnchors: number;
  /** When the oldest of them was signed: the anchor lag starts there. */
  readonly oldestPendingSince?: string;
  readonly lastAnchor?: { readonly size: number; readonly anchoredAt: string };
}

/**
 * - Both reads MUST answer without personal data.
 * @example const { open } = await operations.reviewQueue();
 */
export interface OperationsStore {
  reviewQueue(): Promise<ReviewQueueStatus>;
  ledger(): Promise<LedgerStatus>;
}
