/**
 * The re-verification worker (issue 13): takes due rows from the queue, re-verifies each, and
 * on a registry still unavailable puts the row back with exponential backoff and jitter, never
 * past the window's close (the last attempt is at the close, and then a person decides).
 * Completion needs no step here: the successor's write set closes the row, so a crash between
 * the registry answer and the commit only means the row is taken again.
 */
import type { QueuedReverification, ReverifyResult } from './decision-reverification.ts';
import { GatewayError } from './errors.ts';
import type { Clock } from './ports.ts';

export interface ReverificationStatus {
  readonly pending: number;
  /** Pending rows whose next attempt is due now. */
  readonly due: number;
  readonly done: number;
  /** When the oldest pending row was queued, if any. */
  readonly oldestPendingSince?: string;
  /** The earliest next attempt among pending rows (ISO), if any. */
  readonly nextAttemptAt?: string;
  /** Pending rows by the error code of their last failed attempt. */
  readonly lastErrors: Readonly<Record<string, number>>;
}

/** The queue's storage (SQLite on Node, D1 on Workers). Times are epoch milliseconds. */
export interface ReverificationQueue {
  /** Leases up to `limit` due pending rows until `leaseUntil`, oldest due first, in one statement. */
  lease(now: number, limit: number, leaseUntil: number): Promise<readonly QueuedReverification[]>;
  /** A failed attempt: the row waits until `nextAttemptAt`, lease released. */
  defer(
    decisionId: string,
    update: { attempts: number; nextAttemptAt: number; lastError: string },
  ): Promise<void>;
  /** Closes a row whose decision has a successor already (a review wrote it). */
  close(decisionId: string, at: string): Promise<void>;
  /** Makes every pending row due now and releases leases; returns how many are pending. */
  expedite(now: number): Promise<number>;
  status(now: number): Promise<ReverificationStatus>;
}

export interface ReverificationWorkerOptions {
  readonly queue: ReverificationQueue;
  readonly reverify: (queued: QueuedReverification) => Promise<ReverifyResult>;
  readonly clock: Clock;
  /** Rows per pass. Default 25. */
  readonly batchSize?: number;
  /** How many rows are re-verified at once. Default 4 (each is batch traffic within quotas). */
  readonly concurrency?: number;
  /** How long a taken row is held before another run may take it. Default 5 min. */
  readonly leaseMs?: number;
  /** First retry delay; doubled per attempt. Default 60 s. */
  readonly backoffBaseMs?: number;
  /** Longest retry delay. Default 6 h. */
  readonly backoffMaxMs?: number;
  /** [0, 1): jitter source. Default Math.random. */
  readonly random?: () => number;
  /** Told of every row's result (metrics, logs): codes and counts only. */
  readonly observe?: (result: PassItem) => void;
}

export interface PassItem {
  readonly decisionId: string;
  readonly result: 'superseded' | 'deferred' | 'closed' | 'failed';
  readonly code?: string;
}

export interface PassSummary {
  readonly taken: number;
  readonly superseded: number;
  readonly deferred: number;
  readonly closed: number;
  readonly failed: number;
}

export interface ReverificationWorker {
  /** One pass over the due rows. */
  runOnce(): Promise<PassSummary>;
  /** Passes every `intervalMs` until `stop`. */
  start(intervalMs: number): void;
  /** Stops the loop and waits for the pass in progress. */
  stop(): Promise<void>;
}

/**
 * The delay before attempt `attempts + 1`: base × 2^(attempts−1), capped, with "equal jitter"
 * (half fixed, half random) so rows queued together do not retry together.
 * @example backoffMs(3, 60_000, 21_600_000, () => 0.5) // 180000
 */
export function backoffMs(attempts: number, baseMs: number, maxMs: number, random: () => number): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/** @example const worker = createReverificationWorker({ queue, reverify: service.reverify, clock }); worker.start(30_000); */
export function createReverificationWorker(options: ReverificationWorkerOptions): ReverificationWorker {
  const { queue, clock } = options;
  const batchSize = options.batchSize ?? 25;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const leaseMs = options.leaseMs ?? 300_000;
  const baseMs = options.backoffBaseMs ?? 60_000;
  const maxMs = options.backoffMaxMs ?? 21_600_000;
  const random = options.random ?? Math.random;
  const observe = options.observe ?? (() => {});

  async function one(row: QueuedReverification): Promise<PassItem> {
    let result: ReverifyResult;
    try {
      result = await options.reverify(row);
    } catch (error) {
      // An unexpected failure (store, policy): retried like an unavailable registry, by code only.
      const code = error instanceof GatewayError ? error.code : 'ERR_INTERNAL';
      await defer(row, code);
      return { decisionId: row.decisionId, result: 'failed', code };
    }
    if (result.status === 'superseded') return { decisionId: row.decisionId, result: 'superseded' };
    if (result.status === 'closed') {
      await queue.close(row.decisionId, clock.now().toISOString());
      return { decisionId: row.decisionId, result: 'closed' };
    }
    await defer(row, result.code);
    return { decisionId: row.decisionId, result: 'deferred', code: result.code };
  }

  async function defer(row: QueuedReverification, code: string): Promise<void> {
    const attempts = row.attempts + 1;
    const now = clock.now().getTime();
    const closes = Date.parse(row.notAfter);
    // The last try is at the window's close: that one writes the final decision.
    const nextAttemptAt = Math.min(now + backoffMs(attempts, baseMs, maxMs, random), Math.max(closes, now));
    await queue.defer(row.decisionId, { attempts, nextAttemptAt, lastError: code });
  }

  async function runOnce(): Promise<PassSummary> {
    const now = clock.now().getTime();
    const rows = await queue.lease(now, batchSize, now + leaseMs);
    const items: PassItem[] = [];
    let next = 0;
    const lanes = Array.from({ length: Math.min(concurrency, rows.length) }, async () => {
      for (let i = next++; i < rows.length; i = next++) {
        const row = rows[i];
        if (!row) continue;
        const item = await one(row);
        observe(item);
        items.push(item);
      }
    });
    await Promise.all(lanes);
    const count = (r: PassItem['result']) => items.filter((i) => i.result === r).length;
    return {
      taken: rows.length,
      superseded: count('superseded'),
      deferred: count('deferred'),
      closed: count('closed'),
      failed: count('failed'),
    };
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;
  function schedule(intervalMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce()
        .catch(() => undefined)
        .finally(() => {
          running = undefined;
          schedule(intervalMs);
        });
    }, intervalMs);
    // The loop never holds the process open by itself.
    (timer as { unref?: () => void }).unref?.();
  }

  return {
    runOnce,
    start(intervalMs) {
      if (!stopped) return;
      stopped = false;
      schedule(intervalMs);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/** What operators reach over HTTP (`egw reverify status|run-now`). */
export interface ReverificationOperations {
  status(): Promise<ReverificationStatus>;
  /** Makes every pending row due and runs one pass now. */
  runNow(): Promise<PassSummary & { readonly pending: number }>;
}

/** @example const ops = reverificationOperations(queue, worker, clock); await ops.runNow(); */
export function reverificationOperations(
  queue: ReverificationQueue,
  worker: ReverificationWorker,
  clock: Clock,
): ReverificationOperations {
  return {
    status: () => queue.status(clock.now().getTime()),
    async runNow() {
      const pending = await queue.expedite(clock.now().getTime());
      return { pending, ...(await worker.runOnce()) };
    },
  };
}
