/**
 * Addressing of the perfect subtrees that storage keeps. A node (level, index) is the
 * root of the perfect subtree over leaves [index·2^level, (index+1)·2^level); level 0
 * holds leaf hashes. Only perfect nodes are ever stored: the right edge of a tree that
 * is not a power of two is recomputed ("ephemeral") from them.
 */
import { nodeHash } from './rfc9162.ts';

/**
 * Position of a perfect subtree root.
 *
 * @example
 * ```ts
 * const node: NodeId = { level: 2, index: 1 }; // leaves [4, 8)
 * ```
 */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/**
 * A perfect subtree root with its hash, as storage persists it.
 *
 * @example
 * ```ts
 * for (const n of completed) insert.run(n.level, n.index, n.hash); // n: PerfectNode
 * ```
 */
export interface PerfectNode extends NodeId {
  readonly hash: Uint8Array;
}

/**
 * Reads the hash of the perfect subtree at (level, index). Synchronous on purpose:
 * the Node store is better-sqlite3 and proofs are built inside its transactions.
 * It MUST return the stored 32-byte hash and MUST throw (not return a placeholder)
 * when the node is absent.
 *
 * @example
 * ```ts
 * const getNode: NodeReader = (level, index) => stmt.get(level, index).hash;
 * ```
 */
export type NodeReader = (level: number, index: number) => Uint8Array;

/**
 * The perfect subtrees covering [begin, end), largest first, in the layout RFC 9162
 * gives a subtree over that range. Requires `begin` to be a multiple of the largest
 * power of two not above `end - begin` (true of every subtree in the RFC recursion
 * and of every prefix [0, size)).
 *
 * @example
 * ```ts
 * rangeNodes(0, 6); // [{ level: 2, index: 0 }, { level: 1, index: 2 }]
 * ```
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  let width = 1;
  let level = 0;
  while (width * 2 <= end - begin) {
    width *= 2;
    level += 1;
  }
  let pos = begin;
  for (; level >= 0; level--, width /= 2) {
    if (pos + width > end) continue;
    if (pos % width !== 0) throw new RangeError(`range [${begin}, ${end}) is not aligned at ${pos}`);
    nodes.push({ level, index: pos / width });
    pos += width;
  }
  return nodes;
}

/**
 * Hash of the RFC 9162 subtree whose perfect parts (largest first) are `hashes`:
 * `H(h0, H(h1, … H(hn-2, hn-1)))`. The RFC splits at the largest power of two, so the
 * perfect left part is always the left child and the rest nests to the right.
 *
 * @example
 * ```ts
 * const root6 = foldRight([getNode(2, 0), getNode(1, 2)]);
 * ```
 */
export function foldRight(hashes: readonly Uint8Array[]): Uint8Array {
  const last = hashes.at(-1);
  if (last === undefined) throw new RangeError('cannot fold an empty list of hashes');
  let acc = last;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i] as Uint8Array, acc);
  return acc;
}
