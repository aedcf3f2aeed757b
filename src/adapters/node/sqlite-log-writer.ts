/**
 * The synchronous half of the SQLite store's sequencer: what runs inside ONE integrating
 * transaction. It assigns indices, persists the perfect tree nodes, signs the batch's
 * checkpoint, writes its anchor outbox row, and inserts every new decision with a receipt
 * built against that checkpoint. Kept apart from the queue (`sqlite-sequencer.ts`) so the
 * write set can be read in one place: everything here either commits together or not at all.
 */
import { sql } from 'drizzle-orm';
import type { Decision, Receipt } from '../../../schemas/index.ts';
import type { AccessWrite, CommitResult, DecisionWrite } from '../../core/decision-store.ts';
import { base64 } from '../../core/encoding.ts';
import { GatewayError } from '../../core/errors.ts';
import {
  accessLeaf,
  decisionLeaf,
  type EventLeaf,
  type Leaf,
  leafBytes,
  supersessionLeaf,
} from '../../core/leaves.ts';
import {
  appendLeaf,
  type CompactRange,
  readCompactRange,
  rootFromCompactRange,
} from '../../core/log/compact-range.ts';
import { inclusionProof } from '../../core/log/proof.ts';
import { leafHash } from '../../core/log/rfc9162.ts';
import type { NodeReader } from '../../core/log/tree-nodes.ts';
import type { CheckpointSigner } from '../portable/checkpoint-signer.ts';
import { anchorOutbox, logCheckpoints, subjectKeys } from '../portable/schema.ts';
import type { Sealer } from '../portable/sealer.ts';
import type { SealedWrite } from '../portable/write-sealing.ts';
import type { Db } from './sqlite-database.ts';
import type { SqliteDecisionRows } from './sqlite-decision-rows.ts';
import { createSqliteFigureWriter } from './sqlite-figure-writer.ts';
import type { SqliteLogIntegrity } from './sqlite-log-integrity.ts';

/** Where an appended event landed. */
export interface AppendedEvent {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly checkpoint: string;
}

export interface PendingEvent {
  readonly event: EventLeaf;
  /**
   * Registry accesses made for a peer gateway (issue 16): their access leaves and tracker rows
   * go in the same transaction, before the event leaf that binds them to the signed answer.
   */
  readonly accesses?: PeerAccessBatch;
  readonly resolve: (result: AppendedEvent) => void;
  readonly reject: (error: unknown) => void;
}

/** Access records a peer gateway's question caused, under the answer's id, sealed like a decision's. */
export interface PeerAccessBatch {
  readonly decisionId: string;
  readonly list: readonly AccessWrite[];
  readonly consentSealed: readonly string[];
  readonly recordsSealed: readonly string[];
}

export interface Pending {
  readonly write: DecisionWrite;
  readonly sealed: SealedWrite;
  /** The Idempotency-Key as stored: a keyed hash. */
  readonly keyHash: string;
  readonly resolve: (result: CommitResult) => void;
  readonly reject: (error: unknown) => void;
}

export type Integrated =
  | { kind: 'new'; decision: Decision }
  /** The same client and key earlier in the same batch, with the same body. */
  | { kind: 'twin'; of: number }
  | { kind: 'existing'; requestDigest: string; sealed: string; receipt: string }
  | { kind: 'conflict' };

/** The log's head as the writer holds it: restored as a whole when a transaction rolls back. */
export interface LogHead {
  readonly range: CompactRange;
  readonly note: string;
}

export interface SqliteLogWriterOptions {
  readonly db: Db;
  readonly sealer: Sealer;
  readonly checkpoints: CheckpointSigner;
  readonly clock: () => Date;
  readonly integrity: SqliteLogIntegrity;
  readonly rows: SqliteDecisionRows;
}

export interface SqliteLogWriter {
  /** The head after the last committed (or, mid-transaction, integrated) batch. */
  readonly head: LogHead;
  /** Puts the head back after the transaction that moved it rolled back. */
  restore(head: LogHead): void;
  /** MUST run inside a transaction: everything here is synchronous. */
  integrate(
    batch: readonly Pending[],
    events: readonly PendingEvent[],
  ): { results: Integrated[]; eventIndices: number[] };
}

/**
 * Prepares the writer's statements, then opens the log's head (checked in O(log n)), signing
 * the empty log's checkpoint on first use.
 *
 * @example
 * const writer = createSqliteLogWriter({ db, sealer, checkpoints, clock, integrity, rows });
 * const { results } = db.$client.transaction(() => writer.integrate(batch, []))();
 */
export function createSqliteLogWriter(options: SqliteLogWriterOptions): SqliteLogWriter {
  const { db, sealer, checkpoints, clock, integrity, rows } = options;
  const client = db.$client;
  const getNode: NodeReader = integrity.getNode;
  const ph = sql.placeholder;
  const writeFigures = createSqliteFigureWriter(db);
  const insertLeaf = client.prepare('INSERT INTO log_leaves (idx, leaf) VALUES (?, ?)');
  const insertNode = client.prepare('INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)');
  const keyStmt = client.prepare<[string], { key: Buffer }>(
    'SELECT key FROM subject_keys WHERE subject_hash = ?',
  );
  const insertCheckpoint = db
    .insert(logCheckpoints)
    .values({ size: ph('size'), rootHash: ph('rootHash'), note: ph('note'), createdAt: ph('createdAt') })
    .prepare();
  const insertOutbox = db
    .insert(anchorOutbox)
    .values({ size: ph('size'), createdAt: ph('createdAt') })
    .prepare();
  const insertSubjectKey = db
    .insert(subjectKeys)
    .values({ subjectHash: ph('subjectHash'), key: ph('key'), createdAt: ph('createdAt') })
    .prepare();

  let { range, note: latestNote } = load();

  /**
   * Every decision, access and supersession row names the leaf that witnesses it: none may point
   * past the log (rows inserted, or a log cut short, behind the sequencer's back). O(log n) by index.
   */
  function boundToLog(size: number): void {
    for (const table of ['decisions', 'access_records', 'supersessions'] as const) {
      const top = client
        .prepare<[], { top: number | null }>(`SELECT max(leaf_index) AS top FROM ${table}`)
        .get()?.top;
      if (top !== null && top !== undefined && top >= size)
        throw new GatewayError(
          'ERR_LOG_INTEGRITY',
          `a row of ${table} names leaf ${top}, beyond the log of ${size}`,
          {
            facts: { table, leafIndex: top, size },
          },
        );
    }
  }

  /** Start-up: the head of the log, checked in O(log n); the empty log's checkpoint on first use. */
  function load(): LogHead {
    const opened = integrity.openHead();
    boundToLog(opened?.range.size ?? 0);
    if (opened) return { range: opened.range, note: opened.note };
    const r = readCompactRange(0, getNode);
    const note = checkpoints.sign(0, rootFromCompactRange(r));
    db.insert(logCheckpoints)
      .values({
        size: 0,
        rootHash: Buffer.from(rootFromCompactRange(r)),
        note,
        createdAt: clock().toISOString(),
      })
      .run();
    return { range: r, note };
  }

  function subjectKey(hash: string): Uint8Array {
    const found = keyStmt.get(hash);
    if (found) return new Uint8Array(found.key);
    const key = crypto.getRandomValues(new Uint8Array(32));
    insertSubjectKey.run({ subjectHash: hash, key: Buffer.from(key), createdAt: clock().toISOString() });
    return key;
  }

  function append(leaf: Leaf): { index: number; bytes: Uint8Array } {
    const bytes = leafBytes(leaf);
    const index = range.size;
    insertLeaf.run(index, Buffer.from(bytes));
    const next = appendLeaf(range, leafHash(bytes));
    for (const node of next.completed) insertNode.run(node.level, node.index, Buffer.from(node.hash));
    range = next.range;
    return { index, bytes };
  }

  /** Each access's leaf, then its tracker row naming that leaf. */
  function insertAccesses(batch: PeerAccessBatch): void {
    const { decisionId } = batch;
    batch.list.forEach((access, i) => {
      const hash = sealer.lookupHash(access.idNumber);
      const leaf = accessLeaf(subjectKey(hash), { decisionId, ...access });
      rows.insertAccess({
        decisionId,
        subjectHash: hash,
        source: access.source,
        purpose: access.purpose,
        consentReference: batch.consentSealed[i] ?? '',
        status: access.status,
        at: access.at,
        leafIndex: append(leaf).index,
        recordsSealed: batch.recordsSealed[i] ?? '',
      });
    });
  }

  function integrate(
    batch: readonly Pending[],
    events: readonly PendingEvent[],
  ): { results: Integrated[]; eventIndices: number[] } {
    const results: Integrated[] = [];
    const pending: Integrated = { kind: 'conflict' };
    const inBatch = new Map<string, number>();
    // New decisions' rows wait for the batch's checkpoint, so each is inserted once, receipt included.
    const fresh: {
      position: number;
      leaf: { index: number; bytes: Uint8Array };
      pending: Pending;
      subjectHash: string;
      supersessionIndex?: number;
    }[] = [];
    // Decisions superseded earlier in this batch: a second successor is a conflict, not a failed batch.
    const supersededInBatch = new Set<string>();
    for (const p of batch) {
      const { write } = p;
      const key = `${write.clientId}\n${write.idempotencyKey}`;
      const existing = rows.byKeyHash(write.clientId, p.keyHash);
      if (existing) {
        results.push({ kind: 'existing', ...existing });
        continue;
      }
      const twin = inBatch.get(key);
      if (twin !== undefined) {
        results.push(
          batch[twin]?.write.requestDigest === write.requestDigest
            ? { kind: 'twin', of: twin }
            : { kind: 'conflict' },
        );
        continue;
      }
      const superseding = write.supersession;
      if (
        superseding &&
        (supersededInBatch.has(superseding.supersededId) ||
          rows.successorOf(superseding.supersededId) !== undefined)
      ) {
        results.push({ kind: 'conflict' });
        continue;
      }
      if (superseding) supersededInBatch.add(superseding.supersededId);
      inBatch.set(key, results.length);
      const decisionId = write.decision.id;
      insertAccesses({ decisionId, list: write.accesses, ...p.sealed });
      const applicantHash = sealer.lookupHash(write.request.applicant.idNumber);
      const leaf = decisionLeaf(subjectKey(applicantHash), {
        decisionId,
        clientId: write.clientId,
        idNumber: write.request.applicant.idNumber,
        payloadDigest: write.payloadDigest,
        policyDigest: write.decision.policy.digest,
        decidedAt: write.decision.decidedAt,
        accesses: write.accesses.length,
      });
      const decisionAt = append(leaf);
      // The supersession leaf follows its decision leaf, binding both decisions' indices.
      const supersessionIndex = superseding
        ? append(
            supersessionLeaf(subjectKey(applicantHash), {
              cause: superseding.cause,
              supersededId: superseding.supersededId,
              supersededLeaf: superseding.supersededLeaf,
              decisionId,
              decisionLeaf: decisionAt.index,
              reviewerId: superseding.reviewerId,
              reasonCode: superseding.reasonCode,
              at: superseding.at,
            }),
          ).index
        : undefined;
      fresh.push({
        position: results.length,
        leaf: decisionAt,
        pending: p,
        subjectHash: applicantHash,
        ...(supersessionIndex === undefined ? {} : { supersessionIndex }),
      });
      results.push(pending); // replaced below once the checkpoint and receipt exist
    }
    const eventIndices = events.map((e) => {
      if (e.accesses) insertAccesses(e.accesses);
      return append(e.event).index;
    });
    if (fresh.length === 0 && eventIndices.length === 0) return { results, eventIndices };

    const root = rootFromCompactRange(range);
    const note = checkpoints.sign(range.size, root);
    const createdAt = clock().toISOString();
    insertCheckpoint.run({ size: range.size, rootHash: Buffer.from(root), note, createdAt });
    // Same transaction as the checkpoint: a checkpoint is never signed without its anchor row.
    insertOutbox.run({ size: range.size, createdAt });
    latestNote = note;
    for (const { position, leaf, pending: p, subjectHash, supersessionIndex } of fresh) {
      const { write } = p;
      const receipt = receiptFor(leaf, range.size, note);
      rows.insertDecision({
        id: write.decision.id,
        clientId: write.clientId,
        idempotencyKey: p.keyHash,
        requestDigest: write.requestDigest,
        subjectHash,
        outcome: write.decision.outcome,
        decidedAt: write.decision.decidedAt,
        leafIndex: leaf.index,
        receipt: JSON.stringify(receipt),
        decisionSealed: p.sealed.decisionSealed,
        requestSealed: p.sealed.requestSealed,
      });
      writeFigures(write);
      const superseding = write.supersession;
      if (superseding && supersessionIndex !== undefined) {
        rows.insertSupersession({
          supersededId: superseding.supersededId,
          decisionId: write.decision.id,
          leafIndex: supersessionIndex,
          cause: superseding.cause,
          reviewerId: superseding.reviewerId,
          reasonCode: superseding.reasonCode,
          noteSealed: p.sealed.noteSealed,
          createdAt,
          reviewRequired: write.decision.reviewRequired === true ? 1 : 0,
        });
        // A successor, by review or by re-verification, ends the superseded decision's re-verification.
        rows.closeReverification({
          decisionId: superseding.supersededId,
          successorId: write.decision.id,
          closedAt: createdAt,
        });
      }
      if (write.reverification) {
        rows.insertReverification({
          decisionId: write.decision.id,
          clientId: write.clientId,
          sources: JSON.stringify(write.reverification.sources),
          enqueuedAt: write.decision.decidedAt,
          notAfter: write.reverification.notAfter,
          state: 'pending',
          attempts: 0,
          nextAttemptAt: Date.parse(write.decision.decidedAt),
        });
      }
      results[position] = { kind: 'new', decision: { ...write.decision, receipt } };
    }
    return { results, eventIndices };
  }

  function receiptFor(leaf: { index: number; bytes: Uint8Array }, size: number, note: string): Receipt {
    return {
      logOrigin: checkpoints.origin,
      leafIndex: leaf.index,
      leaf: base64(leaf.bytes),
      checkpoint: note,
      inclusionProof: inclusionProof(leaf.index, size, getNode).map((h) => base64(h)),
    };
  }

  return {
    get head() {
      return { range, note: latestNote };
    },
    restore(to) {
      range = to.range;
      latestNote = to.note;
    },
    integrate,
  };
}
