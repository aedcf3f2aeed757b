/**
 * The transparency log's integrity checks on the SQLite file, apart from the writer.
 *
 * - `openHead` is what start-up needs and costs O(log n): the latest checkpoint (one row, one
 *   signature), the compact range of its size (at most log2 n stored nodes), their root against
 *   the signed one, and the highest leaf index. A writer can append from there.
 * - `fullCheck` rehashes every leaf and checks every stored node and every signed checkpoint,
 *   streaming (memory O(log n + chunk)), a chunk of leaves per `step`: run to completion for
 *   `egw audit` and tests, or one step per event-loop turn in the background after start-up.
 *
 * Every failure is ERR_LOG_INTEGRITY naming the first leaf, node (level, index) or checkpoint
 * that differs, with both hashes as evidence.
 */
import { base64 } from '../../core/encoding.ts';
import { GatewayError } from '../../core/errors.ts';
import {
  appendLeaf,
  type CompactRange,
  EMPTY_COMPACT_RANGE,
  readCompactRange,
  rootFromCompactRange,
} from '../../core/log/compact-range.ts';
import { leafHash } from '../../core/log/rfc9162.ts';
import type { NodeReader } from '../../core/log/tree-nodes.ts';
import type { CheckpointSigner } from '../portable/checkpoint-signer.ts';
import type { Db } from './sqlite-database.ts';

/** What a full check covered. */
export interface IntegrityReport {
  /** Leaves rehashed. */
  readonly size: number;
  /** Signed checkpoints checked. */
  readonly checkpoints: number;
}

/** A full check in progress: `step` checks up to `leaves` more leaves; true once finished. */
export interface FullCheck {
  step(leaves: number): boolean;
  readonly report: IntegrityReport;
}

export interface SqliteLogIntegrity {
  /** The stored tree node, or ERR_LOG_INTEGRITY when it is missing. */
  readonly getNode: NodeReader;
  /**
   * The head of the stored log, checked in O(log n); undefined for a log that never signed a
   * checkpoint (and holds no leaf). Throws ERR_LOG_INTEGRITY naming the culprit otherwise.
   */
  openHead(): { range: CompactRange; note: string } | undefined;
  /** A full check of leaves [0, size) and of every checkpoint of at most that size. */
  fullCheck(size: number): FullCheck;
}

/** @example const integrity = createSqliteLogIntegrity(db, checkpoints); const head = integrity.openHead(); */
export function createSqliteLogIntegrity(db: Db, checkpoints: CheckpointSigner): SqliteLogIntegrity {
  const client = db.$client;
  const nodeStmt = client.prepare<[number, number], { hash: Buffer }>(
    'SELECT hash FROM log_nodes WHERE level = ? AND idx = ?',
  );
  const getNode: NodeReader = (level, index) => {
    const row = nodeStmt.get(level, index);
    if (!row)
      throw new GatewayError('ERR_LOG_INTEGRITY', `tree node level ${level}, index ${index} is missing`, {
        facts: { level, index },
      });
    return new Uint8Array(row.hash);
  };
  // Both are O(log n): `idx` and `size` are the tables' integer primary keys.
  const lastLeaf = client.prepare<[], { idx: number | null }>('SELECT max(idx) AS idx FROM log_leaves');
  const latestCheckpoint = client.prepare<[], { size: number; root_hash: Buffer; note: string }>(
    'SELECT size, root_hash, note FROM log_checkpoints ORDER BY size DESC LIMIT 1',
  );
  const leavesFrom = client.prepare<[number, number], { idx: number; leaf: Buffer }>(
    'SELECT idx, leaf FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx',
  );
  const checkpointsFrom = client.prepare<[number, number, number], { size: number; note: string }>(
    'SELECT size, note FROM log_checkpoints WHERE size >= ? AND size <= ? ORDER BY size LIMIT ?',
  );
  const leafAfter = client.prepare<[number], { idx: number }>(
    'SELECT idx FROM log_leaves WHERE idx >= ? ORDER BY idx LIMIT 1',
  );

  function openNote(note: string): { size: number; rootHash: Uint8Array } {
    try {
      return checkpoints.open(note);
    } catch (cause) {
      throw integrity('a stored checkpoint does not carry a valid signature of this log', {}, cause);
    }
  }

  function fullCheck(size: number): FullCheck {
    let check: CompactRange = EMPTY_COMPACT_RANGE;
    let checked = 0;
    let pending: { size: number; note: string }[] = [];
    let nextCheckpointFrom = 0;

    /** Checks every checkpoint of exactly the size rehashed so far (the root only when one exists). */
    function checkpointsAt(): void {
      if (pending.length === 0 && nextCheckpointFrom <= check.size) {
        pending = checkpointsFrom.all(nextCheckpointFrom, size, 256);
        nextCheckpointFrom = (pending.at(-1)?.size ?? size) + 1;
      }
      let root: Uint8Array | undefined;
      while (pending[0] && pending[0].size <= check.size) {
        const cp = pending.shift() ?? { size: -1, note: '' };
        root ??= rootFromCompactRange(check);
        const opened = openNote(cp.note);
        if (cp.size !== check.size || opened.size !== cp.size || !equal(opened.rootHash, root))
          throw integrity(`the signed checkpoint of size ${cp.size} does not match the stored leaves`, {
            size: cp.size,
            checkpointRoot: base64(opened.rootHash),
            recomputedRoot: cp.size === check.size ? base64(root) : 'none',
          });
        checked += 1;
      }
    }

    checkpointsAt();
    return {
      get report() {
        return { size: check.size, checkpoints: checked };
      },
      step(leaves) {
        const end = Math.min(size, check.size + leaves);
        for (const row of leavesFrom.all(check.size, end)) {
          if (row.idx !== check.size)
            throw integrity(`leaf ${check.size} is missing (the next stored leaf is ${row.idx})`, {
              expected: check.size,
              found: row.idx,
            });
          const next = appendLeaf(check, leafHash(new Uint8Array(row.leaf)));
          for (const node of next.completed) {
            const have = nodeStmt.get(node.level, node.index)?.hash;
            if (!have || !equal(new Uint8Array(have), node.hash)) {
              const where = `level ${node.level}, index ${node.index}`;
              throw integrity(
                node.level === 0
                  ? `leaf ${node.index} does not hash to its stored leaf hash (tree node ${where}): the leaf or its hash was altered`
                  : `stored tree node ${where} does not match the hash of its children: the node was altered`,
                {
                  level: node.level,
                  index: node.index,
                  stored: have ? have.toString('base64') : 'missing',
                  recomputed: base64(node.hash),
                },
              );
            }
          }
          check = next.range;
          checkpointsAt();
        }
        if (check.size < end) {
          const found = leafAfter.get(check.size)?.idx;
          throw integrity(
            found === undefined
              ? `leaf ${check.size} is missing (the log should hold ${size})`
              : `leaf ${check.size} is missing (the next stored leaf is ${found})`,
            { expected: check.size, found: found ?? 'none' },
          );
        }
        return check.size >= size;
      },
    };
  }

  function openHead(): { range: CompactRange; note: string } | undefined {
    const size = (lastLeaf.get()?.idx ?? -1) + 1;
    const latest = latestCheckpoint.get();
    if (!latest) {
      if (size !== 0) throw integrity('leaves exist but no checkpoint was ever signed', { size });
      return undefined;
    }
    if (latest.size !== size)
      throw integrity('the latest checkpoint does not cover exactly the stored leaves', {
        checkpointSize: latest.size,
        leaves: size,
      });
    const opened = openNote(latest.note);
    let range: CompactRange;
    try {
      range = readCompactRange(size, getNode);
    } catch (error) {
      fullCheck(size).step(size); // names the altered or missing node when it can
      throw error;
    }
    const root = rootFromCompactRange(range);
    if (
      opened.size !== size ||
      !equal(opened.rootHash, root) ||
      !equal(new Uint8Array(latest.root_hash), root)
    ) {
      fullCheck(size).step(size); // names the altered leaf or node when there is one
      throw integrity('the stored tree does not match the latest signed checkpoint', {
        size,
        checkpointRoot: base64(opened.rootHash),
        treeRoot: base64(root),
      });
    }
    return { range, note: latest.note };
  }

  return { getNode, openHead, fullCheck };
}

function integrity(message: string, facts: Record<string, string | number>, cause?: unknown): GatewayError {
  return new GatewayError('ERR_LOG_INTEGRITY', message, { facts, cause });
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
