/**
 * M6's arithmetic, pure so it is unit-tested: each decision is anchored by the first anchor
 * whose size exceeds its leaf index (anchors cover a prefix of the log), its lag is that
 * anchor's time minus the time the decision's 201 came back, and the transactions counted
 * are the distinct anchors that first covered a measured decision.
 */
import { percentile, summarize } from './stats.ts';

/** A decision as the generator saw it: when its 201 came back (epoch ms) and its leaf. */
export interface CommittedDecision {
  readonly committedAt: number;
  readonly leafIndex: number;
}

/** An anchor as `GET /v1/log/anchors` lists it, its time in epoch ms. */
export interface AnchorPoint {
  readonly size: number;
  readonly anchoredAt: number;
}

export interface AnchorLag {
  /** Lag of each anchored decision, ms, in input order (unanchored ones left out). */
  readonly lagsMs: readonly number[];
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  readonly decisions: number;
  /** Decisions no anchor covers yet. */
  readonly unanchored: number;
  /** Sizes of the anchors that first covered a decision, ascending: one Fabric transaction each. */
  readonly transactions: readonly number[];
}

/**
 * @example
 * anchorLag([{ committedAt: 1000, leafIndex: 4 }], [{ size: 5, anchoredAt: 1300 }]).p50Ms // 300
 */
export function anchorLag(
  decisions: readonly CommittedDecision[],
  anchors: readonly AnchorPoint[],
): AnchorLag {
  const sorted = [...anchors].sort((a, b) => a.size - b.size);
  const lagsMs: number[] = [];
  const used = new Set<number>();
  let unanchored = 0;
  for (const d of decisions) {
    const anchor = firstCovering(sorted, d.leafIndex);
    if (anchor === undefined) {
      unanchored += 1;
      continue;
    }
    lagsMs.push(anchor.anchoredAt - d.committedAt);
    used.add(anchor.size);
  }
  const s = summarize(lagsMs);
  return {
    lagsMs,
    p50Ms: s.p50,
    p95Ms: percentile(lagsMs, 0.95),
    maxMs: s.max,
    decisions: decisions.length,
    unanchored,
    transactions: [...used].sort((a, b) => a - b),
  };
}

/** The smallest anchor with size > leafIndex (binary search over anchors sorted by size). */
function firstCovering(sorted: readonly AnchorPoint[], leafIndex: number): AnchorPoint | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid]?.size ?? 0) > leafIndex) hi = mid;
    else lo = mid + 1;
  }
  return sorted[lo];
}
