/**
 * The asynchronous half of the SQLite store's sequencer: the queue behind group commit.
 * Commits and events wait here, and each turn of the event loop hands everything queued to
 * the writer (`sqlite-log-writer.ts`) in ONE transaction: one fsync for many decisions, and
 * exactly one place that assigns log indices. It also holds what `/readyz` reads: whether the
 * last transaction committed and whether the log was found altered.
 */
import type { AccessWrite, CommitResult, DecisionWrite } from '../../core/decision-store.ts';
import { GatewayError } from '../../core/errors.ts';
import { type EventLeaf, LEAF_VERSION } from '../../core/leaves.ts';
import type { Sealer } from '../portable/sealer.ts';
import { idempotencyKeyHash, sealAccesses, sealWrite } from '../portable/write-sealing.ts';
import type { Db } from './sqlite-database.ts';
import type { SqliteDecisionRows } from './sqlite-decision-rows.ts';
import type {
  AppendedEvent,
  Integrated,
  Pending,
  PendingEvent,
  SqliteLogWriter,
} from './sqlite-log-writer.ts';

export interface SqliteSequencer {
  commit(write: DecisionWrite): Promise<CommitResult>;
  appendEvent(event: Omit<EventLeaf, 'v' | 'kind'>): Promise<AppendedEvent>;
  /**
   * Issue 16: the access leaves and tracker rows of a peer gateway's question, then `event`
   * (which binds them to the signed answer), in one transaction; resolves with the event leaf.
   */
  appendPeerAccesses(
    event: Omit<EventLeaf, 'v' | 'kind'>,
    accesses: { readonly decisionId: string; readonly list: readonly AccessWrite[] },
  ): Promise<AppendedEvent>;
  /** Number of integrating transactions so far. */
  readonly batches: number;
  /** Whether the last integrating transaction (if any since start) failed. */
  readonly lastCommitFailed: boolean;
  /** Set once the log was found altered: from then on every commit rejects with it. */
  readonly integrityFailure: GatewayError | undefined;
  halt(failure: GatewayError): void;
}

/**
 * @example
 * const sequencer = createSqliteSequencer({ db, sealer, rows, writer });
 * const result = await sequencer.commit(write);
 */
export function createSqliteSequencer(options: {
  readonly db: Db;
  readonly sealer: Sealer;
  readonly rows: SqliteDecisionRows;
  readonly writer: SqliteLogWriter;
}): SqliteSequencer {
  const { sealer, rows, writer } = options;
  const client = options.db.$client;
  const queue: Pending[] = [];
  const eventQueue: PendingEvent[] = [];
  let scheduled = false;
  let batches = 0;
  let lastCommitFailed = false;
  /** Set when a background integrity check failed: the log refuses to grow and /readyz fails. */
  let integrityFailure: GatewayError | undefined;

  function schedule(): void {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  function flush(): void {
    scheduled = false;
    const batch = queue.splice(0);
    const events = eventQueue.splice(0);
    if (batch.length === 0 && events.length === 0) return;
    if (integrityFailure) {
      // A log found altered does not grow: nothing new would be provable against it.
      for (const p of [...batch, ...events]) p.reject(integrityFailure);
      return;
    }
    const before = writer.head;
    let results: Integrated[];
    let eventIndices: number[];
    try {
      ({ results, eventIndices } = client.transaction(() => writer.integrate(batch, events))());
      batches += 1;
      lastCommitFailed = false;
    } catch (error) {
      lastCommitFailed = true;
      writer.restore(before);
      const failure =
        error instanceof GatewayError
          ? error
          : new GatewayError('ERR_STORE_UNAVAILABLE', 'could not commit', { retryable: true, cause: error });
      for (const p of [...batch, ...events]) p.reject(failure);
      return;
    }
    const after = writer.head;
    events.forEach((e, i) => {
      e.resolve({ leafIndex: eventIndices[i] ?? -1, treeSize: after.range.size, checkpoint: after.note });
    });
    for (const [i, p] of batch.entries()) {
      const r = results[i];
      const twin = r?.kind === 'twin' ? results[r.of] : undefined;
      if (r?.kind === 'new') p.resolve({ status: 'committed', decision: r.decision });
      else if (twin?.kind === 'new') p.resolve({ status: 'replayed', decision: twin.decision });
      else if (r?.kind !== 'existing' || r.requestDigest !== p.write.requestDigest)
        p.resolve({ status: 'conflict' });
      else
        rows
          .openStored(r.sealed, r.receipt)
          .then((decision) => p.resolve({ status: 'replayed', decision }), p.reject);
    }
  }

  return {
    async commit(write) {
      const sealed = await sealWrite(sealer, write);
      const keyHash = idempotencyKeyHash(sealer, write.clientId, write.idempotencyKey);
      return new Promise<CommitResult>((resolve, reject) => {
        queue.push({ write, sealed, keyHash, resolve, reject });
        schedule();
      });
    },
    appendEvent(event) {
      return new Promise<AppendedEvent>((resolve, reject) => {
        eventQueue.push({ event: { v: LEAF_VERSION, kind: 'event', ...event }, resolve, reject });
        schedule();
      });
    },
    async appendPeerAccesses(event, accesses) {
      const sealed = await sealAccesses(sealer, accesses.list);
      return new Promise<AppendedEvent>((resolve, reject) => {
        eventQueue.push({
          event: { v: LEAF_VERSION, kind: 'event', ...event },
          accesses: { decisionId: accesses.decisionId, list: accesses.list, ...sealed },
          resolve,
          reject,
        });
        schedule();
      });
    },
    get batches() {
      return batches;
    },
    get lastCommitFailed() {
      return lastCommitFailed;
    },
    get integrityFailure() {
      return integrityFailure;
    },
    halt(failure) {
      integrityFailure = failure;
    },
  };
}
