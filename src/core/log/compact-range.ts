/**
 * Compact ranges: the perfect subtree roots covering [0, size), largest first. They are
 * all the state an appender needs, so a log restarts by reading popcount(size) nodes
 * instead of rehashing every leaf.
 */
import { emptyRoot, nodeHash } from './rfc9162.ts';
import { foldRight, type NodeId, type NodeReader, type PerfectNode, rangeNodes } from './tree-nodes.ts';

/**
 * The perfect subtree roots covering [0, size), largest (leftmost) first.
 *
 * @example
 * ```ts
 * // size 6 = 4 + 2: the roots of leaves [0, 4) and [4, 6)
 * const range: CompactRange = { size: 6, hashes: [getNode(2, 0), getNode(1, 2)] };
 * ```
 */
export interface CompactRange {
  readonly size: number;
  readonly hashes: readonly Uint8Array[];
}

/**
 * What one append produces.
 *
 * @example
 * ```ts
 * const { range: next, completed }: AppendResult = appendLeaf(range, leafHash(bytes));
 * ```
 */
export interface AppendResult {
  /** The compact range of size + 1. */
  readonly range: CompactRange;
  /**
   * Perfect nodes completed by this leaf, the leaf itself (level 0) first, then each
   * parent it closed. Storage MUST persist all of them in the same write as the leaf,
   * or later proofs will ask for nodes that do not exist.
   */
  readonly completed: readonly PerfectNode[];
}

/**
 * The compact range of the empty tree.
 *
 * @example
 * ```ts
 * let range = EMPTY_COMPACT_RANGE;
 * ```
 */
export const EMPTY_COMPACT_RANGE: CompactRange = Object.freeze({ size: 0, hashes: Object.freeze([]) });

/**
 * Which stored nodes make up the compact range of `size`.
 *
 * @example
 * ```ts
 * compactRangeNodes(7); // [{level:2,index:0},{level:1,index:2},{level:0,index:6}]
 * ```
 */
export function compactRangeNodes(size: number): NodeId[] {
  checkSize(size);
  return rangeNodes(0, size);
}

/**
 * Loads the compact range of `size` from storage (popcount(size) reads).
 *
 * @example
 * ```ts
 * const range = readCompactRange(treeSize, getNode); // at start-up
 * ```
 */
export function readCompactRange(size: number, getNode: NodeReader): CompactRange {
  return { size, hashes: compactRangeNodes(size).map((n) => getNode(n.level, n.index)) };
}

/**
 * Root hash of the tree that a compact range covers (`SHA-256("")` when empty).
 *
 * @example
 * ```ts
 * const root = rootFromCompactRange(range);
 * ```
 */
export function rootFromCompactRange(range: CompactRange): Uint8Array {
  checkShape(range);
  return range.hashes.length === 0 ? emptyRoot() : foldRight(range.hashes);
}

/**
 * Root of the tree of `size` leaves, read from storage: it works for any past size
 * because every perfect node of a prefix is still stored.
 *
 * @example
 * ```ts
 * const oldRoot = rootAt(1000, getNode);
 * ```
 */
export function rootAt(size: number, getNode: NodeReader): Uint8Array {
  return rootFromCompactRange(readCompactRange(size, getNode));
}

/**
 * Appends one leaf hash. Pure: returns the next compact range and the perfect nodes
 * that the leaf completed, for storage to persist; it never reads storage.
 *
 * @example
 * ```ts
 * const { range: next, completed } = appendLeaf(range, leafHash(bytes));
 * for (const n of completed) insertNode.run(n.level, n.index, n.hash);
 * ```
 */
export function appendLeaf(range: CompactRange, leafHash: Uint8Array): AppendResult {
  checkShape(range);
  if (leafHash.length !== 32) throw new RangeError('a leaf hash must be 32 bytes');
  const hashes = range.hashes.slice();
  let hash = leafHash;
  let index = range.size;
  let level = 0;
  const completed: PerfectNode[] = [{ level, index, hash }];
  // Like a binary increment: each trailing 1 bit of the old size is a perfect node of
  // that level waiting for a right sibling of the same width, which we now have.
  let rest = range.size;
  while (rest % 2 === 1) {
    const left = hashes.pop();
    if (left === undefined) throw new RangeError('compact range is shorter than its size implies');
    hash = nodeHash(left, hash);
    level += 1;
    index = Math.floor(index / 2);
    completed.push({ level, index, hash });
    rest = Math.floor(rest / 2);
  }
  hashes.push(hash);
  return { range: { size: range.size + 1, hashes }, completed };
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new RangeError(`size ${size} is not a non-negative safe integer`);
}

function checkShape(range: CompactRange): void {
  checkSize(range.size);
  let ones = 0;
  for (let rest = range.size; rest > 0; rest = Math.floor(rest / 2)) ones += rest % 2;
  if (ones !== range.hashes.length) {
    throw new RangeError(
      `a compact range of size ${range.size} has ${ones} hashes, not ${range.hashes.length}`,
    );
  }
}
