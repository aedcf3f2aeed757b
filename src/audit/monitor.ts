/**
 * A log monitor, as Certificate Transparency monitors work: it trusts one checkpoint at a
 * time (kept on disk), and accepts a newer one only when (1) its note signature verifies
 * under the log key, (2) the gateway's consistency proof from the trusted checkpoint
 * verifies, and (3) replaying the new entries onto its own compact range gives exactly the
 * new root — so a rewritten leaf, node or database file is caught even when the proofs the
 * gateway serves still look fine.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { base64, fromBase64 } from '../core/encoding.ts';
import { openCheckpoint } from '../core/log/checkpoint.ts';
import { appendLeaf, type CompactRange, rootFromCompactRange } from '../core/log/compact-range.ts';
import { leafHash } from '../core/log/rfc9162.ts';
import { verifyConsistency } from '../core/log/verify.ts';

export interface MonitorState {
  readonly origin: string;
  readonly logKey: string;
  readonly note: string;
  readonly size: number;
  /** base64 compact range of the trusted tree: what replaying entries needs. */
  readonly range: readonly string[];
}

export type MonitorResult =
  | { readonly status: 'initialised' | 'unchanged' | 'advanced'; readonly size: number }
  | {
      readonly status: 'alarm';
      readonly reason:
        | 'bad_signature'
        | 'rollback'
        | 'fork'
        | 'inconsistent'
        | 'entries_mismatch'
        | 'unreachable';
      readonly message: string;
      readonly trusted?: string;
      readonly received?: string;
      readonly proof?: readonly string[];
    };

export interface MonitorOptions {
  readonly url: string;
  readonly statePath: string;
  /** Pin the log key; default: trust the key the gateway publishes on first contact only. */
  readonly logKey?: string;
  readonly fetch?: typeof fetch;
}

const PAGE = 1000;

/** One round: fetch the latest checkpoint and decide whether to trust it. @example await monitorOnce({ url, statePath }) */
export async function monitorOnce(options: MonitorOptions): Promise<MonitorResult> {
  try {
    return await round(options);
  } catch (error) {
    if (!(error instanceof Unreadable)) throw error;
    // A log that will not hand over a proof or its entries is itself a finding, not a crash.
    const state = await readState(options.statePath);
    return {
      status: 'alarm',
      reason: 'unreachable',
      message: `cannot read the log: ${error.message}`,
      ...(state ? { trusted: state.note } : {}),
    };
  }
}

/** A request the log did not answer, or answered with something that is not its format. */
class Unreadable extends Error {}

async function round(options: MonitorOptions): Promise<MonitorResult> {
  const get = options.fetch ?? fetch;
  const base = options.url.replace(/\/+$/, '');
  const state = await readState(options.statePath);
  let note: string;
  let logKey: string;
  try {
    logKey = options.logKey ?? state?.logKey ?? (await text(get, `${base}/v1/log/key`)).trim();
    note = await text(get, `${base}/v1/log/checkpoint`);
  } catch (error) {
    return {
      status: 'alarm',
      reason: 'unreachable',
      message: `cannot read the log: ${(error as Error).message}`,
    };
  }
  let opened: ReturnType<typeof openCheckpoint>;
  try {
    opened = openCheckpoint(note, logKey, state ? { origin: state.origin } : {});
  } catch {
    return {
      status: 'alarm',
      reason: 'bad_signature',
      message: 'the checkpoint is not signed by the trusted log key',
      received: note,
      trusted: state?.note,
    };
  }

  const fromSize = state?.size ?? 0;
  if (state && opened.size < state.size) {
    return {
      status: 'alarm',
      reason: 'rollback',
      message: `the log shrank from ${state.size} to ${opened.size} leaves`,
      trusted: state.note,
      received: note,
    };
  }
  let range: CompactRange = { size: fromSize, hashes: (state?.range ?? []).map((h) => fromBase64(h)) };
  if (state && opened.size === state.size) {
    if (base64(rootFromCompactRange(range)) !== base64(opened.rootHash)) {
      return {
        status: 'alarm',
        reason: 'fork',
        message: `two different roots for tree size ${opened.size}: the log forked`,
        trusted: state.note,
        received: note,
      };
    }
    return { status: 'unchanged', size: opened.size };
  }

  let proof: string[] = [];
  if (state && state.size > 0) {
    const body = (await json(
      get,
      `${base}/v1/log/proof/consistency?from=${state.size}&to=${opened.size}`,
    )) as { hashes?: string[] };
    proof = body.hashes ?? [];
    try {
      verifyConsistency(
        state.size,
        opened.size,
        proof.map((h) => fromBase64(h)),
        rootFromCompactRange(range),
        opened.rootHash,
      );
    } catch {
      return {
        status: 'alarm',
        reason: 'inconsistent',
        message: `the checkpoint of size ${opened.size} is not consistent with the trusted one of size ${state.size}: history was rewritten`,
        trusted: state.note,
        received: note,
        proof,
      };
    }
  }

  for (let start = fromSize; start < opened.size; start += PAGE) {
    const end = Math.min(start + PAGE, opened.size);
    const body = (await json(get, `${base}/v1/log/entries?start=${start}&end=${end}`)) as {
      entries?: { index: number; leaf: string }[];
    };
    const entries = body.entries ?? [];
    for (const [i, entry] of entries.entries()) {
      if (entry.index !== start + i) {
        return {
          status: 'alarm',
          reason: 'entries_mismatch',
          message: `entry ${start + i} is missing from the log's entries`,
          trusted: state?.note,
          received: note,
        };
      }
      range = appendLeaf(range, leafHash(fromBase64(entry.leaf))).range;
    }
    if (entries.length !== end - start) {
      return {
        status: 'alarm',
        reason: 'entries_mismatch',
        message: `the log served ${entries.length} of ${end - start} entries from ${start}`,
        trusted: state?.note,
        received: note,
      };
    }
  }
  if (base64(rootFromCompactRange(range)) !== base64(opened.rootHash)) {
    return {
      status: 'alarm',
      reason: 'entries_mismatch',
      message: `the entries the log serves do not hash to its signed root at size ${opened.size}: a stored leaf was altered`,
      trusted: state?.note,
      received: note,
      proof,
    };
  }
  await writeState(options.statePath, {
    origin: opened.origin,
    logKey,
    note,
    size: opened.size,
    range: range.hashes.map(base64),
  });
  return { status: state ? 'advanced' : 'initialised', size: opened.size };
}

async function text(get: typeof fetch, url: string): Promise<string> {
  let response: Response;
  try {
    response = await get(url, { redirect: 'error' });
  } catch (error) {
    throw new Unreadable(`${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new Unreadable(`${url} answered ${response.status}`);
  return response.text();
}

async function json(get: typeof fetch, url: string): Promise<unknown> {
  const body = await text(get, url);
  try {
    return JSON.parse(body);
  } catch {
    throw new Unreadable(`${url} did not answer JSON`);
  }
}

async function readState(path: string): Promise<MonitorState | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as MonitorState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeState(path: string, state: MonitorState): Promise<void> {
  const temp = `${path}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temp, path);
}
