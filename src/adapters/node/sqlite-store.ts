/**
 * The embedded default's store: decisions, access records and the transparency log in one
 * SQLite file. It is the log's single sequencer: commits are queued, and each turn of the
 * event loop integrates everything queued in ONE transaction (group commit: one fsync for
 * many decisions), assigns indices, persists the perfect tree nodes, signs a checkpoint and
 * builds every receipt against it before the transaction ends.
 *
 * This file composes the parts and holds the integrity checks' scheduling; the parts sit
 * beside it: `sqlite-decision-rows.ts` (decision and access rows, idempotency),
 * `sqlite-log-writer.ts` (the write set of one integrating transaction),
 * `sqlite-sequencer.ts` (the group-commit queue), `sqlite-log-reads.ts` (checkpoint, proofs,
 * entries, anchors) and `sqlite-subject-access.ts` (the data tracker and forgetting).
 */

import type { DecisionStore } from '../../core/decision-store.ts';
import { GatewayError } from '../../core/errors.ts';
import type { EventLeaf } from '../../core/leaves.ts';
import type { TransparencyLog } from '../../core/transparency-log.ts';
import type { CheckpointSigner } from '../portable/checkpoint-signer.ts';
import type { Sealer } from '../portable/sealer.ts';
import type { Db } from './sqlite-database.ts';
import { createSqliteDecisionRows } from './sqlite-decision-rows.ts';
import { createSqliteLogIntegrity, type IntegrityReport } from './sqlite-log-integrity.ts';
import { createSqliteLogReads } from './sqlite-log-reads.ts';
import { type AppendedEvent, createSqliteLogWriter } from './sqlite-log-writer.ts';
import { createSqliteSequencer, type SqliteSequencer } from './sqlite-sequencer.ts';
import { createSqliteSubjectAccess } from './sqlite-subject-access.ts';

export type { AppendedEvent } from './sqlite-log-writer.ts';

/** Longest stretch of the background integrity check between two event-loop turns, ms. */
const BACKGROUND_TURN_MS = 5;

export interface SqliteStoreOptions {
  readonly db: Db;
  readonly sealer: Sealer;
  readonly checkpoints: CheckpointSigner;
  readonly clock?: () => Date;
}

export interface SqliteStore extends DecisionStore, TransparencyLog {
  /**
   * Appends a non-decision event leaf (e.g. a connector lifecycle transition) through the
   * same sequencer and group commit as decisions. Resolves once it is durable.
   */
  appendEvent(leaf: Omit<EventLeaf, 'v' | 'kind'>): Promise<AppendedEvent>;
  /** Issue 16: a peer gateway's question, its access leaves and tracker rows, then `event`. */
  appendPeerAccesses: SqliteSequencer['appendPeerAccesses'];
  /**
   * Rehashes every leaf and node and checks every stored checkpoint, now (O(n) time, O(log n)
   * memory); throws ERR_LOG_INTEGRITY with evidence. For `egw audit` and small logs at start-up:
   * creating the store already checked the head in O(log n).
   */
  verifyIntegrity(): IntegrityReport;
  /**
   * The same check, a few milliseconds of chunks per event-loop turn, so the gateway serves meanwhile.
   * On failure the store stops growing (commits reject with ERR_LOG_INTEGRITY) and `healthy()`
   * turns false; the promise rejects with the evidence. Closing the database stops it, and it
   * resolves with the leaves checked so far.
   */
  checkIntegrityInBackground(chunkLeaves?: number): Promise<IntegrityReport>;
  /**
   * Crypto-shredding: forgets a subject's commitment key, so their leaves' commitments can no
   * longer be recomputed, and in the same transaction unlinks the subject's lookup hash from
   * the decision and access rows, so the data tracker no longer lists them either (otherwise
   * it would hand the person-to-log-index link straight back). Leaves, nodes, checkpoints and
   * every proof are untouched. Returns whether anything was known about the subject.
   */
  forgetSubject(idNumber: string): boolean;
  /**
   * For `/readyz`: the database answers a query, and the last integrating transaction (if
   * any since start) committed. A full disk or a lost file shows here before clients notice.
   */
  healthy(): boolean;
  /** Number of integrating transactions so far (group-commit figure for benchmarks). */
  readonly batches: number;
  /** Leaves integrated so far (synchronous, for gauges). */
  readonly treeSize: number;
}

/**
 * @example
 * const store = createSqliteStore({ db: openDatabase(file), sealer, checkpoints });
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { db, sealer, checkpoints } = options;
  const clock = options.clock ?? (() => new Date());
  const client = db.$client;

  // Every statement is prepared before the head is opened, as one closure did it: a schema
  // that lacks a table fails here, before the empty log's first checkpoint is written.
  const integrityChecks = createSqliteLogIntegrity(db, checkpoints);
  const rows = createSqliteDecisionRows(db, sealer);
  const reads = createSqliteLogReads({
    db,
    getNode: integrityChecks.getNode,
    head: () => {
      const { range, note } = writer.head;
      return { size: range.size, note };
    },
  });
  const subjects = createSqliteSubjectAccess(db, sealer);
  const ping = client.prepare('SELECT 1');
  const writer = createSqliteLogWriter({ db, sealer, checkpoints, clock, integrity: integrityChecks, rows });
  const sequencer = createSqliteSequencer({ db, sealer, rows, writer });

  return {
    get batches() {
      return sequencer.batches;
    },
    get treeSize() {
      return writer.head.range.size;
    },
    healthy() {
      if (sequencer.lastCommitFailed || sequencer.integrityFailure) return false;
      try {
        ping.get();
        return true;
      } catch {
        return false;
      }
    },
    origin: checkpoints.origin,
    verifierKey: checkpoints.verifierKey,

    findByIdempotencyKey: rows.findByIdempotencyKey,
    get: rows.get,
    request: rows.request,
    accesses: rows.accesses,
    commit: sequencer.commit,
    appendEvent: sequencer.appendEvent,
    appendPeerAccesses: sequencer.appendPeerAccesses,
    subjectAccess: subjects.subjectAccess,

    checkpoint: reads.checkpoint,
    size: reads.size,
    inclusionProof: reads.inclusionProof,
    consistencyProof: reads.consistencyProof,
    entries: reads.entries,
    anchors: reads.anchors,

    verifyIntegrity() {
      const size = writer.head.range.size;
      const check = integrityChecks.fullCheck(size);
      check.step(size);
      return check.report;
    },

    checkIntegrityInBackground(chunkLeaves = 128) {
      // The size at start: leaves appended meanwhile were hashed by this process as it wrote them.
      const check = integrityChecks.fullCheck(writer.head.range.size);
      return new Promise<IntegrityReport>((resolve, reject) => {
        const turn = () => {
          // Closed under it (the gateway stopped): what was checked so far is the answer.
          if (!client.open) {
            resolve(check.report);
            return;
          }
          try {
            // A turn holds the event loop for a few milliseconds at most, so neither requests nor
            // the rest of a start-up (egw start's token and sample file) wait behind long chunks.
            const until = performance.now() + BACKGROUND_TURN_MS;
            let finished = check.step(chunkLeaves);
            while (!finished && performance.now() < until) finished = check.step(chunkLeaves);
            if (finished) resolve(check.report);
            else setImmediate(turn);
          } catch (error) {
            const failure =
              error instanceof GatewayError
                ? error
                : new GatewayError('ERR_LOG_INTEGRITY', 'the integrity check failed', { cause: error });
            sequencer.halt(failure);
            reject(failure);
          }
        };
        setImmediate(turn);
      });
    },

    forgetSubject: subjects.forgetSubject,
  };
}
