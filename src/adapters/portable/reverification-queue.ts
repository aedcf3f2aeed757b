/**
 * The re-verification queue over any SqlRunner (better-sqlite3 on Node, D1 on Workers). Rows
 * are inserted and closed by the decision store's write sets; this module only takes due rows
 * (one UPDATE … RETURNING, so two overlapping Cron runs never take the same row), puts failed
 * ones back, and counts. No personal data: ids, source names, times and error codes.
 */
import type { Source } from '../../../schemas/index.ts';
import type { QueuedReverification } from '../../core/decision-reverification.ts';
import type { ReverificationQueue, ReverificationStatus } from '../../core/reverification-worker.ts';
import { type SqlRunner, statement } from './sql-runner.ts';

interface QueueRow {
  decision_id: string;
  client_id: string;
  sources: string;
  enqueued_at: string;
  not_after: string;
  attempts: number;
}

export interface SqlReverificationQueue extends ReverificationQueue {
  /**
   * Releases every lease: for a runtime that knows it is the only worker (Node holds the data
   * folder's lock), rows a killed process had taken are due again at once, not after the lease.
   */
  releaseLeases(): Promise<void>;
}

/** @example const queue = createReverificationQueue(sqliteRunner(db)); await queue.lease(Date.now(), 25, Date.now() + 300_000); */
export function createReverificationQueue(runner: SqlRunner): SqlReverificationQueue {
  return {
    async releaseLeases() {
      await runner.write([
        statement`UPDATE reverifications SET leased_until = NULL WHERE leased_until IS NOT NULL`,
      ]);
    },
    async lease(now, limit, leaseUntil) {
      const rows = await runner.all<QueueRow>(
        statement`UPDATE reverifications SET leased_until = ${leaseUntil}
          WHERE decision_id IN (
            SELECT decision_id FROM reverifications
            WHERE state = 'pending' AND next_attempt_at <= ${now}
              AND (leased_until IS NULL OR leased_until <= ${now})
            ORDER BY next_attempt_at, decision_id LIMIT ${limit})
          RETURNING decision_id, client_id, sources, enqueued_at, not_after, attempts`,
      );
      return rows
        .map(
          (r): QueuedReverification => ({
            decisionId: r.decision_id,
            clientId: r.client_id,
            sources: JSON.parse(r.sources) as Source[],
            enqueuedAt: r.enqueued_at,
            notAfter: r.not_after,
            attempts: r.attempts,
          }),
        )
        .sort((a, b) => (a.enqueuedAt < b.enqueuedAt ? -1 : a.enqueuedAt > b.enqueuedAt ? 1 : 0));
    },
    async defer(decisionId, { attempts, nextAttemptAt, lastError }) {
      await runner.write([
        statement`UPDATE reverifications
          SET attempts = ${attempts}, next_attempt_at = ${nextAttemptAt}, last_error = ${lastError}, leased_until = NULL
          WHERE decision_id = ${decisionId} AND state = 'pending'`,
      ]);
    },
    async close(decisionId, at) {
      await runner.write([
        statement`UPDATE reverifications SET state = 'done', closed_at = ${at}, leased_until = NULL
          WHERE decision_id = ${decisionId} AND state = 'pending'`,
      ]);
    },
    async expedite(now) {
      await runner.write([
        statement`UPDATE reverifications SET next_attempt_at = ${now}, leased_until = NULL WHERE state = 'pending'`,
      ]);
      const [row] = await runner.all<{ n: number }>(
        statement`SELECT count(*) AS n FROM reverifications WHERE state = 'pending'`,
      );
      return row?.n ?? 0;
    },
    async status(now): Promise<ReverificationStatus> {
      const [counts] = await runner.all<{
        pending: number;
        due: number;
        done: number;
        oldest: string | null;
        next: number | null;
      }>(
        statement`SELECT
            coalesce(sum(state = 'pending'), 0) AS pending,
            coalesce(sum(state = 'pending' AND next_attempt_at <= ${now}), 0) AS due,
            coalesce(sum(state = 'done'), 0) AS done,
            min(CASE WHEN state = 'pending' THEN enqueued_at END) AS oldest,
            min(CASE WHEN state = 'pending' THEN next_attempt_at END) AS next
          FROM reverifications`,
      );
      const errors = await runner.all<{ code: string; n: number }>(
        statement`SELECT last_error AS code, count(*) AS n FROM reverifications
          WHERE state = 'pending' AND last_error IS NOT NULL GROUP BY last_error ORDER BY last_error`,
      );
      return {
        pending: counts?.pending ?? 0,
        due: counts?.due ?? 0,
        done: counts?.done ?? 0,
        ...(counts?.oldest ? { oldestPendingSince: counts.oldest } : {}),
        ...(counts?.next != null ? { nextAttemptAt: new Date(counts.next).toISOString() } : {}),
        lastErrors: Object.fromEntries(errors.map((e) => [e.code, e.n])),
      };
    },
  };
}
