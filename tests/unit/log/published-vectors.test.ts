/**
 * The published RFC 6962 reference tree (Certificate Transparency, transparency-dev/merkle)
 * and transparency-dev/merkle's probe files, kept as data in tests/vectors/.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  emptyRoot,
  inclusionProof,
  LogProofError,
  leafHash,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/core/log/index.ts';
import { buildMemoryLog, hex, unhex } from './memory-log.ts';

interface Reference {
  leaves: string[];
  nodeHashes: string[][];
  roots: string[];
  inclusion: { leafIndex: number; treeSize: number; proof: string[] }[];
  consistency: { size1: number; size2: number; proof: string[] }[];
}
interface InclusionProbe {
  file: string;
  wantErr: boolean;
  leafIndex: string;
  treeSize: string;
  leafHash: string;
  root: string;
  proof: string[];
}
interface ConsistencyProbe {
  file: string;
  wantErr: boolean;
  size1: string;
  size2: string;
  root1: string;
  root2: string;
  proof: string[];
}

const load = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../vectors/${name}`, import.meta.url), 'utf8')) as T;
const reference = load<Reference>('rfc6962-reference.json');
const probes = load<{ inclusion: InclusionProbe[]; consistency: ConsistencyProbe[] }>(
  'transparency-dev-probes.json',
);

const leaves = reference.leaves.map(unhex);
const log = buildMemoryLog(leaves.length, (i) => leaves[i] as Uint8Array);
const root = (size: number) => unhex(reference.roots[size] as string);

describe('RFC 6962 reference tree', () => {
  it('hashes the empty tree, the leaves and the nodes as published', () => {
    expect(hex(emptyRoot())).toBe(reference.roots[0]);
    expect(log.leafHashes.map(hex)).toEqual(reference.nodeHashes[0]);
    for (let level = 1; level < reference.nodeHashes.length; level++) {
      const row = reference.nodeHashes[level] as string[];
      row.forEach((want, index) => {
        const left = unhex((reference.nodeHashes[level - 1] as string[])[2 * index] as string);
        const right = unhex((reference.nodeHashes[level - 1] as string[])[2 * index + 1] as string);
        expect(hex(nodeHash(left, right))).toBe(want);
        expect(hex(log.getNode(level, index))).toBe(want);
      });
    }
  });

  it('gives the published root for every size 1..8', () => {
    expect(log.ranges.map((r, size) => (size === 0 ? reference.roots[0] : hex(rootOf(r))))).toEqual(
      reference.roots,
    );
  });

  it.each(reference.inclusion)(
    'inclusion proof for leaf $leafIndex in size $treeSize',
    ({ leafIndex, treeSize, proof }) => {
      expect(inclusionProof(leafIndex, treeSize, log.getNode).map(hex)).toEqual(proof);
      verifyInclusion(
        leafHash(leaves[leafIndex] as Uint8Array),
        leafIndex,
        treeSize,
        proof.map(unhex),
        root(treeSize),
      );
    },
  );

  it.each(reference.consistency)('consistency proof $size1 -> $size2', ({ size1, size2, proof }) => {
    expect(consistencyProof(size1, size2, log.getNode).map(hex)).toEqual(proof);
    verifyConsistency(size1, size2, proof.map(unhex), root(size1), root(size2));
  });
});

function rootOf(range: { size: number; hashes: readonly Uint8Array[] }): Uint8Array {
  let acc = range.hashes.at(-1) as Uint8Array;
  for (let i = range.hashes.length - 2; i >= 0; i--) acc = nodeHash(range.hashes[i] as Uint8Array, acc);
  return acc;
}

// Indices above 2^53 (e.g. uint64 -1) are not representable: the verifier must refuse them.
const count = (text: string) => (Number.isSafeInteger(Number(text)) ? Number(text) : Number.NaN);

// Deliberate divergences from upstream, each with the code we answer instead.
const STRICTER: Readonly<Record<string, string>> = {
  // Upstream compares equal roots of any length; a root here is always 32 bytes.
  'consistency/additional/sizes-are-equal-one-and-proof-is-empty.json': 'ERR_HASH_LENGTH',
};

describe('transparency-dev/merkle probes', () => {
  it.each(probes.inclusion)('inclusion $file', (p) => {
    const run = () =>
      verifyInclusion(
        unhex(p.leafHash),
        count(p.leafIndex),
        count(p.treeSize),
        p.proof.map(unhex),
        unhex(p.root),
      );
    if (p.wantErr) expect(run).toThrow(LogProofError);
    else expect(run).not.toThrow();
  });

  it.each(probes.consistency)('consistency $file', (p) => {
    const run = () =>
      verifyConsistency(count(p.size1), count(p.size2), p.proof.map(unhex), unhex(p.root1), unhex(p.root2));
    const stricter = STRICTER[p.file];
    if (stricter !== undefined) expect(run).toThrow(expect.objectContaining({ code: stricter }));
    else if (p.wantErr) expect(run).toThrow(LogProofError);
    else expect(run).not.toThrow();
  });
});
