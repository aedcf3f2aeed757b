/**
 * The anchor worker's source on the embedded store: the `anchor_outbox` rows the store writes
 * with each checkpoint, and the `ledger_anchors` the worker confirmed. It shares the store's
 * connection, so its writes interleave with the group commit on one thread.
 */
import type { AnchorSource, ConfirmedAnchor, PendingCheckpoint } from '../../core/anchoring/anchor-worker.ts';
import type { LedgerName } from '../../core/anchoring/ledger-anchor.ts';
import type { TransparencyLog } from '../../core/transparency-log.ts';
import type { Db } from './sqlite-database.ts';

export interface SqliteAnchorOutbox extends AnchorSource {
  /** Checkpoints waiting and the age of the oldest (for gauges). */
  backlog(): { checkpoints: number; oldestSeconds: number };
}

/** @example const outbox = createSqliteAnchorOutbox({ db, log: store, ledger: fabric }); */
export function createSqliteAnchorOutbox(options: {
  readonly db: Db;
  readonly log: TransparencyLog;
  readonly ledger: LedgerName;
  readonly clock?: () => Date;
}): SqliteAnchorOutbox {
  const { log, ledger } = options;
  const client = options.db.$client;
  const clock = options.clock ?? (() => new Date());
  const pendingStmt = client.prepare<[number], { size: number; note: string }>(
    `SELECT o.size AS size, c.note AS note FROM anchor_outbox o JOIN log_checkpoints c ON c.size = o.size
     WHERE o.anchored_size IS NULL AND o.size > ? ORDER BY o.size DESC LIMIT 1`,
  );
  const latestStmt = client.prepare<[], { size: number; note: string }>(
    'SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1',
  );
  const anchoredStmt = client.prepare<[], { size: number | null }>(
    'SELECT max(size) AS size FROM ledger_anchors',
  );
  const insertAnchor = client.prepare(
    `INSERT OR IGNORE INTO ledger_anchors
       (size, root_hash, network, channel, chaincode, tx_id, block_number, anchored_at, checkpoints, leaves)
     VALUES (@size, @rootHash, @network, @channel, @chaincode, @txId, @blockNumber, @anchoredAt, @checkpoints, @leaves)`,
  );
  const countCovered = client.prepare<[number], { n: number }>(
    'SELECT count(*) AS n FROM anchor_outbox WHERE anchored_size IS NULL AND size <= ?',
  );
  const markCovered = client.prepare(
    'UPDATE anchor_outbox SET anchored_size = ? WHERE anchored_size IS NULL AND size <= ?',
  );
  const backlogStmt = client.prepare<[], { n: number; oldest: string | null }>(
    'SELECT count(*) AS n, min(created_at) AS oldest FROM anchor_outbox WHERE anchored_size IS NULL',
  );

  const anchoredSize = () => anchoredStmt.get()?.size ?? 0;

  const record = client.transaction((a: ConfirmedAnchor) => {
    const previous = anchoredSize();
    if (a.size <= previous) return; // already recorded (a reconcile after a crash)
    insertAnchor.run({
      size: a.size,
      rootHash: Buffer.from(a.rootHash),
      network: ledger.network,
      channel: ledger.channel,
      chaincode: ledger.chaincode,
      txId: a.txId,
      blockNumber: a.blockNumber,
      anchoredAt: a.anchoredAt.toISOString(),
      checkpoints: countCovered.get(a.size)?.n ?? 0,
      leaves: a.size - previous,
    });
    markCovered.run(a.size, a.size);
  });

  return {
    origin: log.origin,
    verifierKey: log.verifierKey,
    async pending(): Promise<PendingCheckpoint | undefined> {
      return pendingStmt.get(anchoredSize());
    },
    async latest(): Promise<PendingCheckpoint> {
      const row = latestStmt.get();
      if (!row) throw new Error('the log has no checkpoint');
      return row;
    },
    async anchoredSize() {
      return anchoredSize();
    },
    async consistency(from, to) {
      return (await log.consistencyProof(from, to)).hashes;
    },
    async confirmed(anchor) {
      record(anchor);
    },
    backlog() {
      const row = backlogStmt.get();
      const oldest = row?.oldest ? Date.parse(row.oldest) : undefined;
      return {
        checkpoints: row?.n ?? 0,
        oldestSeconds: oldest === undefined ? 0 : Math.max(0, (clock().getTime() - oldest) / 1000),
      };
    },
  };
}
