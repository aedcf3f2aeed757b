/**
 * Building inclusion and consistency proofs from stored perfect nodes, kept apart
 * from storage the way transparency-dev/merkle's `proof` package is: first *plan*
 * which nodes a proof needs (pure arithmetic on sizes), then fetch them, then fold
 * the ones that stand for an ephemeral right-edge node into one hash.
 */
import { LogProofError } from './log-proof-error.ts';
import { foldRight, type NodeId, type NodeReader, rangeNodes } from './tree-nodes.ts';

/**
 * One entry per proof hash, in proof order. An entry with one node is a stored
 * perfect node; an entry with several is an ephemeral node (a right edge that is not
 * a perfect subtree), the fold of those perfect nodes, largest first.
 *
 * @example
 * ```ts
 * const plan: ProofPlan = planInclusion(0, 7); // last entry: [{1,2}, {0,6}], folded into one hash
 * ```
 */
export type ProofPlan = readonly (readonly NodeId[])[];

/**
 * The nodes needed for the inclusion proof of `index` in a tree of `size` leaves
 * (RFC 9162 §2.1.3.1, PATH(m, D[n])).
 *
 * @example
 * ```ts
 * planInclusion(2, 5); // [[{0,3}], [{1,0}], [{0,4}]]
 * ```
 */
export function planInclusion(index: number, size: number): ProofPlan {
  checkCount('index', index);
  checkCount('size', size);
  if (index >= size) {
    throw new LogProofError('ERR_INDEX_OUT_OF_RANGE', `leaf index ${index} is not below tree size ${size}`, {
      index,
      size,
    });
  }
  const plan: NodeId[][] = [];
  path(index, 0, size, plan);
  return plan;
}

/**
 * The nodes needed for the consistency proof from `size1` to `size2` leaves
 * (RFC 9162 §2.1.4.1, PROOF(m, D[n])). Empty when the sizes are equal.
 *
 * @example
 * ```ts
 * planConsistency(6, 8); // [[{1,2}], [{1,3}], [{2,0}]]
 * ```
 */
export function planConsistency(size1: number, size2: number): ProofPlan {
  checkCount('size1', size1);
  checkCount('size2', size2);
  if (size1 > size2) {
    throw new LogProofError('ERR_SIZE_ORDER', `size1 ${size1} is larger than size2 ${size2}`, {
      size1,
      size2,
    });
  }
  if (size1 === 0) {
    throw new LogProofError('ERR_EMPTY_TREE', 'a consistency proof from the empty tree proves nothing', {
      size1,
      size2,
    });
  }
  const plan: NodeId[][] = [];
  if (size1 < size2) subproof(size1, 0, size2, true, plan);
  return plan;
}

/**
 * Every distinct node a plan reads, in first-use order: lets storage fetch them in
 * one query before {@link assembleProof} reads them from a map.
 *
 * @example
 * ```ts
 * const rows = selectNodes(planNodes(plan));
 * ```
 */
export function planNodes(plan: ProofPlan): NodeId[] {
  const seen = new Set<string>();
  const out: NodeId[] = [];
  for (const entry of plan) {
    for (const node of entry) {
      const key = `${node.level}/${node.index}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(node);
      }
    }
  }
  return out;
}

/**
 * Reads a plan's nodes and rehashes its ephemeral entries into the proof.
 *
 * @example
 * ```ts
 * const hashes = assembleProof(planInclusion(i, n), getNode);
 * ```
 */
export function assembleProof(plan: ProofPlan, getNode: NodeReader): Uint8Array[] {
  return plan.map((entry) => foldRight(entry.map((node) => getNode(node.level, node.index))));
}

/**
 * The inclusion proof of leaf `index` in the tree of `size` leaves.
 *
 * @example
 * ```ts
 * const proof = inclusionProof(receipt.leafIndex, checkpoint.size, getNode);
 * ```
 */
export function inclusionProof(index: number, size: number, getNode: NodeReader): Uint8Array[] {
  return assembleProof(planInclusion(index, size), getNode);
}

/**
 * The consistency proof from the tree of `size1` leaves to the tree of `size2` leaves.
 *
 * @example
 * ```ts
 * const proof = consistencyProof(from, to, getNode);
 * ```
 */
export function consistencyProof(size1: number, size2: number, getNode: NodeReader): Uint8Array[] {
  return assembleProof(planConsistency(size1, size2), getNode);
}

// The RFC recursions, on absolute leaf positions: the subtree [lo, hi) splits at the
// largest power of two k < hi - lo; its left half [lo, lo + k) is always perfect.

function path(m: number, lo: number, hi: number, plan: NodeId[][]): void {
  if (hi - lo === 1) return;
  const k = splitPoint(hi - lo);
  if (m < lo + k) {
    path(m, lo, lo + k, plan);
    plan.push(rangeNodes(lo + k, hi));
  } else {
    path(m, lo + k, hi, plan);
    plan.push([perfect(lo, k)]);
  }
}

function subproof(m: number, lo: number, hi: number, complete: boolean, plan: NodeId[][]): void {
  if (m === hi) {
    // The old tree is this very subtree; it is omitted when the verifier already
    // holds its hash (the old root itself).
    if (!complete) plan.push(rangeNodes(lo, hi));
    return;
  }
  const k = splitPoint(hi - lo);
  if (m <= lo + k) {
    subproof(m, lo, lo + k, complete, plan);
    plan.push(rangeNodes(lo + k, hi));
  } else {
    subproof(m, lo + k, hi, false, plan);
    plan.push([perfect(lo, k)]);
  }
}

/** The perfect node over [lo, lo + width), width a power of two dividing lo. */
function perfect(lo: number, width: number): NodeId {
  let level = 0;
  for (let w = width; w > 1; w /= 2) level += 1;
  return { level, index: lo / width };
}

/** Largest power of two strictly below n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new LogProofError('ERR_INVALID_SIZE', `${name} must be a non-negative safe integer`, {
      which: name,
      value: String(value),
    });
  }
}
