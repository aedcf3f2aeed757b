/**
 * The log's single sequencer on Workers, run inside one Durable Object. It mirrors the Node
 * store's group commit (src/adapters/node/sqlite-store.ts): commits queue up while a batch is
 * being written; each batch assigns the next indices, appends access leaves then the decision
 * leaf per decision, persists every perfect node completed, signs one checkpoint over the
 * batch, builds every receipt against that checkpoint, and writes decision rows, access rows,
 * subject keys, leaves, nodes and the checkpoint in ONE `db.batch` (D1's atomic write set).
 * Idempotency: a key already stored, or seen earlier in the same batch, writes nothing.
 *
 * The tree state (compact range, latest checkpoint) is kept in memory and reloaded from D1
 * whenever it may be stale (start, or a batch that failed). D1's primary keys on leaf index
 * and checkpoint size fence out a second writer: a stale instance's batch fails whole.
 */

import type { D1Database } from '@cloudflare/workers-types';
import { and, eq, or, sql } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import type { Receipt } from '../../../schemas/index.ts';
import { base64 } from '../../core/encoding.ts';
import { GatewayError } from '../../core/errors.ts';
import {
  accessLeaf,
  decisionLeaf,
  LEAF_VERSION,
  type Leaf,
  leafBytes,
  supersessionLeaf,
} from '../../core/leaves.ts';
import {
  appendLeaf,
  type CompactRange,
  compactRangeNodes,
  readCompactRange,
  rootFromCompactRange,
} from '../../core/log/compact-range.ts';
import { assembleProof, planInclusion, planNodes } from '../../core/log/proof.ts';
import { leafHash } from '../../core/log/rfc9162.ts';
import type { PerfectNode } from '../../core/log/tree-nodes.ts';
import type { CheckpointSigner } from '../portable/checkpoint-signer.ts';
import { figureStatements } from '../portable/decision-figures.ts';
import { accessRecords, decisions, reverifications, supersessions } from '../portable/schema.ts';
import { type D1Db, latestCheckpoint, nodeKey, nodeReader, readNodes } from './d1-log-reads.ts';
import { blobBytes, blobParam, chunks, insertRows } from './d1-rows.ts';
import type {
  SequencerAccess,
  SequencerCommit,
  SequencerCommitResult,
  SequencerEvent,
  SequencerEventResult,
  SequencerPeerAccesses,
} from './sequencer-protocol.ts';

export interface LogSequencerOptions {
  readonly db: D1Db;
  /** The same database, unwrapped: the write set goes to D1's own `batch`. */
  readonly client: D1Database;
  readonly checkpoints: CheckpointSigner;
  readonly clock?: () => Date;
  /** Most commits integrated in one batch (one D1 write set). Default 100. */
  readonly maxBatch?: number;
}

export interface LogSequencer {
  commit(write: SequencerCommit): Promise<SequencerCommitResult>;
  appendEvent(event: SequencerEvent): Promise<SequencerEventResult>;
  /** Issue 16: a peer's question's access leaves and rows, then its event leaf; resolves with the event's. */
  appendPeerAccesses(peer: SequencerPeerAccesses): Promise<SequencerEventResult>;
  /** Loads (and on an empty log, signs the size-0 checkpoint); resolves to the tree size. */
  start(): Promise<number>;
  /** Batches written so far by this instance (group-commit figure). */
  readonly batches: number;
}

type Pending =
  | {
      readonly kind: 'commit';
      readonly write: SequencerCommit;
      readonly resolve: (r: SequencerCommitResult) => void;
      readonly reject: (e: unknown) => void;
    }
  | {
      readonly kind: 'event';
      readonly event: SequencerEvent;
      readonly peer?: Omit<SequencerPeerAccesses, 'event'>;
      readonly resolve: (r: SequencerEventResult) => void;
      readonly reject: (e: unknown) => void;
    };

interface TreeState {
  range: CompactRange;
  note: string;
}

// Parameters per row, at most (a schema change widens the rows, and the chunks shrink with it).
const ACCESS_COLUMNS = getTableConfig(accessRecords).columns.length;
const DECISION_COLUMNS = getTableConfig(decisions).columns.length;
const SUPERSESSION_COLUMNS = getTableConfig(supersessions).columns.length;
const REVERIFICATION_COLUMNS = getTableConfig(reverifications).columns.length;

/** One statement of the batch, with positional parameters. */
interface BatchStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** @example const sequencer = createLogSequencer({ db: drizzle(env.DB, { schema }), checkpoints }); */
export function createLogSequencer(options: LogSequencerOptions): LogSequencer {
  const { db, client, checkpoints } = options;
  const clock = options.clock ?? (() => new Date());
  const maxBatch = options.maxBatch ?? 100;
  let state: TreeState | undefined;
  let loading: Promise<TreeState> | undefined;
  let batches = 0;
  const queue: Pending[] = [];
  let draining = false;

  function integrity(message: string, facts: Record<string, string | number>, cause?: unknown) {
    return new GatewayError('ERR_LOG_INTEGRITY', message, { facts, cause });
  }

  function openNote(note: string): { size: number; rootHash: Uint8Array } {
    try {
      return checkpoints.open(note);
    } catch (cause) {
      throw integrity('a stored checkpoint does not carry a valid signature of this log', {}, cause);
    }
  }

  async function load(): Promise<TreeState> {
    const latest = await latestCheckpoint(db);
    const maxRows = await db.all<{ n: number | null }>(sql`SELECT max(idx) AS n FROM log_leaves`);
    const maxIdx = maxRows[0]?.n;
    const leaves = maxIdx === null || maxIdx === undefined ? 0 : maxIdx + 1;
    if (!latest) {
      if (leaves !== 0) throw integrity('leaves exist but no checkpoint was ever signed', { size: leaves });
      const range: CompactRange = { size: 0, hashes: [] };
      const root = rootFromCompactRange(range);
      const note = checkpoints.sign(0, root);
      // OR IGNORE: a concurrent first start (another instance) may have written the same row.
      await db.run(
        sql`INSERT OR IGNORE INTO log_checkpoints (size, root_hash, note, created_at) VALUES (0, ${blobParam(root)}, ${note}, ${clock().toISOString()})`,
      );
      const stored = await latestCheckpoint(db);
      return { range, note: stored?.size === 0 ? stored.note : note };
    }
    if (latest.size !== leaves)
      throw integrity('the latest checkpoint does not cover exactly the stored leaves', {
        checkpointSize: latest.size,
        leaves,
      });
    const nodes = await readNodes(db, compactRangeNodes(latest.size));
    const range = readCompactRange(latest.size, nodeReader(nodes));
    const root = rootFromCompactRange(range);
    const opened = openNote(latest.note);
    if (!equal(opened.rootHash, root) || !equal(latest.rootHash, root)) {
      throw integrity('the stored tree does not match the latest signed checkpoint', {
        size: latest.size,
        checkpointRoot: base64(opened.rootHash),
        treeRoot: base64(root),
      });
    }
    return { range, note: latest.note };
  }

  async function current(): Promise<TreeState> {
    if (state) return state;
    loading ??= load().finally(() => {
      loading = undefined;
    });
    state = await loading;
    return state;
  }

  function enqueue(p: Pending): void {
    queue.push(p);
    if (draining) return;
    draining = true;
    void drain();
  }

  async function drain(): Promise<void> {
    try {
      // One turn's worth of arrivals joins the first batch too.
      await Promise.resolve();
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        try {
          await integrate(batch);
          batches += 1;
        } catch (error) {
          // The write set may or may not have landed (a lost reply): reload before the next batch.
          state = undefined;
          const failure =
            error instanceof GatewayError
              ? error
              : new GatewayError('ERR_STORE_UNAVAILABLE', 'could not commit', {
                  retryable: true,
                  cause: error,
                });
          for (const p of batch) p.reject(failure);
        }
      }
    } finally {
      draining = false;
    }
  }

  async function existingFor(
    writes: readonly SequencerCommit[],
  ): Promise<Map<string, { requestDigest: string; decisionSealed: string; receipt: string }>> {
    const found = new Map<string, { requestDigest: string; decisionSealed: string; receipt: string }>();
    const keys = [...new Map(writes.map((w) => [`${w.clientId}\n${w.idempotencyKey}`, w] as const)).values()];
    for (const part of chunks(keys, 2)) {
      const rows = await db
        .select({
          clientId: decisions.clientId,
          idempotencyKey: decisions.idempotencyKey,
          requestDigest: decisions.requestDigest,
          decisionSealed: decisions.decisionSealed,
          receipt: decisions.receipt,
        })
        .from(decisions)
        .where(
          or(
            ...part.map((w) =>
              and(eq(decisions.clientId, w.clientId), eq(decisions.idempotencyKey, w.idempotencyKey)),
            ),
          ),
        );
      for (const r of rows) found.set(`${r.clientId}\n${r.idempotencyKey}`, r);
    }
    return found;
  }

  /** Which of these decisions already have a successor. */
  async function supersededAmong(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const part of chunks([...new Set(ids)], 1)) {
      if (part.length === 0) continue;
      const rows = await db
        .select({ id: supersessions.supersededId })
        .from(supersessions)
        .where(or(...part.map((id) => eq(supersessions.supersededId, id))));
      for (const r of rows) found.add(r.id);
    }
    return found;
  }

  async function subjectKeysFor(hashes: readonly string[]): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    for (const part of chunks([...new Set(hashes)], 1)) {
      const rows = await db.all<{ subject_hash: string; key: unknown }>(
        sql`SELECT subject_hash, key FROM subject_keys WHERE subject_hash IN (${sql.join(
          part.map((h) => sql`${h}`),
          sql`, `,
        )})`,
      );
      for (const r of rows) found.set(r.subject_hash, blobBytes(r.key));
    }
    return found;
  }

  async function integrate(batch: readonly Pending[]): Promise<void> {
    const before = await current();
    const commits = batch.flatMap((p) => (p.kind === 'commit' ? [p] : []));
    const events = batch.flatMap((p) => (p.kind === 'event' ? [p] : []));
    const existing = await existingFor(commits.map((p) => p.write));
    // A decision superseded before, or earlier in this batch: its second successor is a conflict.
    const superseded = await supersededAmong(
      commits.flatMap((p) => (p.write.supersession ? [p.write.supersession.supersededId] : [])),
    );
    const knownKeys = await subjectKeysFor([
      ...commits.flatMap((p) => [
        p.write.applicant.subjectHash,
        ...p.write.accesses.map((a) => a.subjectHash),
      ]),
      ...events.flatMap((p) => p.peer?.accesses.map((a) => a.subjectHash) ?? []),
    ]);
    const newKeys = new Map<string, Uint8Array>();
    const keyOf = (hash: string): Uint8Array => {
      const known = knownKeys.get(hash) ?? newKeys.get(hash);
      if (known) return known;
      const key = crypto.getRandomValues(new Uint8Array(32));
      newKeys.set(hash, key);
      return key;
    };

    let range = before.range;
    const leaves: { index: number; bytes: Uint8Array }[] = [];
    const completed = new Map<string, PerfectNode>();
    const append = (leaf: Leaf): number => {
      const bytes = leafBytes(leaf);
      const index = range.size;
      const next = appendLeaf(range, leafHash(bytes));
      for (const n of next.completed) completed.set(nodeKey(n.level, n.index), n);
      leaves.push({ index, bytes });
      range = next.range;
      return index;
    };

    type Outcome =
      | { kind: 'new'; write: SequencerCommit; leafIndex: number }
      | { kind: 'twin'; of: number }
      | { kind: 'stored'; requestDigest: string; decisionSealed: string; receipt: Receipt }
      | { kind: 'conflict' };
    const outcomes: Outcome[] = [];
    const inBatch = new Map<string, number>();
    const accessRows: (typeof accessRecords.$inferInsert)[] = [];
    const supersessionRows: (typeof supersessions.$inferInsert)[] = [];
    const queueRows: (typeof reverifications.$inferInsert)[] = [];
    const closedRows: { decisionId: string; successorId: string; closedAt: string }[] = [];
    /** Each access's leaf, then its tracker row naming that leaf. */
    const appendAccesses = (decisionId: string, accesses: readonly SequencerAccess[]): void => {
      for (const access of accesses) {
        const leaf = accessLeaf(keyOf(access.subjectHash), { decisionId, ...access });
        accessRows.push({
          decisionId,
          subjectHash: access.subjectHash,
          source: access.source,
          purpose: access.purpose,
          consentReference: access.consentSealed,
          status: access.status,
          at: access.at,
          leafIndex: append(leaf),
          recordsSealed: access.recordsSealed,
        });
      }
    };

    for (const { write } of commits) {
      const key = `${write.clientId}\n${write.idempotencyKey}`;
      const stored = existing.get(key);
      if (stored) {
        outcomes.push({
          kind: 'stored',
          requestDigest: stored.requestDigest,
          decisionSealed: stored.decisionSealed,
          receipt: JSON.parse(stored.receipt) as Receipt,
        });
        continue;
      }
      const twin = inBatch.get(key);
      if (twin !== undefined) {
        const first = outcomes[twin];
        outcomes.push(
          first?.kind === 'new' && first.write.requestDigest === write.requestDigest
            ? { kind: 'twin', of: twin }
            : { kind: 'conflict' },
        );
        continue;
      }
      const superseding = write.supersession;
      if (superseding && superseded.has(superseding.supersededId)) {
        outcomes.push({ kind: 'conflict' });
        continue;
      }
      if (superseding) superseded.add(superseding.supersededId);
      inBatch.set(key, outcomes.length);
      const { decisionId } = write;
      appendAccesses(decisionId, write.accesses);
      const leaf = decisionLeaf(keyOf(write.applicant.subjectHash), {
        decisionId,
        clientId: write.clientId,
        idNumber: write.applicant.idNumber,
        payloadDigest: write.payloadDigest,
        policyDigest: write.policyDigest,
        decidedAt: write.decidedAt,
        accesses: write.accesses.length,
      });
      const leafIndex = append(leaf);
      if (superseding) {
        // Right after its decision leaf, binding both decisions' indices.
        const at = append(
          supersessionLeaf(keyOf(write.applicant.subjectHash), {
            cause: superseding.cause,
            supersededId: superseding.supersededId,
            supersededLeaf: superseding.supersededLeaf,
            decisionId,
            decisionLeaf: leafIndex,
            reviewerId: superseding.reviewerId,
            reasonCode: superseding.reasonCode,
            at: superseding.at,
          }),
        );
        supersessionRows.push({
          supersededId: superseding.supersededId,
          decisionId,
          leafIndex: at,
          cause: superseding.cause,
          reviewerId: superseding.reviewerId,
          reasonCode: superseding.reasonCode,
          noteSealed: superseding.noteSealed,
          createdAt: superseding.at,
          reviewRequired: write.reviewRequired === true ? 1 : 0,
        });
        closedRows.push({
          decisionId: superseding.supersededId,
          successorId: decisionId,
          closedAt: superseding.at,
        });
      }
      if (write.reverification) {
        queueRows.push({
          decisionId,
          clientId: write.clientId,
          sources: JSON.stringify(write.reverification.sources),
          enqueuedAt: write.decidedAt,
          notAfter: write.reverification.notAfter,
          state: 'pending',
          attempts: 0,
          nextAttemptAt: Date.parse(write.decidedAt),
        });
      }
      outcomes.push({ kind: 'new', write, leafIndex });
    }
    const eventIndices = events.map((e) => {
      if (e.peer) appendAccesses(e.peer.decisionId, e.peer.accesses);
      return append({ v: LEAF_VERSION, kind: 'event', ...e.event });
    });

    const statements: BatchStatement[] = [];
    let note = before.note;
    const receipts = new Map<number, Receipt>();
    if (leaves.length > 0) {
      const root = rootFromCompactRange(range);
      note = checkpoints.sign(range.size, root);
      const fresh = outcomes.flatMap((o) => (o.kind === 'new' ? [o.leafIndex] : []));
      const plans = new Map(fresh.map((i) => [i, planInclusion(i, range.size)] as const));
      const batchNodes = new Map([...completed].map(([k, n]) => [k, n.hash] as const));
      const older = [...plans.values()].flatMap((p) =>
        planNodes(p).filter((n) => !batchNodes.has(nodeKey(n.level, n.index))),
      );
      const getNode = nodeReader(batchNodes, await readNodes(db, older));
      const leafBytesOf = new Map(leaves.map((l) => [l.index, l.bytes] as const));
      for (const [index, plan] of plans) {
        receipts.set(index, {
          logOrigin: checkpoints.origin,
          leafIndex: index,
          leaf: base64(leafBytesOf.get(index) ?? new Uint8Array()),
          checkpoint: note,
          inclusionProof: assembleProof(plan, getNode).map((h) => base64(h)),
        });
      }

      const now = clock().toISOString();
      statements.push(
        ...insertRows(
          'subject_keys',
          ['subject_hash', 'key', 'created_at'],
          [...newKeys].map(([hash, key]) => [hash, blobParam(key), now]),
        ),
        ...insertRows(
          'log_leaves',
          ['idx', 'leaf'],
          leaves.map((l) => [l.index, blobParam(l.bytes)]),
        ),
        ...insertRows(
          'log_nodes',
          ['level', 'idx', 'hash'],
          [...completed.values()].map((n) => [n.level, n.index, blobParam(n.hash)]),
        ),
      );
      for (const part of chunks(accessRows, ACCESS_COLUMNS))
        statements.push(db.insert(accessRecords).values(part).toSQL());
      const decisionRows = outcomes.flatMap((o) =>
        o.kind === 'new'
          ? [
              {
                id: o.write.decisionId,
                clientId: o.write.clientId,
                idempotencyKey: o.write.idempotencyKey,
                requestDigest: o.write.requestDigest,
                subjectHash: o.write.applicant.subjectHash,
                outcome: o.write.outcome,
                decidedAt: o.write.decidedAt,
                leafIndex: o.leafIndex,
                receipt: JSON.stringify(receipts.get(o.leafIndex)),
                decisionSealed: o.write.decisionSealed,
                requestSealed: o.write.requestSealed,
              },
            ]
          : [],
      );
      for (const part of chunks(decisionRows, DECISION_COLUMNS))
        statements.push(db.insert(decisions).values(part).toSQL());
      for (const part of chunks(supersessionRows, SUPERSESSION_COLUMNS))
        statements.push(db.insert(supersessions).values(part).toSQL());
      for (const part of chunks(queueRows, REVERIFICATION_COLUMNS))
        statements.push(db.insert(reverifications).values(part).toSQL());
      for (const o of outcomes)
        if (o.kind === 'new' && o.write.figures) statements.push(...figureStatements(o.write.figures));
      // A successor, by review or by re-verification, ends the superseded decision's re-verification.
      for (const closed of closedRows)
        statements.push(
          db
            .update(reverifications)
            .set({
              state: 'done',
              successorId: closed.successorId,
              closedAt: closed.closedAt,
              leasedUntil: null,
            })
            .where(
              and(eq(reverifications.decisionId, closed.decisionId), eq(reverifications.state, 'pending')),
            )
            .toSQL(),
        );
      statements.push(
        ...insertRows(
          'log_checkpoints',
          ['size', 'root_hash', 'note', 'created_at'],
          [[range.size, blobParam(root), note, now]],
        ),
      );
    }
    // ONE atomic write set: D1 runs a batch as a single transaction, all of it or none.
    if (statements.length > 0)
      await client.batch(statements.map((s) => client.prepare(s.sql).bind(...s.params)));
    state = { range, note };

    events.forEach((e, i) => {
      e.resolve({ leafIndex: eventIndices[i] ?? -1, treeSize: range.size, checkpoint: note });
    });
    commits.forEach((p, i) => {
      const o = outcomes[i];
      const twin = o?.kind === 'twin' ? outcomes[o.of] : undefined;
      if (o?.kind === 'new') p.resolve({ status: 'committed', receipt: receiptOf(receipts, o.leafIndex) });
      else if (o?.kind === 'stored') p.resolve({ status: 'stored', ...o });
      else if (twin?.kind === 'new')
        p.resolve({
          status: 'stored',
          requestDigest: twin.write.requestDigest,
          decisionSealed: twin.write.decisionSealed,
          receipt: receiptOf(receipts, twin.leafIndex),
        });
      else p.resolve({ status: 'conflict' });
    });
  }

  return {
    get batches() {
      return batches;
    },
    commit: (write) =>
      new Promise<SequencerCommitResult>((resolve, reject) =>
        enqueue({ kind: 'commit', write, resolve, reject }),
      ),
    appendEvent: (event) =>
      new Promise<SequencerEventResult>((resolve, reject) =>
        enqueue({ kind: 'event', event, resolve, reject }),
      ),
    appendPeerAccesses: ({ event, decisionId, accesses }) =>
      new Promise<SequencerEventResult>((resolve, reject) =>
        enqueue({ kind: 'event', event, peer: { decisionId, accesses }, resolve, reject }),
      ),
    start: async () => (await current()).range.size,
  };
}

function receiptOf(receipts: ReadonlyMap<number, Receipt>, index: number): Receipt {
  const receipt = receipts.get(index);
  if (!receipt)
    throw new GatewayError('ERR_INTERNAL', 'a committed leaf has no receipt', { facts: { index } });
  return receipt;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
