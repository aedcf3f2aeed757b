/**
 * The transport contract every connector is written against, apart from any implementation:
 * `http-transport.ts` implements it on undici (Node: pools, client certificates),
 * `fetch-transport.ts` on `fetch` (Workers, and any runtime with a standard fetch).
 * The behaviour every implementation shares lives here too: the deadline, the one retry on a
 * reset connection, and how an answer is read (status, size cap).
 * Nothing here imports a runtime module, so a connector that depends only on this file
 * runs on both.
 */
import { type RegistryFailure, registryFailure, timedOut } from './registry-failure.ts';

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
 * The limits of one transport: the defaults, overridden by every option given (an undefined
 * option keeps its default), then checked.
 * @example const limits = transportLimits({ maxResponseBytes: 1 << 16 });
 */
export function transportLimits(options: Partial<TransportOptions>): TransportOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return checkLimits({ ...DEFAULT_TRANSPORT_OPTIONS, ...given });
}

/**
 * Runs `work` but answers a timeout as soon as `signal` aborts, even while a socket is still
 * slow to tear down: the request's deadline belongs to the caller, not to the transport.
 * @example return raceDeadline(signal, () => attempts(), () => ({ ok: false, failure: timedOut() }));
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

/** One attempt's result; `reset` says the connection dropped before any answer. */
export type AttemptResult =
  | { readonly ok: true; readonly response: HttpResponse }
  | { readonly ok: false; readonly failure: RegistryFailure; readonly reset: boolean };

/**
 * A failed attempt; `reset` when the connection dropped before any answer (only then may
 * `sendWithRetry` try again).
 * @example return failedAttempt(registryFailure('ERR_REGISTRY_UNREACHABLE', 'connection lost (EPIPE)'), true);
 */
export function failedAttempt(failure: RegistryFailure, reset = false): AttemptResult {
  return { ok: false, failure, reset };
}

/** Sends one prepared request and reads its answer. MUST resolve, never reject. */
export type Exchange = (request: OutboundRequest, signal: AbortSignal) => Promise<AttemptResult>;

/**
 * `HttpTransport.send` on top of an `exchange`: prepares a fresh request for every attempt,
 * answers `ERR_REGISTRY_TIMEOUT` as soon as the deadline aborts, and, when `retryOnReset`,
 * repeats an idempotent request once if its connection was reset before any answer.
 * @example send(prepare, options) { return sendWithRetry(prepare, options, this.#limits.retryOnReset, this.#exchange); }
 */
export function sendWithRetry(
  prepare: () => OutboundRequest | Promise<OutboundRequest>,
  options: SendOptions,
  retryOnReset: boolean,
  exchange: Exchange,
): Promise<TransportResult> {
  const { signal } = options;
  const attempt = async (): Promise<AttemptResult> => {
    let request: OutboundRequest;
    try {
      request = await prepare();
    } catch {
      return failedAttempt(registryFailure('ERR_INTERNAL', 'the connector could not prepare the request'));
    }
    return exchange(request, signal);
  };
  const attempts = async (): Promise<TransportResult> => {
    const first = await attempt();
    if (first.ok) return first;
    if (!first.reset || !options.idempotent || !retryOnReset || signal.aborted)
      return { ok: false, failure: first.failure };
    const second = await attempt();
    return second.ok ? second : { ok: false, failure: second.failure };
  };
  return raceDeadline(signal, attempts, () => ({ ok: false, failure: timedOut() }));
}

/** A response body as `readResponse` consumes it, whatever the runtime's stream type. */
export interface ResponseBody {
  /** The body's chunks, in order. */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Drains or cancels the body of a non-2xx answer, which is not read. */
  discard(): unknown;
  /** Stops the body once it is known to be over the size cap. */
  abandon(): unknown;
}

/**
 * Reads an answer: a non-2xx status comes back with an empty body (connectors act on the
 * status); a 2xx body is read whole, unless it declares or streams more than `maxBytes`,
 * which is cut off and reported as `ERR_REGISTRY_MALFORMED`.
 * @example return await readResponse(res.status, headers, body, limits.maxResponseBytes);
 */
export async function readResponse(
  status: number,
  headers: Readonly<Record<string, string>>,
  body: ResponseBody,
  maxBytes: number,
): Promise<AttemptResult> {
  if (status < 200 || status >= 300) {
    await quietly(() => body.discard());
    return { ok: true, response: { status, headers, body: new Uint8Array(0) } };
  }
  if (Number(headers['content-length'] ?? Number.NaN) > maxBytes) {
    await quietly(() => body.abandon());
    return failedAttempt(tooLarge(maxBytes));
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body.chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      await quietly(() => body.abandon());
      return failedAttempt(tooLarge(maxBytes));
    }
    chunks.push(chunk);
  }
  return { ok: true, response: { status, headers, body: concat(chunks, total) } };
}

function tooLarge(max: number): RegistryFailure {
  return registryFailure('ERR_REGISTRY_MALFORMED', `response body exceeds the limit of ${max} bytes`);
}

/** Runs `work`, ignoring its failure: a body being dropped may fail to drop cleanly. */
async function quietly(work: () => unknown): Promise<void> {
  try {
    await work();
  } catch {
    // Nothing more to release.
  }
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
