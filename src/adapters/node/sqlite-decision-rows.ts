/**
 * The decision and access rows of the SQLite store: their statements, prepared once, and the
 * reads that open a stored decision. Apart from the sequencer because idempotent look-ups run
 * both inside the integrating transaction and outside it (`findByIdempotencyKey`, `get`), and
 * the sealed columns are opened the same way on both paths.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Decision, Receipt, VerificationRequest } from '../../../schemas/index.ts';
import type { StoredAccess, StoredDecision } from '../../core/decision-store.ts';
import { unwitnessedSuccession, witnessesSuccession } from '../../core/leaves.ts';
import { accessRecords, decisions, reverifications, supersessions } from '../portable/schema.ts';
import type { Sealer } from '../portable/sealer.ts';
import { idempotencyKeyHash, openAccesses, openSealed } from '../portable/write-sealing.ts';
import type { Db } from './sqlite-database.ts';

/** A decision row as the idempotency paths read it: still sealed. */
export interface StoredRow {
  readonly clientId: string;
  readonly requestDigest: string;
  readonly sealed: string;
  readonly receipt: string;
}

export interface SqliteDecisionRows {
  /** By client and the Idempotency-Key as stored (its keyed hash), inside or outside a transaction. */
  byKeyHash(clientId: string, keyHash: string): StoredRow | undefined;
  insertAccess(row: {
    decisionId: string;
    subjectHash: string;
    source: string;
    purpose: string;
    consentReference: string;
    status: string;
    at: string;
    leafIndex: number;
    recordsSealed: string;
  }): void;
  insertDecision(row: {
    id: string;
    clientId: string;
    idempotencyKey: string;
    requestDigest: string;
    subjectHash: string;
    outcome: string;
    decidedAt: string;
    leafIndex: number;
    receipt: string;
    decisionSealed: string;
    requestSealed: string;
  }): void;
  insertSupersession(row: typeof supersessions.$inferInsert): void;
  insertReverification(row: typeof reverifications.$inferInsert): void;
  /** Marks a pending re-verification done: its decision has a successor. */
  closeReverification(row: { decisionId: string; successorId: string; closedAt: string }): void;
  /** A stored decision's accesses, unsealed, the subjects named again from its own request. */
  accesses(id: string): Promise<readonly StoredAccess[]>;
  /** The id of the decision that replaced `id`, inside or outside a transaction. */
  successorOf(id: string): string | undefined;
  /** The request a stored decision answered, unsealed. */
  request(id: string): Promise<VerificationRequest | undefined>;
  /** Unseals a stored decision and joins its receipt back on. */
  openStored(sealed: string, receipt: string): Promise<Decision>;
  findByIdempotencyKey(clientId: string, idempotencyKey: string): Promise<StoredDecision | undefined>;
  get(id: string): Promise<StoredDecision | undefined>;
}

/**
 * @example
 * const rows = createSqliteDecisionRows(db, sealer);
 * const earlier = await rows.findByIdempotencyKey(clientId, key);
 */
export function createSqliteDecisionRows(db: Db, sealer: Sealer): SqliteDecisionRows {
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

  const insertSupersession = db
    .insert(supersessions)
    .values({
      supersededId: ph('supersededId'),
      decisionId: ph('decisionId'),
      leafIndex: ph('leafIndex'),
      cause: ph('cause'),
      reviewerId: ph('reviewerId'),
      reasonCode: ph('reasonCode'),
      noteSealed: ph('noteSealed'),
      createdAt: ph('createdAt'),
      reviewRequired: ph('reviewRequired'),
    })
    .prepare();
  const insertReverification = db
    .insert(reverifications)
    .values({
      decisionId: ph('decisionId'),
      clientId: ph('clientId'),
      sources: ph('sources'),
      enqueuedAt: ph('enqueuedAt'),
      notAfter: ph('notAfter'),
      state: ph('state'),
      attempts: ph('attempts'),
      nextAttemptAt: ph('nextAttemptAt'),
    })
    .prepare();
  const closeReverification = db
    .update(reverifications)
    .set({
      state: 'done',
      successorId: sql`${ph('successorId')}`,
      closedAt: sql`${ph('closedAt')}`,
      leasedUntil: null,
    })
    .where(and(eq(reverifications.decisionId, ph('decisionId')), eq(reverifications.state, 'pending')))
    .prepare();
  const accessesById = db
    .select({
      source: accessRecords.source,
      status: accessRecords.status,
      recordsSealed: accessRecords.recordsSealed,
    })
    .from(accessRecords)
    .where(eq(accessRecords.decisionId, ph('id')))
    .orderBy(accessRecords.leafIndex)
    .prepare();
  const successorById = db
    .select({ decisionId: supersessions.decisionId, leafIndex: supersessions.leafIndex })
    .from(supersessions)
    .where(eq(supersessions.supersededId, ph('id')))
    .prepare();
  const requestById = db
    .select({ sealed: decisions.requestSealed })
    .from(decisions)
    .where(eq(decisions.id, ph('id')))
    .prepare();
  const successorOf = (id: string): string | undefined => successorById.get({ id })?.decisionId;
  const leafAt = db.$client.prepare<[number], { leaf: Buffer }>('SELECT leaf FROM log_leaves WHERE idx = ?');
  /**
   * The successor a reader is told of, checked against the supersession leaf its row names: a
   * row edited behind the log's back is ERR_LOG_INTEGRITY, never a wrong `supersededBy`.
   */
  const witnessedSuccessorOf = (id: string): string | undefined => {
    const row = successorById.get({ id });
    if (!row) return undefined;
    if (!witnessesSuccession(leafAt.get(row.leafIndex)?.leaf, id, row.decisionId))
      throw unwitnessedSuccession(row.leafIndex);
    return row.decisionId;
  };

  async function openStored(sealed: string, receipt: string): Promise<Decision> {
    const decision = await openSealed<Omit<Decision, 'receipt'>>(sealer, sealed, 'decision');
    return { ...decision, receipt: JSON.parse(receipt) as Receipt };
  }

  async function stored(row: StoredRow | undefined, id?: string): Promise<StoredDecision | undefined> {
    if (!row) return undefined;
    const supersededBy = id === undefined ? undefined : witnessedSuccessorOf(id);
    return {
      clientId: row.clientId,
      requestDigest: row.requestDigest,
      decision: await openStored(row.sealed, row.receipt),
      ...(supersededBy === undefined ? {} : { supersededBy }),
    };
  }

  return {
    byKeyHash: (clientId, keyHash) => storedByKey.get({ clientId, idempotencyKey: keyHash }),
    insertAccess: (row) => {
      insertAccess.run(row);
    },
    insertDecision: (row) => {
      insertDecision.run(row);
    },
    insertSupersession: (row) => {
      insertSupersession.run(row);
    },
    insertReverification: (row) => {
      insertReverification.run(row);
    },
    closeReverification: (row) => {
      closeReverification.run(row);
    },
    accesses: (id) => openAccesses(sealer, accessesById.all({ id })),
    successorOf,
    async request(id) {
      const row = requestById.get({ id });
      return row ? openSealed<VerificationRequest>(sealer, row.sealed, 'request') : undefined;
    },
    openStored,
    findByIdempotencyKey: (clientId, idempotencyKey) =>
      stored(
        storedByKey.get({ clientId, idempotencyKey: idempotencyKeyHash(sealer, clientId, idempotencyKey) }),
      ),
    get: (id) => stored(storedById.get({ id }), id),
  };
}
