/**
 * The console's queue and ledger figures over any SqlRunner: the review queue from the
 * decisions' figures and their supersessions, the ledger from the checkpoints, the anchor
 * outbox and the anchors. Counts, sizes and times only.
 */
import type { LedgerStatus, OperationsStore, ReviewQueueStatus } from '../../core/operations-status.ts';
import { type SqlRunner, statement } from './sql-runner.ts';

/** @example const operations = createOperationsStore(d1Runner(env.DB)); */
export function createOperationsStore(runner: SqlRunner): OperationsStore {
  return {
    async reviewQueue(): Promise<ReviewQueueStatus> {
      const [row] = await runner.all<{ open: number; oldest: string | null }>(
        statement`SELECT count(*) AS open, min(f.decided_at) AS oldest FROM decision_figures f
          WHERE f.review_required = 1
            AND NOT EXISTS (SELECT 1 FROM supersessions s WHERE s.superseded_id = f.decision_id)`,
      );
      return { open: row?.open ?? 0, ...(row?.oldest ? { oldestSince: row.oldest } : {}) };
    },
    async ledger(): Promise<LedgerStatus> {
      const [checkpoint, outbox, anchor] = await Promise.all([
        runner.all<{ size: number; created_at: string }>(
          statement`SELECT size, created_at FROM log_checkpoints ORDER BY size DESC LIMIT 1`,
        ),
        runner.all<{ pending: number; oldest: string | null }>(
          statement`SELECT count(*) AS pending, min(created_at) AS oldest FROM anchor_outbox WHERE anchored_size IS NULL`,
        ),
        runner.all<{ size: number; anchored_at: string }>(
          statement`SELECT size, anchored_at FROM ledger_anchors ORDER BY size DESC LIMIT 1`,
        ),
      ]);
      const top = checkpoint[0];
      const waiting = outbox[0];
      const last = anchor[0];
      return {
        size: top?.size ?? 0,
        ...(top ? { lastCheckpointAt: top.created_at } : {}),
        pendingAnchors: waiting?.pending ?? 0,
        ...(waiting?.oldest ? { oldestPendingSince: waiting.oldest } : {}),
        ...(last ? { lastAnchor: { size: last.size, anchoredAt: last.anchored_at } } : {}),
      };
    },
  };
}
