/**
 * What the transparency-log integration tests share: reading the log the way an auditor
 * does (over HTTP, verifying everything with src/core/log's verifier), the egw command line
 * as a child process, and a seeded random generator so every run kills at the same delays.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Decision } from '../../../schemas/index.ts';
import { verifyReceipt } from '../../../src/audit/verify-receipt.ts';
import type { AccessLeaf, DecisionLeaf, Leaf } from '../../../src/core/leaves.ts';
import {
  appendLeaf,
  type CompactRange,
  decodeBase64Std,
  EMPTY_COMPACT_RANGE,
  leafHash,
  openCheckpoint,
  rootFromCompactRange,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/core/log/index.ts';
import { ROOT } from '../../support/gateway-harness.ts';

export interface Entry {
  readonly index: number;
  /** base64, as served. */
  readonly leaf: string;
  readonly bytes: Uint8Array;
  readonly parsed: Leaf;
}

export interface OpenedNote {
  readonly note: string;
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
}

export type Jwks = { readonly keys: readonly Record<string, unknown>[] };

export function b64(text: string): Uint8Array {
  const bytes = decodeBase64Std(text);
  if (!bytes) throw new Error(`not standard base64: ${text}`);
  return bytes;
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export async function getText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

export async function logKey(base: string): Promise<string> {
  return (await getText(`${base}/v1/log/key`)).trim();
}

export async function jwks(base: string): Promise<Jwks> {
  return getJson<Jwks>(`${base}/.well-known/jwks.json`);
}

/** Opens a checkpoint note with the log key; throws if the signature does not verify. */
export function openNote(note: string, key: string): OpenedNote {
  const opened = openCheckpoint(note, key);
  return { note, origin: opened.origin, size: opened.size, rootHash: opened.rootHash };
}

export async function latestCheckpoint(base: string, key: string): Promise<OpenedNote> {
  return openNote(await getText(`${base}/v1/log/checkpoint`), key);
}

/** Every leaf in [0, size), page by page, parsed as the canonical JSON it must be. */
export async function readEntries(base: string, size: number): Promise<Entry[]> {
  const out: Entry[] = [];
  for (let start = 0; start < size; start += 1000) {
    const end = Math.min(size, start + 1000);
    const page = await getJson<{ entries: { index: number; leaf: string }[] }>(
      `${base}/v1/log/entries?start=${start}&end=${end}`,
    );
    for (const e of page.entries) {
      const bytes = b64(e.leaf);
      out.push({
        index: e.index,
        leaf: e.leaf,
        bytes,
        parsed: JSON.parse(new TextDecoder().decode(bytes)) as Leaf,
      });
    }
  }
  return out;
}

/** The leaf at an entry, which must be about a subject (a decision or a registry access). */
export function subjectLeaf(entry: Entry | undefined): DecisionLeaf | AccessLeaf {
  const leaf = entry?.parsed;
  if (leaf?.kind !== 'decision' && leaf?.kind !== 'access')
    throw new Error(`entry ${entry?.index} is not a decision or access leaf`);
  return leaf;
}

/** The root an auditor recomputes from the entries alone. */
export function rootOfEntries(entries: readonly Entry[]): Uint8Array {
  let range: CompactRange = EMPTY_COMPACT_RANGE;
  for (const e of entries) range = appendLeaf(range, leafHash(e.bytes)).range;
  return rootFromCompactRange(range);
}

/** Checks a served consistency proof between two opened checkpoints. */
export async function checkConsistency(base: string, from: OpenedNote, to: OpenedNote): Promise<void> {
  if (from.size === to.size) {
    expect(Buffer.from(to.rootHash).toString('base64'), `two roots for size ${from.size}`).toBe(
      Buffer.from(from.rootHash).toString('base64'),
    );
    return;
  }
  if (from.size === 0) return; // the empty tree is a prefix of every tree
  const proof = await getJson<{ hashes: string[] }>(
    `${base}/v1/log/proof/consistency?from=${from.size}&to=${to.size}`,
  );
  verifyConsistency(from.size, to.size, proof.hashes.map(b64), from.rootHash, to.rootHash);
}

/**
 * Every checkpoint in `notes` (any order, repeats allowed) is consistent with the next
 * larger one; returns the distinct sizes in order.
 */
export async function checkChain(base: string, key: string, notes: readonly string[]): Promise<number[]> {
  const bySize = new Map<number, OpenedNote>();
  for (const note of notes) {
    const opened = openNote(note, key);
    const seen = bySize.get(opened.size);
    if (seen) await checkConsistency(base, seen, opened);
    else bySize.set(opened.size, opened);
  }
  const chain = [...bySize.values()].sort((a, b) => a.size - b.size);
  for (let i = 1; i < chain.length; i++) {
    const from = chain[i - 1];
    const to = chain[i];
    if (from && to) await checkConsistency(base, from, to);
  }
  return chain.map((c) => c.size);
}

/** verifyReceipt must pass every check; the failing ones are named otherwise. */
export async function expectReceiptVerifies(decision: Decision, keys: Jwks, key: string): Promise<void> {
  const verdict = await verifyReceipt({
    decision: decision as unknown as Record<string, unknown>,
    jwks: keys,
    logKey: key,
  });
  expect(verdict.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([]);
  expect(verdict.ok).toBe(true);
}

/** Inclusion of `entry` in the tree of `checkpoint`, with the proof the gateway serves. */
export async function checkInclusion(base: string, entry: Entry, checkpoint: OpenedNote): Promise<void> {
  const proof = await getJson<{ hashes: string[] }>(
    `${base}/v1/log/proof/inclusion?index=${entry.index}&size=${checkpoint.size}`,
  );
  verifyInclusion(
    leafHash(entry.bytes),
    entry.index,
    checkpoint.size,
    proof.hashes.map(b64),
    checkpoint.rootHash,
  );
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `egw …` (or `npm run -s egw -- …` with `viaNpm`) without blocking this process, which
 * may be serving the gateway the command talks to. Killed after `timeoutMs`.
 */
export function runCli(
  args: readonly string[],
  options: { readonly timeoutMs?: number; readonly viaNpm?: boolean } = {},
): Promise<CliResult> {
  const [command, argv] = options.viaNpm
    ? ['npm', ['run', '-s', 'egw', '--', ...args]]
    : [process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env, NODE_ENV: 'test' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** mulberry32, seeded: the same delays every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
