/**
 * A gateway's public log, read over HTTP: the checkpoint, the verifier key and consistency
 * proofs. What an auditor, a monitor or the anchor relay needs, and nothing that is personal.
 */
import { fromBase64 } from '../core/encoding.ts';
import { openCheckpoint } from '../core/log/checkpoint.ts';

export interface LogCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly note: string;
}

/** @example const log = createLogClient('http://127.0.0.1:8080'); await log.checkpoint(); */
export interface LogClient {
  readonly url: string;
  verifierKey(): Promise<string>;
  /** The latest checkpoint, its signature verified under `verifierKey` (or the published key). */
  checkpoint(verifierKey?: string): Promise<LogCheckpoint>;
  consistency(from: number, to: number): Promise<Uint8Array[]>;
}

/** The gateway did not answer, or not in its format. The message names the URL, never a body. */
export class LogUnreachable extends Error {
  override readonly name = 'LogUnreachable';
}

/** @example const log = createLogClient(url); */
export function createLogClient(
  url: string,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): LogClient {
  const base = url.replace(/\/+$/, '');
  const get = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  async function text(path: string): Promise<string> {
    let response: Response;
    try {
      response = await get(`${base}${path}`, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new LogUnreachable(`${base}${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!response.ok) throw new LogUnreachable(`${base}${path} answered HTTP ${response.status}`);
    return response.text();
  }
  let publishedKey: string | undefined;
  async function verifierKey(): Promise<string> {
    publishedKey ??= (await text('/v1/log/key')).trim();
    return publishedKey;
  }
  return {
    url: base,
    verifierKey,
    async checkpoint(key) {
      const note = await text('/v1/log/checkpoint');
      try {
        const opened = openCheckpoint(note, key ?? (await verifierKey()));
        return { origin: opened.origin, size: opened.size, rootHash: opened.rootHash, note };
      } catch (error) {
        throw new LogUnreachable(
          `${base}/v1/log/checkpoint: not a checkpoint signed by the log key (${error instanceof Error ? error.message : String(error)})`,
        );
      }
    },
    async consistency(from, to) {
      if (from === to) return [];
      const body = JSON.parse(await text(`/v1/log/proof/consistency?from=${from}&to=${to}`)) as {
        hashes?: unknown;
      };
      if (!Array.isArray(body.hashes) || !body.hashes.every((h) => typeof h === 'string'))
        throw new LogUnreachable(`${base}/v1/log/proof/consistency: not a proof`);
      return body.hashes.map((h: string) => fromBase64(h));
    },
  };
}
