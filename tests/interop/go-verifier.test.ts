/**
 * Interop: what src/core/log produces must verify with independent Go code
 * (golang.org/x/mod/sumdb/note and github.com/transparency-dev/merkle), run from
 * tests/interop/go. The input uses the receipt shape of CONTRACT.md; receipts from a
 * running gateway go through the same program in gateway-receipts.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendLeaf,
  consistencyProof,
  EMPTY_COMPACT_RANGE,
  encodeBase64Std,
  generateNoteKey,
  inclusionProof,
  leafHash,
  type NodeReader,
  rootAt,
  signCheckpoint,
} from '../../src/core/log/index.ts';
import { buildGoVerifier, flipBase64, runGoVerifier } from './go-binary.ts';

const ORIGIN = 'interop.eligibility-gateway.example/log';
const SIZE = 50;
const EARLIER = 23;

interface Receipt {
  logOrigin: string;
  leafIndex: number;
  leaf: string;
  checkpoint: string;
  inclusionProof: string[];
}
interface Input {
  verifierKey: string;
  checkpoints: string[];
  receipts: Receipt[];
  consistency: { from: number; to: number; proof: string[]; fromCheckpoint: string; toCheckpoint: string };
}

function buildInput(): Input {
  const nodes = new Map<string, Uint8Array>();
  const getNode: NodeReader = (level, index) => {
    const hash = nodes.get(`${level}/${index}`);
    if (hash === undefined) throw new Error(`missing node ${level}/${index}`);
    return hash;
  };
  const leaves: Uint8Array[] = [];
  let range = EMPTY_COMPACT_RANGE;
  for (let i = 0; i < SIZE; i++) {
    // Leaves shaped like the gateway's: canonical JSON commitments, no personal data.
    const leaf = new TextEncoder().encode(`{"decision":"d-${i}","digest":"${'x'.repeat(i % 7)}"}`);
    const next = appendLeaf(range, leafHash(leaf));
    for (const n of next.completed) nodes.set(`${n.level}/${n.index}`, n.hash);
    leaves.push(leaf);
    range = next.range;
  }
  const keys = generateNoteKey(ORIGIN);
  const checkpointAt = (size: number) =>
    signCheckpoint({ origin: ORIGIN, size, rootHash: rootAt(size, getNode) }, keys.signerKey);
  const early = checkpointAt(EARLIER);
  const late = checkpointAt(SIZE);
  const receipt = (leafIndex: number, size: number, checkpoint: string): Receipt => ({
    logOrigin: ORIGIN,
    leafIndex,
    leaf: encodeBase64Std(leaves[leafIndex] as Uint8Array),
    checkpoint,
    inclusionProof: inclusionProof(leafIndex, size, getNode).map(encodeBase64Std),
  });
  return {
    verifierKey: keys.verifierKey,
    checkpoints: [early, late],
    receipts: [
      ...Array.from({ length: SIZE }, (_, i) => receipt(i, SIZE, late)),
      ...Array.from({ length: EARLIER }, (_, i) => receipt(i, EARLIER, early)),
    ],
    consistency: {
      from: EARLIER,
      to: SIZE,
      proof: consistencyProof(EARLIER, SIZE, getNode).map(encodeBase64Std),
      fromCheckpoint: early,
      toCheckpoint: late,
    },
  };
}

let dir = '';
let binary = '';
const input = buildInput();

const verifyWithGo = (data: Input) => runGoVerifier(binary, dir, data);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'egw-interop-'));
  // Build once (module download on a cold cache can take a while), then run per case.
  binary = buildGoVerifier(dir);
}, 300_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('Go verifier (x/mod/sumdb/note + transparency-dev/merkle v0.0.2)', () => {
  it('accepts every checkpoint, receipt and the consistency proof', () => {
    const { status, stdout, stderr } = verifyWithGo(input);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^egwinterop ok: 2 checkpoints, 73 receipts, 1 consistency proofs, 0 failures/);
    expect(status).toBe(0);
  });

  it('rejects one flipped byte in one inclusion proof', () => {
    const receipts = input.receipts.map((r, i) =>
      i === 17 ? { ...r, inclusionProof: r.inclusionProof.map((h, j) => (j === 2 ? flipBase64(h) : h)) } : r,
    );
    const { status, stderr } = verifyWithGo({ ...input, receipts });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^FAIL receipts\[17\] \(leaf 17\)/m);
    expect(stderr.match(/^FAIL /gm)).toHaveLength(1);
  });

  it('rejects a flipped byte in the consistency proof', () => {
    const consistency = {
      ...input.consistency,
      proof: input.consistency.proof.map((h, j) => (j === 0 ? flipBase64(h) : h)),
    };
    const { status, stderr } = verifyWithGo({ ...input, consistency });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^FAIL consistency 23 -> 50/m);
  });

  it('rejects a checkpoint whose size was altered after signing', () => {
    const forged = (input.checkpoints[1] ?? '').replace(`\n${SIZE}\n`, `\n${SIZE + 1}\n`);
    const { status, stderr } = verifyWithGo({ ...input, checkpoints: [forged] });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^FAIL checkpoints\[0\]: signed note: /m);
  });

  it('rejects receipts when the verifier key is someone else’s', () => {
    const { status, stdout } = verifyWithGo({ ...input, verifierKey: generateNoteKey(ORIGIN).verifierKey });
    expect(status).toBe(1);
    expect(stdout).toMatch(/^egwinterop FAILED: .* 76 failures/);
  });
});
