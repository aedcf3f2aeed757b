/**
 * The Worker's DecisionStore and TransparencyLog: reads go straight to D1 from any isolate;
 * every write goes to the one log sequencer (a Durable Object), which commits it as one D1
 * batch. Personal data is sealed here, in the Worker, before it travels to the sequencer.
 */
import { and, eq, inArray, type SQL } from 'drizzle-orm';
import type { Decision, Receipt, VerificationRequest } from '../../../schemas/index.ts';
import type {
  AccessWrite,
  CommitResult,
  DecisionStore,
  DecisionWrite,
  StoredDecision,
} from '../../core/decision-store.ts';
import { GatewayError } from '../../core/errors.ts';
import { unwitnessedSuccession, witnessesSuccession } from '../../core/leaves.ts';
import { assembleProof, planConsistency, planInclusion, planNodes } from '../../core/log/proof.ts';
import type {
  Anchor,
  ConsistencyProof,
  InclusionProof,
  TransparencyLog,
} from '../../core/transparency-log.ts';
import { figureRows } from '../portable/decision-figures.ts';
import { accessRecords, decisions, supersessions } from '../portable/schema.ts';
import type { Sealer } from '../portable/sealer.ts';
import { trackerEntries } from '../portable/subject-access.ts';
import {
  idempotencyKeyHash,
  openAccesses,
  openSealed,
  sealAccesses,
  sealWrite,
} from '../portable/write-sealing.ts';
import {
  type D1Db,
  latestCheckpoint,
  nodeReader,
  readLeaves,
  readLeavesAt,
  readNodes,
} from './d1-log-reads.ts';
import type {
  SequencerAccess,
  SequencerCommit,
  SequencerCommitResult,
  SequencerEvent,
  SequencerEventResult,
  SequencerPeerAccesses,
} from './sequencer-protocol.ts';

/** The sequencer as the Worker reaches it (see `sequencerClient`). */
export interface SequencerClient {
  commit(write: SequencerCommit): Promise<SequencerCommitResult>;
  appendEvent(event: SequencerEvent): Promise<SequencerEventResult>;
  appendPeerAccesses(peer: SequencerPeerAccesses): Promise<SequencerEventResult>;
  /** Makes sure the log exists (the empty log's checkpoint is signed on first start). */
  start(): Promise<number>;
}

export interface D1StoreOptions {
  readonly db: D1Db;
  readonly sealer: Sealer;
  readonly sequencer: SequencerClient;
  readonly origin: string;
  readonly verifierKey: string;
}

export interface D1Store extends DecisionStore, TransparencyLog {
  /** A non-decision event leaf through the same sequencer (connector lifecycle transitions). */
  appendEvent(event: SequencerEvent): Promise<SequencerEventResult>;
  /** Issue 16: a peer gateway's question, its access leaves and tracker rows, then `event`. */
  appendPeerAccesses(
    event: SequencerEvent,
    accesses: { readonly decisionId: string; readonly list: readonly AccessWrite[] },
  ): Promise<SequencerEventResult>;
}

/**
 * @example
 * const store = createD1Store({ db: drizzle(env.DB, { schema }), sealer, sequencer, origin, verifierKey });
 */
export function createD1Store(options: D1StoreOptions): D1Store {
  const { db, sealer, sequencer } = options;

  async function openStored(sealed: string, receipt: Receipt | string): Promise<Decision> {
    const decision = await openSealed<Omit<Decision, 'receipt'>>(sealer, sealed, 'decision');
    return { ...decision, receipt: typeof receipt === 'string' ? (JSON.parse(receipt) as Receipt) : receipt };
  }

  async function findStored(where: SQL | undefined): Promise<StoredDecision | undefined> {
    const [row] = await db
      .select({
        clientId: decisions.clientId,
        requestDigest: decisions.requestDigest,
        sealed: decisions.decisionSealed,
        receipt: decisions.receipt,
      })
      .from(decisions)
      .where(where)
      .limit(1);
    if (!row) return undefined;
    return {
      clientId: row.clientId,
      requestDigest: row.requestDigest,
      decision: await openStored(row.sealed, row.receipt),
    };
  }

  async function commit(write: DecisionWrite): Promise<CommitResult> {
    const sealed = await sealWrite(sealer, write);
    const result = await sequencer.commit({
      clientId: write.clientId,
      idempotencyKey: idempotencyKeyHash(sealer, write.clientId, write.idempotencyKey),
      requestDigest: write.requestDigest,
      decisionId: write.decision.id,
      outcome: write.decision.outcome,
      decidedAt: write.decision.decidedAt,
      policyDigest: write.decision.policy.digest,
      payloadDigest: write.payloadDigest,
      applicant: {
        idNumber: write.request.applicant.idNumber,
        subjectHash: sealer.lookupHash(write.request.applicant.idNumber),
      },
      accesses: sequencerAccesses(sealer, write.accesses, sealed),
      decisionSealed: sealed.decisionSealed,
      requestSealed: sealed.requestSealed,
      ...(write.supersession
        ? {
            supersession: {
              cause: write.supersession.cause,
              supersededId: write.supersession.supersededId,
              supersededLeaf: write.supersession.supersededLeaf,
              reviewerId: write.supersession.reviewerId,
              reasonCode: write.supersession.reasonCode,
              noteSealed: sealed.noteSealed,
              at: write.supersession.at,
            },
          }
        : {}),
      ...(write.decision.reviewRequired === true ? { reviewRequired: true } : {}),
      ...(write.reverification ? { reverification: write.reverification } : {}),
      figures: figureRows(write),
    });
    if (result.status === 'committed')
      return { status: 'committed', decision: { ...write.decision, receipt: result.receipt } };
    if (result.status === 'stored' && result.requestDigest === write.requestDigest)
      return { status: 'replayed', decision: await openStored(result.decisionSealed, result.receipt) };
    return { status: 'conflict' };
  }

  /** The latest checkpoint, creating the empty log's on the very first read. */
  async function latest(): Promise<{ size: number; note: string }> {
    const found = await latestCheckpoint(db);
    if (found) return found;
    await sequencer.start();
    const created = await latestCheckpoint(db);
    if (!created)
      throw new GatewayError('ERR_STORE_UNAVAILABLE', 'the log has no checkpoint', { retryable: true });
    return created;
  }

  function checkRange(what: string, ok: boolean, message: string): void {
    if (!ok)
      throw new GatewayError('ERR_VALIDATION', `${what} out of range`, {
        errors: [{ path: `/${what}`, message }],
      });
  }

  return {
    origin: options.origin,
    verifierKey: options.verifierKey,

    async findByIdempotencyKey(clientId, idempotencyKey) {
      const keyHash = idempotencyKeyHash(sealer, clientId, idempotencyKey);
      return findStored(and(eq(decisions.clientId, clientId), eq(decisions.idempotencyKey, keyHash)));
    },
    async get(id) {
      const found = await findStored(eq(decisions.id, id));
      if (!found) return undefined;
      const [successor] = await db
        .select({ decisionId: supersessions.decisionId, leafIndex: supersessions.leafIndex })
        .from(supersessions)
        .where(eq(supersessions.supersededId, id))
        .limit(1);
      if (!successor) return found;
      // Told only when the log witnesses it: an edited row cannot redirect `supersededBy`.
      const leaf = (await readLeavesAt(db, [successor.leafIndex])).get(successor.leafIndex);
      if (!witnessesSuccession(leaf, id, successor.decisionId))
        throw unwitnessedSuccession(successor.leafIndex);
      return { ...found, supersededBy: successor.decisionId };
    },
    async request(id) {
      const [row] = await db
        .select({ sealed: decisions.requestSealed })
        .from(decisions)
        .where(eq(decisions.id, id))
        .limit(1);
      return row ? openSealed<VerificationRequest>(sealer, row.sealed, 'request') : undefined;
    },
    async accesses(id) {
      const rows = await db
        .select({
          source: accessRecords.source,
          status: accessRecords.status,
          recordsSealed: accessRecords.recordsSealed,
        })
        .from(accessRecords)
        .where(eq(accessRecords.decisionId, id))
        .orderBy(accessRecords.leafIndex);
      return openAccesses(sealer, rows);
    },
    commit,
    appendEvent: (event) => sequencer.appendEvent(event),
    async appendPeerAccesses(event, { decisionId, list }) {
      const accesses = sequencerAccesses(sealer, list, await sealAccesses(sealer, list));
      return sequencer.appendPeerAccesses({ event, decisionId, accesses });
    },

    async subjectAccess(idNumber) {
      const hash = sealer.lookupHash(idNumber);
      const accessRows = await db.select().from(accessRecords).where(eq(accessRecords.subjectHash, hash));
      const decisionRows = await db.select().from(decisions).where(eq(decisions.subjectHash, hash));
      const decisionIds = [...new Set(accessRows.map((a) => a.decisionId))];
      const owners: { id: string; clientId: string; leafIndex: number }[] = [];
      // D1 binds at most 100 parameters per statement.
      for (let i = 0; i < decisionIds.length; i += 90) {
        owners.push(
          ...(await db
            .select({ id: decisions.id, clientId: decisions.clientId, leafIndex: decisions.leafIndex })
            .from(decisions)
            .where(inArray(decisions.id, decisionIds.slice(i, i + 90)))),
        );
      }
      return trackerEntries(sealer, { accessRows, decisionRows, owners }, (indices) =>
        readLeavesAt(db, indices),
      );
    },

    async checkpoint() {
      return (await latest()).note;
    },
    async size() {
      return (await latest()).size;
    },
    async inclusionProof(index, size): Promise<InclusionProof> {
      const treeSize = (await latest()).size;
      checkRange(
        'size',
        size >= 1 && size <= treeSize,
        `size must be between 1 and the tree size ${treeSize}`,
      );
      checkRange('index', index < size, 'index must be less than size');
      const plan = planInclusion(index, size);
      const hashes = assembleProof(plan, nodeReader(await readNodes(db, planNodes(plan))));
      return { leafIndex: index, treeSize: size, hashes };
    },
    async consistencyProof(from, to): Promise<ConsistencyProof> {
      const treeSize = (await latest()).size;
      checkRange('to', to >= 1 && to <= treeSize, `to must be between 1 and the tree size ${treeSize}`);
      checkRange('from', from >= 1 && from <= to, 'from must be between 1 and to');
      const plan = planConsistency(from, to);
      const hashes = assembleProof(plan, nodeReader(await readNodes(db, planNodes(plan))));
      return { from, to, hashes };
    },
    async entries(start, end) {
      const treeSize = (await latest()).size;
      return readLeaves(db, start, Math.min(end, treeSize));
    },
    async anchors(_limit: number): Promise<readonly Anchor[]> {
      // Workers cannot speak gRPC to Fabric: `egw anchor-relay` anchors this log's checkpoints
      // from Node, and the ledger (not this database) is where auditors read those anchors.
      return [];
    },
  };
}

/** Access records as the sequencer takes them: sealed, with the lookup hash of each subject. */
function sequencerAccesses(
  sealer: Sealer,
  list: readonly AccessWrite[],
  sealed: { readonly consentSealed: readonly string[]; readonly recordsSealed: readonly string[] },
): SequencerAccess[] {
  return list.map((a, i) => ({
    source: a.source,
    idNumber: a.idNumber,
    subjectHash: sealer.lookupHash(a.idNumber),
    purpose: a.purpose,
    consentReference: a.consentReference,
    consentSealed: sealed.consentSealed[i] ?? '',
    status: a.status,
    at: a.at,
    recordsSealed: sealed.recordsSealed[i] ?? '',
  }));
}
