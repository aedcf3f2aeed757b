/**
 * The embedded default's store: decisions, access records and the transparency log in one
 * SQLite file. It is the log's single sequencer: commits are queued, and each turn of the
 * event loop integrates everything queued in ONE transaction (group commit: one fsync for
 * many decisions), assigns indices, persists the perfect tree nodes, signs a checkpoint and
 * builds every receipt against it before the transaction ends.
 */
import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Decision, Receipt } from '../../../schemas/index.ts';
import type {
  CommitResult,
  DecisionStore,
  DecisionWrite,
  StoredDecision,
} from '../../core/decision-store.ts';
import { base64 } from '../../core/encoding.ts';
import { GatewayError } from '../../core/errors.ts';
import {
  accessLeaf,
  decisionLeaf,
  type EventLeaf,
  LEAF_VERSION,
  type Leaf,
  leafBytes,
} from '../../core/leaves.ts';
import {
  appendLeaf,
  type CompactRange,
  readCompactRange,
  rootFromCompactRange,
} from '../../core/log/compact-range.ts';
import { consistencyProof, inclusionProof } from '../../core/log/proof.ts';
import { leafHash } from '../../core/log/rfc9162.ts';
import type { NodeReader } from '../../core/log/tree-nodes.ts';
import type {
  Anchor,
  ConsistencyProof,
  InclusionProof,
  TransparencyLog,
} from '../../core/transparency-log.ts';
import type { CheckpointSigner } from '../portable/checkpoint-signer.ts';
import {
  accessRecords,
  anchorOutbox,
  decisions,
  logCheckpoints,
  logLeaves,
  subjectKeys,
} from '../portable/schema.ts';
import type { Sealer } from '../portable/sealer.ts';
import { trackerEntries } from '../portable/subject-access.ts';
import { idempotencyKeyHash, openSealed, type SealedWrite, sealWrite } from '../portable/write-sealing.ts';
import type { Db } from './sqlite-database.ts';
import { createSqliteLogIntegrity, type IntegrityReport } from './sqlite-log-integrity.ts';

export interface SqliteStoreOptions {
  readonly db: Db;
  readonly sealer: Sealer;
  readonly checkpoints: CheckpointSigner;
  readonly clock?: () => Date;
}

/** Where an appended event landed. */
export interface AppendedEvent {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly checkpoint: string;
}

export interface SqliteStore extends DecisionStore, TransparencyLog {
  /**
   * Appends a non-decision event leaf (e.g. a connector lifecycle transition) through the
   * same sequencer and group commit as decisions. Resolves once it is durable.
   */
  appendEvent(leaf: Omit<EventLeaf, 'v' | 'kind'>): Promise<AppendedEvent>;
  /**
   * Rehashes every leaf and node and checks every stored checkpoint, now (O(n) time, O(log n)
   * memory); throws ERR_LOG_INTEGRITY with evidence. For `egw audit` and small logs at start-up:
   * creating the store already checked the head in O(log n).
   */
  verifyIntegrity(): IntegrityReport;
  /**
   * The same check, a chunk of leaves per event-loop turn, so the gateway serves meanwhile.
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

interface PendingEvent {
  readonly event: EventLeaf;
  readonly resolve: (result: AppendedEvent) => void;
  readonly reject: (error: unknown) => void;
}

interface Pending {
  readonly write: DecisionWrite;
  readonly sealed: SealedWrite;
  /** The Idempotency-Key as stored: a keyed hash. */
  readonly keyHash: string;
  readonly resolve: (result: CommitResult) => void;
  readonly reject: (error: unknown) => void;
}

type Integrated =
  | { kind: 'new'; decision: Decision }
  /** The same client and key earlier in the same batch, with the same body. */
  | { kind: 'twin'; of: number }
  | { kind: 'existing'; requestDigest: string; sealed: string; receipt: string }
  | { kind: 'conflict' };

/**
 * @example
 * const store = createSqliteStore({ db: openDatabase(file), sealer, checkpoints });
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { db, sealer, checkpoints } = options;
  const clock = options.clock ?? (() => new Date());
  const client = db.$client;

  const integrityChecks = createSqliteLogIntegrity(db, checkpoints);
  const getNode: NodeReader = integrityChecks.getNode;
  const insertLeaf = client.prepare('INSERT INTO log_leaves (idx, leaf) VALUES (?, ?)');
  const insertNode = client.prepare('INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)');
  const keyStmt = client.prepare<[string], { key: Buffer }>(
    'SELECT key FROM subject_keys WHERE subject_hash = ?',
  );

  // The write set's statements, prepared once: building and preparing them per decision cost
  // more than the inserts themselves.
  const ph = sql.placeholder;
  const storedColumns = {
    clientId: decisions.clientId,
    requestDigest: decisions.requestDigest,
    sealed: decisions.decisionSealed,
    receipt: decisions.receipt,
  };
  const storedById = db
    .select(storedColumns)
    .from(decisions)
    .where(eq(decisions.id, ph('id')))
    .prepare();
  const storedByKey = db
    .select(storedColumns)
    .from(decisions)
    .where(and(eq(decisions.clientId, ph('clientId')), eq(decisions.idempotencyKey, ph('idempotencyKey'))))
    .prepare();
  const insertAccess = db
    .insert(accessRecords)
    .values({
      decisionId: ph('decisionId'),
      subjectHash: ph('subjectHash'),
      source: ph('source'),
      purpose: ph('purpose'),
      consentReference: ph('consentReference'),
      status: ph('status'),
      at: ph('at'),
      leafIndex: ph('leafIndex'),
      recordsSealed: ph('recordsSealed'),
    })
    .prepare();
  const insertDecision = db
    .insert(decisions)
    .values({
      id: ph('id'),
      clientId: ph('clientId'),
      idempotencyKey: ph('idempotencyKey'),
      requestDigest: ph('requestDigest'),
      subjectHash: ph('subjectHash'),
      outcome: ph('outcome'),
      decidedAt: ph('decidedAt'),
      leafIndex: ph('leafIndex'),
      receipt: ph('receipt'),
      decisionSealed: ph('decisionSealed'),
      requestSealed: ph('requestSealed'),
    })
    .prepare();
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

  // Written by the anchor worker (sqlite-anchor-outbox.ts); empty when no ledger is configured.
  const anchorsStmt = client.prepare<
    [number],
    {
      size: number;
      root_hash: Buffer;
      tx_id: string;
      block_number: number;
      anchored_at: string;
      network: string;
      channel: string;
      chaincode: string;
    }
  >('SELECT * FROM ledger_anchors ORDER BY size DESC LIMIT ?');

  let range: CompactRange;
  let latestNote: string;
  let batches = 0;
  let lastCommitFailed = false;
  const ping = client.prepare('SELECT 1');
  ({ range, latestNote } = load());
  /** Set when a background integrity check failed: the log refuses to grow and /readyz fails. */
  let integrityFailure: GatewayError | undefined;

  /**
   * Every decision and access row names the leaf that witnesses it: none may point past the
   * log (rows inserted, or a log cut short, behind the sequencer's back). O(log n) by index.
   */
  function boundToLog(size: number): void {
    for (const table of ['decisions', 'access_records'] as const) {
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
  function load(): { range: CompactRange; latestNote: string } {
    const head = integrityChecks.openHead();
    boundToLog(head?.range.size ?? 0);
    if (head) return { range: head.range, latestNote: head.note };
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
    return { range: r, latestNote: note };
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

  /** Runs inside the transaction: everything here is synchronous. */
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
    }[] = [];
    for (const p of batch) {
      const { write } = p;
      const key = `${write.clientId}\n${write.idempotencyKey}`;
      const existing = storedByKey.get({ clientId: write.clientId, idempotencyKey: p.keyHash });
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
      inBatch.set(key, results.length);
      const decisionId = write.decision.id;
      write.accesses.forEach((access, i) => {
        const hash = sealer.lookupHash(access.idNumber);
        const leaf = accessLeaf(subjectKey(hash), { decisionId, ...access });
        insertAccess.run({
          decisionId,
          subjectHash: hash,
          source: access.source,
          purpose: access.purpose,
          consentReference: p.sealed.consentSealed[i] ?? '',
          status: access.status,
          at: access.at,
          leafIndex: append(leaf).index,
          recordsSealed: p.sealed.recordsSealed[i] ?? '',
        });
      });
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
      fresh.push({ position: results.length, leaf: append(leaf), pending: p, subjectHash: applicantHash });
      results.push(pending); // replaced below once the checkpoint and receipt exist
    }
    const eventIndices = events.map((e) => append(e.event).index);
    if (fresh.length === 0 && eventIndices.length === 0) return { results, eventIndices };

    const root = rootFromCompactRange(range);
    const note = checkpoints.sign(range.size, root);
    const createdAt = clock().toISOString();
    insertCheckpoint.run({ size: range.size, rootHash: Buffer.from(root), note, createdAt });
    // Same transaction as the checkpoint: a checkpoint is never signed without its anchor row.
    insertOutbox.run({ size: range.size, createdAt });
    latestNote = note;
    for (const { position, leaf, pending: p, subjectHash } of fresh) {
      const { write } = p;
      const receipt = receiptFor(leaf, range.size, note);
      insertDecision.run({
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

  const queue: Pending[] = [];
  const eventQueue: PendingEvent[] = [];
  let scheduled = false;

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
    const before = range;
    const noteBefore = latestNote;
    let results: Integrated[];
    let eventIndices: number[];
    try {
      ({ results, eventIndices } = client.transaction(() => integrate(batch, events))());
      batches += 1;
      lastCommitFailed = false;
    } catch (error) {
      lastCommitFailed = true;
      range = before;
      latestNote = noteBefore;
      const failure =
        error instanceof GatewayError
          ? error
          : new GatewayError('ERR_STORE_UNAVAILABLE', 'could not commit', { retryable: true, cause: error });
      for (const p of [...batch, ...events]) p.reject(failure);
      return;
    }
    events.forEach((e, i) => {
      e.resolve({ leafIndex: eventIndices[i] ?? -1, treeSize: range.size, checkpoint: latestNote });
    });
    for (const [i, p] of batch.entries()) {
      const r = results[i];
      const twin = r?.kind === 'twin' ? results[r.of] : undefined;
      if (r?.kind === 'new') p.resolve({ status: 'committed', decision: r.decision });
      else if (twin?.kind === 'new') p.resolve({ status: 'replayed', decision: twin.decision });
      else if (r?.kind !== 'existing' || r.requestDigest !== p.write.requestDigest)
        p.resolve({ status: 'conflict' });
      else
        openStored(r.sealed, r.receipt).then(
          (decision) => p.resolve({ status: 'replayed', decision }),
          p.reject,
        );
    }
  }

  async function openStored(sealed: string, receipt: string): Promise<Decision> {
    const decision = await openSealed<Omit<Decision, 'receipt'>>(sealer, sealed, 'decision');
    return { ...decision, receipt: JSON.parse(receipt) as Receipt };
  }

  async function commit(write: DecisionWrite): Promise<CommitResult> {
    const sealed = await sealWrite(sealer, write);
    const keyHash = idempotencyKeyHash(sealer, write.clientId, write.idempotencyKey);
    return new Promise<CommitResult>((resolve, reject) => {
      queue.push({ write, sealed, keyHash, resolve, reject });
      schedule();
    });
  }

  function appendEvent(event: Omit<EventLeaf, 'v' | 'kind'>): Promise<AppendedEvent> {
    return new Promise<AppendedEvent>((resolve, reject) => {
      eventQueue.push({ event: { v: LEAF_VERSION, kind: 'event', ...event }, resolve, reject });
      schedule();
    });
  }

  async function stored(
    row: { clientId: string; requestDigest: string; sealed: string; receipt: string } | undefined,
  ): Promise<StoredDecision | undefined> {
    if (!row) return undefined;
    return {
      clientId: row.clientId,
      requestDigest: row.requestDigest,
      decision: await openStored(row.sealed, row.receipt),
    };
  }

  function checkRange(what: string, ok: boolean, message: string): void {
    if (!ok)
      throw new GatewayError('ERR_VALIDATION', `${what} out of range`, {
        errors: [{ path: `/${what}`, message }],
      });
  }

  return {
    get batches() {
      return batches;
    },
    get treeSize() {
      return range.size;
    },
    healthy() {
      if (lastCommitFailed || integrityFailure) return false;
      try {
        ping.get();
        return true;
      } catch {
        return false;
      }
    },
    origin: checkpoints.origin,
    verifierKey: checkpoints.verifierKey,

    findByIdempotencyKey: (clientId, idempotencyKey) =>
      stored(
        storedByKey.get({ clientId, idempotencyKey: idempotencyKeyHash(sealer, clientId, idempotencyKey) }),
      ),
    get: (id) => stored(storedById.get({ id })),
    commit,
    appendEvent,

    async subjectAccess(idNumber) {
      const hash = sealer.lookupHash(idNumber);
      const accessRows = db.select().from(accessRecords).where(eq(accessRecords.subjectHash, hash)).all();
      const decisionRows = db.select().from(decisions).where(eq(decisions.subjectHash, hash)).all();
      const decisionIds = [...new Set(accessRows.map((a) => a.decisionId))];
      const owners =
        decisionIds.length === 0
          ? []
          : db
              .select({ id: decisions.id, clientId: decisions.clientId, leafIndex: decisions.leafIndex })
              .from(decisions)
              .where(inArray(decisions.id, decisionIds))
              .all();
      const readLeaves = async (indices: readonly number[]) =>
        new Map(
          indices.length === 0
            ? []
            : db
                .select()
                .from(logLeaves)
                .where(inArray(logLeaves.idx, [...indices]))
                .all()
                .map((r) => [r.idx, new Uint8Array(r.leaf)] as const),
        );
      return trackerEntries(sealer, { accessRows, decisionRows, owners }, readLeaves);
    },

    async checkpoint() {
      return latestNote;
    },
    async size() {
      return range.size;
    },
    async inclusionProof(index, size): Promise<InclusionProof> {
      checkRange(
        'size',
        size >= 1 && size <= range.size,
        `size must be between 1 and the tree size ${range.size}`,
      );
      checkRange('index', index < size, 'index must be less than size');
      return { leafIndex: index, treeSize: size, hashes: inclusionProof(index, size, getNode) };
    },
    async consistencyProof(from, to): Promise<ConsistencyProof> {
      checkRange('to', to >= 1 && to <= range.size, `to must be between 1 and the tree size ${range.size}`);
      checkRange('from', from >= 1 && from <= to, 'from must be between 1 and to');
      return { from, to, hashes: consistencyProof(from, to, getNode) };
    },
    async entries(start, end) {
      const rows = db
        .select()
        .from(logLeaves)
        .where(and(gte(logLeaves.idx, start), lt(logLeaves.idx, Math.min(end, range.size))))
        .orderBy(asc(logLeaves.idx))
        .all();
      return rows.map((r) => ({ index: r.idx, leaf: new Uint8Array(r.leaf) }));
    },
    async anchors(limit): Promise<readonly Anchor[]> {
      return anchorsStmt.all(limit).map((r) => ({
        size: r.size,
        rootHash: new Uint8Array(r.root_hash),
        txId: r.tx_id,
        blockNumber: r.block_number,
        anchoredAt: r.anchored_at,
        ledger: { network: r.network, channel: r.channel, chaincode: r.chaincode },
      }));
    },

    verifyIntegrity() {
      const check = integrityChecks.fullCheck(range.size);
      check.step(range.size);
      return check.report;
    },

    checkIntegrityInBackground(chunkLeaves = 1024) {
      // The size at start: leaves appended meanwhile were hashed by this process as it wrote them.
      const check = integrityChecks.fullCheck(range.size);
      return new Promise<IntegrityReport>((resolve, reject) => {
        const turn = () => {
          // Closed under it (the gateway stopped): what was checked so far is the answer.
          if (!client.open) {
            resolve(check.report);
            return;
          }
          try {
            if (check.step(chunkLeaves)) resolve(check.report);
            else setImmediate(turn);
          } catch (error) {
            integrityFailure =
              error instanceof GatewayError
                ? error
                : new GatewayError('ERR_LOG_INTEGRITY', 'the integrity check failed', { cause: error });
            reject(integrityFailure);
          }
        };
        setImmediate(turn);
      });
    },

    forgetSubject(idNumber) {
      const hash = sealer.lookupHash(idNumber);
      return client.transaction(() => {
        const keys = db.delete(subjectKeys).where(eq(subjectKeys.subjectHash, hash)).run().changes;
        const accessed = db
          .update(accessRecords)
          .set({ subjectHash: FORGOTTEN })
          .where(eq(accessRecords.subjectHash, hash))
          .run().changes;
        const decided = db
          .update(decisions)
          .set({ subjectHash: FORGOTTEN })
          .where(eq(decisions.subjectHash, hash))
          .run().changes;
        return keys + accessed + decided > 0;
      })();
    },
  };
}

/** A lookup hash is never empty: rows of forgotten subjects match nobody. */
const FORGOTTEN = '';
