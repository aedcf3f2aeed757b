/**
 * Interop fed by the REAL gateway (invariant 7): an in-process gateway on real SQLite makes 30
 * decisions; their receipts exactly as the API returned them, two checkpoints from
 * /v1/log/checkpoint, the consistency proof between them from /v1/log/proof/consistency, and
 * an inclusion proof from /v1/log/proof/inclusion for every leaf of the log (decision and
 * registry-access leaves) all verify with Go code nobody here wrote
 * (golang.org/x/mod/sumdb/note + github.com/transparency-dev/merkle). One flipped byte fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../connectors/index.ts';
import type { Decision, Receipt } from '../../schemas/index.ts';
import { type InProcessGateway, startInProcess } from '../support/gateway-harness.ts';
import { requestFor } from '../support/requests.ts';
import { buildGoVerifier, flipBase64, runGoVerifier } from './go-binary.ts';

const DECISIONS = 30;
const fixtures = generatePopulation({ seed: 'interop-gateway', size: DECISIONS });

interface Input {
  verifierKey: string;
  checkpoints: string[];
  receipts: Receipt[];
  consistency: { from: number; to: number; proof: string[]; fromCheckpoint: string; toCheckpoint: string };
}

let dir = '';
let binary = '';
let gw: InProcessGateway;
let input: Input;
let decisionReceipts = 0;

async function text(path: string): Promise<string> {
  const response = await gw.get(path);
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
  return response.text();
}

async function json<T>(path: string): Promise<T> {
  return JSON.parse(await text(path)) as T;
}

const sizeOf = (checkpoint: string) => Number(checkpoint.split('\n')[1]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'egw-interop-gw-'));
  binary = buildGoVerifier(dir);
  gw = await startInProcess({ fixtures });
  const token = await gw.token();
  const decisions: Decision[] = [];
  const wave = async (from: number, to: number) => {
    const responses = await Promise.all(
      Array.from({ length: to - from }, (_, i) => gw.verify(requestFor(fixtures, from + i), { token })),
    );
    for (const r of responses) {
      expect(r.status).toBe(201);
      decisions.push((await r.json()) as Decision);
    }
  };
  await wave(0, 10);
  const first = await text('/v1/log/checkpoint');
  await wave(10, 20);
  await wave(20, DECISIONS);
  const last = await text('/v1/log/checkpoint');
  const from = sizeOf(first);
  const to = sizeOf(last);
  const { hashes } = await json<{ hashes: string[] }>(`/v1/log/proof/consistency?from=${from}&to=${to}`);

  // Every leaf of the log, proven against the last checkpoint with the gateway's own proofs.
  const { entries } = await json<{ entries: { index: number; leaf: string }[] }>(
    `/v1/log/entries?start=0&end=${to}`,
  );
  const everyLeaf: Receipt[] = [];
  for (const e of entries) {
    const proof = await json<{ hashes: string[] }>(`/v1/log/proof/inclusion?index=${e.index}&size=${to}`);
    everyLeaf.push({
      logOrigin: first.split('\n')[0] ?? '',
      leafIndex: e.index,
      leaf: e.leaf,
      checkpoint: last,
      inclusionProof: proof.hashes,
    });
  }
  decisionReceipts = decisions.length;
  input = {
    verifierKey: (await text('/v1/log/key')).trim(),
    checkpoints: [first, last],
    receipts: [...decisions.map((d) => d.receipt), ...everyLeaf],
    consistency: { from, to, proof: hashes, fromCheckpoint: first, toCheckpoint: last },
  };
}, 300_000);

afterAll(async () => {
  await gw?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('Go verifier on the gateway’s own receipts and proofs', () => {
  it('accepts every receipt, both checkpoints and the consistency proof', () => {
    const { from, to } = input.consistency;
    expect(from).toBeGreaterThan(0);
    expect(to).toBeGreaterThan(from);
    // Receipts come with the checkpoint of their own batch: several distinct ones.
    expect(new Set(input.receipts.slice(0, decisionReceipts).map((r) => r.checkpoint)).size).toBeGreaterThan(
      1,
    );
    const { status, stdout, stderr } = runGoVerifier(binary, dir, input);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      `egwinterop ok: 2 checkpoints, ${decisionReceipts + to} receipts, 1 consistency proofs, 0 failures (x/mod/sumdb/note + transparency-dev/merkle)\n`,
    );
    expect(status).toBe(0);
  });

  it('rejects a receipt whose leaf has one flipped byte', () => {
    const receipts = input.receipts.map((r, i) => (i === 7 ? { ...r, leaf: flipBase64(r.leaf) } : r));
    const { status, stderr } = runGoVerifier(binary, dir, { ...input, receipts });
    expect(status).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`^FAIL receipts\\[7\\] \\(leaf ${input.receipts[7]?.leafIndex}\\)`, 'm'),
    );
    expect(stderr.match(/^FAIL /gm)).toHaveLength(1);
  });

  it('rejects the consistency proof with one flipped byte', () => {
    const consistency = {
      ...input.consistency,
      proof: input.consistency.proof.map((h, j) => (j === 0 ? flipBase64(h) : h)),
    };
    const { status, stderr } = runGoVerifier(binary, dir, { ...input, consistency });
    expect(status).toBe(1);
    expect(stderr).toMatch(new RegExp(`^FAIL consistency ${consistency.from} -> ${consistency.to}`, 'm'));
    expect(stderr.match(/^FAIL /gm)).toHaveLength(1);
  });
});
