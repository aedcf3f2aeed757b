/**
 * The transport contract every connector is written against, apart from any implementation:
 * `http-transport.ts` implements it on undici (Node: pools, client certificates),
 * `fetch-transport.ts` on `fetch` (Workers, and any runtime with a standard fetch).
 * Nothing here imports a runtime module, so a connector that depends only on this file
 * runs on both.
 */
import type { RegistryFailure } from './registry-failure.ts';

/** Limits and timeouts of one registry's transport. */
export interface TransportOptions {
  /** TCP + TLS handshake budget. */
  readonly connectTimeoutMs: number;
  /** Budget from sending the request to the end of the response headers. */
  readonly headersTimeoutMs: number;
  /** Budget between two body chunks. */
  readonly bodyTimeoutMs: number;
  /** How long an idle keep-alive connection is kept. */
  readonly keepAliveTimeoutMs: number;
  /** Largest response body accepted, in bytes; larger bodies are cut off and reported malformed. */
  readonly maxResponseBytes: number;
  /** Concurrent connections to the registry. */
  readonly connections: number;
  /** Retry an idempotent request once when the connection was reset before an answer. */
  readonly retryOnReset: boolean;
}

/** Defaults: the request deadline usually ends a call long before these do. */
export const DEFAULT_TRANSPORT_OPTIONS: Readonly<TransportOptions> = Object.freeze({
  connectTimeoutMs: 2_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  keepAliveTimeoutMs: 10_000,
  maxResponseBytes: 1024 * 1024,
  connections: 16,
  retryOnReset: true,
});

/** One request as the connector built it. `path` is relative to the base URL's path. */
export interface OutboundRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

/** A response read to its end (non-2xx bodies are discarded: connectors act on the status). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** The response, or why there is none. */
export type TransportResult =
  | { readonly ok: true; readonly response: HttpResponse }
  | { readonly ok: false; readonly failure: RegistryFailure };

/** Options of one `send`. */
export interface SendOptions {
  /** The overall deadline: when it aborts, `send` answers `ERR_REGISTRY_TIMEOUT` at once. */
  readonly signal: AbortSignal;
  /** Whether repeating the request is harmless (a lookup); only then is a reset retried. */
  readonly idempotent: boolean;
}

/**
 * A registry's HTTP transport.
 * - `send` MUST resolve, never reject, and MUST resolve promptly when `signal` aborts.
 * - `prepare` is called once per attempt, so signatures, nonces and token ids are fresh on a retry.
 * @example
 * const transport = createHttpTransport({ baseUrl: 'https://127.0.0.1:8443' });
 * const result = await transport.send(() => ({ method: 'GET', path: '/ping', headers: {} }), { signal, idempotent: true });
 */
export interface HttpTransport {
  /** The base URL's path without a trailing slash ('' for none): signed paths include it. */
  readonly basePath: string;
  send(
    prepare: () => OutboundRequest | Promise<OutboundRequest>,
    options: SendOptions,
  ): Promise<TransportResult>;
  /** Closes the pool, waiting briefly for requests in flight. */
  close(): Promise<void>;
}

/**
 * A transport-level option check, shared with connectors that take `Partial<TransportOptions>`.
 * @example const limits = checkLimits({ ...DEFAULT_TRANSPORT_OPTIONS, maxResponseBytes: 1 << 16 });
 */
export function checkLimits(limits: TransportOptions): TransportOptions {
  for (const key of [
    'connectTimeoutMs',
    'headersTimeoutMs',
    'bodyTimeoutMs',
    'keepAliveTimeoutMs',
    'maxResponseBytes',
    'connections',
  ] as const) {
    const value = limits[key];
    if (!Number.isInteger(value) || value <= 0)
      throw new TypeError(`transport option ${key} must be a positive integer`);
  }
  return limits;
}

/**
 * The base URL a transport is created for: http or https only, path kept for signing.
 * @example const url = checkBaseUrl(options.baseUrl);
 */
export function checkBaseUrl(baseUrl: string): URL {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`registry base URL must be http or https, not ${url.protocol}`);
  }
  return url;
}

/**
 * Runs `work` but answers a timeout as soon as `signal` aborts, even while a socket is still
 * slow to tear down: the request's deadline belongs to the caller, not to the transport.
 * @example return raceDeadline(options.signal, () => this.#attempts(prepare, options));
 */
export async function raceDeadline(
  signal: AbortSignal,
  work: () => Promise<TransportResult>,
  timedOut: () => TransportResult,
): Promise<TransportResult> {
  if (signal.aborted) return timedOut();
  let onAbort: () => void = () => {};
  const deadline = new Promise<TransportResult>((resolve) => {
    onAbort = () => resolve(timedOut());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
