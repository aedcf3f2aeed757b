/**
 * Reads of the log tables in D1, shared by the sequencer (Durable Object) and the stateless
 * Worker that serves checkpoints and proofs. Every batch the sequencer writes holds its
 * leaves, nodes and checkpoint together, so whatever these reads see is a consistent prefix.
 */
import { sql } from 'drizzle-orm';
import type { DrizzleD1Database } from 'drizzle-orm/d1';
import { GatewayError } from '../../core/errors.ts';
import type { NodeId, NodeReader } from '../../core/log/tree-nodes.ts';
import type * as schema from '../portable/schema.ts';
import { blobBytes, chunks, valuesList } from './d1-rows.ts';

export type D1Db = DrizzleD1Database<typeof schema>;

/** `level/index`, the key of a node in the maps below. */
export function nodeKey(level: number, index: number): string {
  return `${level}/${index}`;
}

/**
 * Fetches the given perfect nodes (in chunks that fit D1's parameter limit).
 * @example const nodes = await readNodes(db, planNodes(planInclusion(i, n)));
 */
export async function readNodes(db: D1Db, ids: readonly NodeId[]): Promise<Map<string, Uint8Array>> {
  const found = new Map<string, Uint8Array>();
  const wanted = [...new Map(ids.map((n) => [nodeKey(n.level, n.index), n] as const)).values()];
  for (const part of chunks(wanted, 2)) {
    const rows = await db.all<{ level: number; idx: number; hash: unknown }>(
      sql`SELECT level, idx, hash FROM log_nodes WHERE (level, idx) IN (VALUES ${valuesList(
        part.map((n) => [n.level, n.index]),
      )})`,
    );
    for (const r of rows) found.set(nodeKey(r.level, r.idx), blobBytes(r.hash));
  }
  return found;
}

/**
 * A synchronous reader over prefetched nodes, as the core's proof maths wants it; a node
 * that is not there is an integrity failure, never a placeholder.
 * @example const hashes = inclusionProof(i, n, nodeReader(await readNodes(db, ids)));
 */
export function nodeReader(...maps: readonly ReadonlyMap<string, Uint8Array>[]): NodeReader {
  return (level, index) => {
    const key = nodeKey(level, index);
    for (const m of maps) {
      const hash = m.get(key);
      if (hash) return hash;
    }
    throw new GatewayError('ERR_LOG_INTEGRITY', `tree node level ${level}, index ${index} is missing`, {
      facts: { level, index },
    });
  };
}

/** The latest signed checkpoint row, if any. */
export async function latestCheckpoint(
  db: D1Db,
): Promise<{ size: number; rootHash: Uint8Array; note: string } | undefined> {
  const rows = await db.all<{ size: number; root_hash: unknown; note: string }>(
    sql`SELECT size, root_hash, note FROM log_checkpoints ORDER BY size DESC LIMIT 1`,
  );
  const row = rows[0];
  return row ? { size: row.size, rootHash: blobBytes(row.root_hash), note: row.note } : undefined;
}

/** Leaves [start, end) as stored. */
/**
 * The leaves at the given indices (any order, any count), by index.
 * @example const leaves = await readLeavesAt(db, [3, 17]);
 */
export async function readLeavesAt(db: D1Db, indices: readonly number[]): Promise<Map<number, Uint8Array>> {
  const out = new Map<number, Uint8Array>();
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < indices.length; i += 90) {
    const part = indices.slice(i, i + 90);
    const rows = await db.all<{ idx: number; leaf: unknown }>(
      sql`SELECT idx, leaf FROM log_leaves WHERE idx IN (${sql.join(
        part.map((n) => sql`${n}`),
        sql`, `,
      )})`,
    );
    for (const r of rows) out.set(r.idx, blobBytes(r.leaf));
  }
  return out;
}

export async function readLeaves(
  db: D1Db,
  start: number,
  end: number,
): Promise<{ index: number; leaf: Uint8Array }[]> {
  const rows = await db.all<{ idx: number; leaf: unknown }>(
    sql`SELECT idx, leaf FROM log_leaves WHERE idx >= ${start} AND idx < ${end} ORDER BY idx`,
  );
  return rows.map((r) => ({ index: r.idx, leaf: blobBytes(r.leaf) }));
}
