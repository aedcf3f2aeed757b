/**
 * The SQLite store's read side of the transparency log: the latest checkpoint, proofs,
 * entries and Fabric anchors. Reads never take the sequencer's queue; they see the head the
 * writer last committed, so a proof is never asked of a size the log has not signed.
 */
import { and, asc, gte, lt } from 'drizzle-orm';
import { GatewayError } from '../../core/errors.ts';
import { consistencyProof, inclusionProof } from '../../core/log/proof.ts';
import type { NodeReader } from '../../core/log/tree-nodes.ts';
import type {
  Anchor,
  ConsistencyProof,
  InclusionProof,
  TransparencyLog,
} from '../../core/transparency-log.ts';
import { logLeaves } from '../portable/schema.ts';
import type { Db } from './sqlite-database.ts';

export type SqliteLogReads = Pick<
  TransparencyLog,
  'checkpoint' | 'size' | 'inclusionProof' | 'consistencyProof' | 'entries' | 'anchors'
>;

/**
 * @example
 * const reads = createSqliteLogReads({ db, getNode, head: () => writer.head });
 * const proof = await reads.inclusionProof(3, await reads.size());
 */
export function createSqliteLogReads(options: {
  readonly db: Db;
  readonly getNode: NodeReader;
  /** The committed head; a function because the writer moves it. */
  readonly head: () => { readonly size: number; readonly note: string };
}): SqliteLogReads {
  const { db, getNode, head } = options;
  // Written by the anchor worker (sqlite-anchor-outbox.ts); empty when no ledger is configured.
  const anchorsStmt = db.$client.prepare<
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

  function checkRange(what: string, ok: boolean, message: string): void {
    if (!ok)
      throw new GatewayError('ERR_VALIDATION', `${what} out of range`, {
        errors: [{ path: `/${what}`, message }],
      });
  }

  return {
    async checkpoint() {
      return head().note;
    },
    async size() {
      return head().size;
    },
    async inclusionProof(index, size): Promise<InclusionProof> {
      const treeSize = head().size;
      checkRange(
        'size',
        size >= 1 && size <= treeSize,
        `size must be between 1 and the tree size ${treeSize}`,
      );
      checkRange('index', index < size, 'index must be less than size');
      return { leafIndex: index, treeSize: size, hashes: inclusionProof(index, size, getNode) };
    },
    async consistencyProof(from, to): Promise<ConsistencyProof> {
      const treeSize = head().size;
      checkRange('to', to >= 1 && to <= treeSize, `to must be between 1 and the tree size ${treeSize}`);
      checkRange('from', from >= 1 && from <= to, 'from must be between 1 and to');
      return { from, to, hashes: consistencyProof(from, to, getNode) };
    },
    async entries(start, end) {
      const rows = db
        .select()
        .from(logLeaves)
        .where(and(gte(logLeaves.idx, start), lt(logLeaves.idx, Math.min(end, head().size))))
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
  };
}
