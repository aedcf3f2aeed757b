/**
 * tests/vectors/log-proofs.json: vectors of our own for other implementations (the
 * chaincode, auditors' tools) to test against. This test regenerates them from the
 * implementation and requires the file to match; `UPDATE_VECTORS=1` rewrites it.
 * Everything is deterministic (Ed25519 signatures included), so the file is stable.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  inclusionProof,
  noteKeyFromSeed,
  openCheckpoint,
  rootAt,
  signCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/core/log/index.ts';
import { buildMemoryLog, hex, unhex } from './memory-log.ts';
import { ReferenceTree } from './reference-tree.ts';

const FILE = new URL('../../vectors/log-proofs.json', import.meta.url);
const ORIGIN = 'vectors.eligibility-gateway.example/log';
const SEED_TEXT = 'eligibility-gateway log-proofs.json test key';
const SIZE = 21;
const INCLUSION: [number, number][] = [
  [0, 1],
  [0, 21],
  [5, 21],
  [13, 21],
  [20, 21],
  [7, 8],
  [6, 7],
  [3, 13],
];
const CONSISTENCY: [number, number][] = [
  [1, 21],
  [4, 21],
  [7, 21],
  [8, 21],
  [13, 21],
  [20, 21],
  [3, 7],
  [6, 8],
  [21, 21],
];

interface Vectors {
  checkpoints: { size: number; rootHash: string; note: string }[];
  verifierKey: string;
  origin: string;
  leaves: string[];
  inclusion: { leafIndex: number; treeSize: number; leafHash: string; root: string; proof: string[] }[];
  consistency: { size1: number; size2: number; root1: string; root2: string; proof: string[] }[];
}

function generate() {
  const encoder = new TextEncoder();
  const log = buildMemoryLog(SIZE, (i) => encoder.encode(`egw-vector-leaf-${i}`));
  const keys = noteKeyFromSeed(ORIGIN, sha256(encoder.encode(SEED_TEXT)));
  const root = (n: number) => hex(rootAt(n, log.getNode));
  return {
    $comment:
      'Transparency-log vectors produced by src/core/log (RFC 9162 SHA-256 hashing, C2SP signed-note checkpoints). Hashes are hex; leaves are the hex of UTF-8 "egw-vector-leaf-<i>"; roots[n] is the root of the first n leaves. The test key seed is SHA-256 of UTF-8 seedText: a public test key, never to be trusted for anything else. Regenerate with UPDATE_VECTORS=1 npx vitest run tests/unit/log/log-proofs-vectors.test.ts.',
    hashing:
      'RFC 9162: leaf = SHA-256(0x00 || leaf), node = SHA-256(0x01 || left || right), empty = SHA-256("")',
    origin: ORIGIN,
    seedText: SEED_TEXT,
    verifierKey: keys.verifierKey,
    leaves: log.leaves.map(hex),
    leafHashes: log.leafHashes.map(hex),
    roots: Array.from({ length: SIZE + 1 }, (_, n) => root(n)),
    inclusion: INCLUSION.map(([leafIndex, treeSize]) => ({
      leafIndex,
      treeSize,
      leafHash: hex(log.leafHashes[leafIndex] as Uint8Array),
      root: root(treeSize),
      proof: inclusionProof(leafIndex, treeSize, log.getNode).map(hex),
    })),
    consistency: CONSISTENCY.map(([size1, size2]) => ({
      size1,
      size2,
      root1: root(size1),
      root2: root(size2),
      proof: consistencyProof(size1, size2, log.getNode).map(hex),
    })),
    checkpoints: [13, SIZE].map((size) => ({
      size,
      rootHash: root(size),
      note: signCheckpoint({ origin: ORIGIN, size, rootHash: rootAt(size, log.getNode) }, keys.signerKey),
    })),
  };
}

describe('tests/vectors/log-proofs.json', () => {
  const fresh = `${JSON.stringify(generate(), null, 2)}\n`;
  if (process.env.UPDATE_VECTORS === '1') writeFileSync(FILE, fresh);
  const file = readFileSync(FILE, 'utf8');
  const vectors = JSON.parse(file) as Vectors;

  it('is exactly what the implementation produces', () => {
    expect(file).toBe(fresh);
  });

  it('agrees with the naive tree and verifies', () => {
    const ref = new ReferenceTree(vectors.leaves.map((l) => sha256(Uint8Array.of(0, ...unhex(l)))));
    for (const v of vectors.inclusion) {
      expect(v.proof).toEqual(ref.path(v.leafIndex, v.treeSize).map(hex));
      verifyInclusion(unhex(v.leafHash), v.leafIndex, v.treeSize, v.proof.map(unhex), unhex(v.root));
    }
    for (const v of vectors.consistency) {
      expect(v.proof).toEqual(ref.proof(v.size1, v.size2).map(hex));
      verifyConsistency(v.size1, v.size2, v.proof.map(unhex), unhex(v.root1), unhex(v.root2));
    }
    for (const c of vectors.checkpoints) {
      const opened = openCheckpoint(c.note, vectors.verifierKey, { origin: vectors.origin });
      expect({ size: opened.size, root: hex(opened.rootHash) }).toEqual({
        size: c.size,
        root: hex(ref.root(c.size)),
      });
    }
  });
});
