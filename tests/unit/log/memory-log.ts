/** An in-memory log built with the appender, storing only what it says to persist. */
import {
  appendLeaf,
  type CompactRange,
  EMPTY_COMPACT_RANGE,
  leafHash,
  type NodeReader,
} from '../../../src/core/log/index.ts';

export interface MemoryLog {
  readonly leaves: Uint8Array[];
  readonly leafHashes: Uint8Array[];
  /** Compact range after each size: ranges[n] covers [0, n). */
  readonly ranges: CompactRange[];
  readonly nodes: Map<string, Uint8Array>;
  readonly getNode: NodeReader;
  /** How many times getNode was called. */
  reads: number;
}

export function leafBytes(i: number): Uint8Array {
  return new TextEncoder().encode(`leaf ${i}`);
}

export function buildMemoryLog(size: number, leafOf: (i: number) => Uint8Array = leafBytes): MemoryLog {
  const nodes = new Map<string, Uint8Array>();
  const log: MemoryLog = {
    leaves: [],
    leafHashes: [],
    ranges: [EMPTY_COMPACT_RANGE],
    nodes,
    reads: 0,
    getNode: (level, index) => {
      log.reads += 1;
      const hash = nodes.get(`${level}/${index}`);
      if (hash === undefined) throw new Error(`node ${level}/${index} was never persisted`);
      return hash;
    },
  };
  let range = EMPTY_COMPACT_RANGE;
  for (let i = 0; i < size; i++) {
    const leaf = leafOf(i);
    const hash = leafHash(leaf);
    const { range: next, completed } = appendLeaf(range, hash);
    for (const n of completed) {
      const key = `${n.level}/${n.index}`;
      if (nodes.has(key)) throw new Error(`node ${key} persisted twice`);
      nodes.set(key, n.hash);
    }
    log.leaves.push(leaf);
    log.leafHashes.push(hash);
    log.ranges.push(next);
    range = next;
  }
  return log;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function unhex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
