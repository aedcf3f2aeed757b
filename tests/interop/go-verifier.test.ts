/**
 * Interop: what src/core/log produces must verify with independent Go code
 * (golang.org/x/mod/sumdb/note and github.com/transparency-dev/merkle), run from
 * tests/interop/go. The input uses the receipt shape of CONTRACT.md, so receipts
 * produced by a running gateway can later be fed to the same program.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

const GO_DIR = fileURLToPath(new URL('./go', import.meta.url));
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

function flipBase64(text: string): string {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return encodeBase64Std(bytes);
}

let dir = '';
let binary = '';
const input = buildInput();

function verifyWithGo(data: Input): { status: number | null; stdout: string; stderr: string } {
  const file = join(dir, `input-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2));
  const result = spawnSync(binary, [file], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'egw-interop-'));
  binary = join(dir, 'egwinterop');
  // Build once (module download on a cold cache can take a while), then run per case.
  const build = spawnSync('go', ['build', '-o', binary, '.'], {
    cwd: GO_DIR,
    encoding: 'utf8',
    timeout: 280_000,
  });
  if (build.error) throw new Error(`cannot run the Go toolchain: ${build.error.message}`);
  if (build.status !== 0) throw new Error(`go build failed:\n${build.stderr}`);
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
