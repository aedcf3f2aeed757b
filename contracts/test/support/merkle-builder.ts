/**
 * A deliberately naive RFC 9162 tree for tests: roots by the recursive definition
 * (§2.1.1) and consistency proofs by SUBPROOF (§2.1.4.1), recomputing everything.
 */
import { sha256 } from '@noble/hashes/sha2.js';

function leafHash(leaf: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(0x00, ...leaf));
}

function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(0x01, ...left, ...right));
}

/** Largest power of two strictly below n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function mth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  if (leaves.length === 1) return leafHash(leaves[0] as Uint8Array);
  const k = split(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

function subproof(m: number, leaves: readonly Uint8Array[], complete: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [mth(leaves)];
  const k = split(n);
  if (m <= k) return [...subproof(m, leaves.slice(0, k), complete), mth(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

/** An append-only list of leaves. */
export class TestLog {
  readonly leaves: Uint8Array[] = [];

  /** Appends `count` leaves `"<tag>-<index>"`. */
  append(count: number, tag = 'leaf'): this {
    for (let i = 0; i < count; i++)
      this.leaves.push(new TextEncoder().encode(`${tag}-${this.leaves.length}`));
    return this;
  }

  get size(): number {
    return this.leaves.length;
  }

  root(size = this.size): Uint8Array {
    return mth(this.leaves.slice(0, size));
  }

  /** Consistency proof from `size1` to `size2` (RFC 9162 PROOF(m, D[n])). */
  consistency(size1: number, size2 = this.size): Uint8Array[] {
    return subproof(size1, this.leaves.slice(0, size2), true);
  }

  /** A copy holding the first `size` leaves, to grow into a fork. */
  fork(size: number): TestLog {
    const copy = new TestLog();
    copy.leaves.push(...this.leaves.slice(0, size));
    return copy;
  }
}
