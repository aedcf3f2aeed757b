/**
 * Every inclusion proof and every consistency proof of every tree of 1..300 leaves,
 * built from stored perfect nodes and checked against the naive RFC 9162 tree, then
 * verified by the verifier.
 */
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  consistencyProofSize,
  inclusionProof,
  inclusionProofSize,
  rootAt,
  rootFromCompactRange,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/core/log/index.ts';
import { buildMemoryLog, hex } from './memory-log.ts';
import { ReferenceTree } from './reference-tree.ts';

const MAX = 300;
const log = buildMemoryLog(MAX);
const ref = new ReferenceTree(log.leafHashes);
const join = (hashes: readonly Uint8Array[]) => hashes.map(hex).join(',');

describe(`trees of 1..${MAX} leaves`, () => {
  it('roots from the appender, from stored nodes and from the naive tree agree', () => {
    const bad: number[] = [];
    for (let n = 0; n <= MAX; n++) {
      const want = hex(ref.root(n));
      const range = log.ranges[n];
      if (
        range === undefined ||
        hex(rootFromCompactRange(range)) !== want ||
        hex(rootAt(n, log.getNode)) !== want
      ) {
        bad.push(n);
      }
    }
    expect(bad).toEqual([]);
  });

  it('persists exactly the perfect nodes: 2n - popcount(n) of them', () => {
    let ones = 0;
    for (let v = MAX; v > 0; v = Math.floor(v / 2)) ones += v % 2;
    expect(log.nodes.size).toBe(2 * MAX - ones);
  });

  it('every inclusion proof equals PATH(m, D[n]) and verifies', () => {
    const bad: string[] = [];
    let count = 0;
    for (let n = 1; n <= MAX; n++) {
      const root = ref.root(n);
      for (let m = 0; m < n; m++) {
        const proof = inclusionProof(m, n, log.getNode);
        if (join(proof) !== join(ref.path(m, n)) || proof.length !== inclusionProofSize(m, n))
          bad.push(`${m}/${n}`);
        verifyInclusion(log.leafHashes[m] as Uint8Array, m, n, proof, root);
        count++;
      }
    }
    expect(bad).toEqual([]);
    expect(count).toBe((MAX * (MAX + 1)) / 2);
  });

  it('every consistency proof equals PROOF(m, D[n]) and verifies', () => {
    const bad: string[] = [];
    let count = 0;
    for (let n = 1; n <= MAX; n++) {
      const root2 = ref.root(n);
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(m, n, log.getNode);
        if (join(proof) !== join(ref.proof(m, n)) || proof.length !== consistencyProofSize(m, n)) {
          bad.push(`${m}->${n}`);
        }
        verifyConsistency(m, n, proof, ref.root(m), root2);
        count++;
      }
    }
    expect(bad).toEqual([]);
    expect(count).toBe((MAX * (MAX + 1)) / 2);
  });
});
