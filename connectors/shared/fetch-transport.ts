/**
 * The registry transport on standard `fetch`, for runtimes without sockets of their own
 * (workerd / Cloudflare Workers): the same contract as the undici transport — the request's
 * signal as the overall deadline, a headers and a between-chunks budget, a response-size cap
 * enforced while the body streams, one retry of an idempotent lookup whose connection was
 * lost — and the same failure values. What fetch cannot do is left to the platform: the
 * connection pool, the connect timeout, and TLS. Client certificates come from the `fetch`
 * passed in (a Workers mTLS binding's `fetch`); the server is trusted by the platform's CA
 * store, so a registry's private CA (`caPem`) cannot be pinned here.
 */
import { registryFailure, timedOut } from './registry-failure.ts';
import {
  type AttemptResult,
  checkBaseUrl,
  failedAttempt,
  type HttpTransport,
  type OutboundRequest,
  type ResponseBody,
  readResponse,
  type SendOptions,
  sendWithRetry,
  type TransportOptions,
  type TransportResult,
  transportLimits,
} from './transport.ts';

/** A `fetch`: the global one, or a binding's (`env.HRSS_MTLS.fetch.bind(env.HRSS_MTLS)`). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** Options of `createFetchTransport`. Pool and connect options are accepted and ignored. */
export interface FetchTransportOptions extends Partial<TransportOptions> {
  readonly baseUrl: string;
  /** Default: the global `fetch`. */
  readonly fetch?: FetchFunction;
}

/**
 * Creates a fetch-based transport for one registry. Options are checked here, eagerly.
 * @example
 * const transport = createFetchTransport({ baseUrl: 'https://hrss.example.gov.cn/svc', fetch: (u, i) => env.HRSS_MTLS.fetch(u, i) });
 */
export function createFetchTransport(options: FetchTransportOptions): HttpTransport {
  const { baseUrl, fetch: fetchFn, ...rest } = options;
  const limits = transportLimits(rest);
  const url = checkBaseUrl(baseUrl);
  return new FetchTransportImpl(url, limits, fetchFn ?? ((input, init) => fetch(input, init)));
}

class FetchTransportImpl implements HttpTransport {
  readonly basePath: string;
  readonly #origin: string;
  readonly #limits: TransportOptions;
  readonly #fetch: FetchFunction;

  constructor(url: URL, limits: TransportOptions, fetchFn: FetchFunction) {
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.#origin = url.origin;
    this.#limits = limits;
    this.#fetch = fetchFn;
  }

  async send(
    prepare: () => OutboundRequest | Promise<OutboundRequest>,
    options: SendOptions,
  ): Promise<TransportResult> {
    return sendWithRetry(prepare, options, this.#limits.retryOnReset, (request, signal) =>
      this.#exchange(request, signal),
    );
  }

  async #exchange(request: OutboundRequest, signal: AbortSignal): Promise<AttemptResult> {
    // One controller per attempt: the request's deadline, or our own headers/body budget.
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let slow: 'headers' | 'body' | undefined;
    const budget = (phase: 'headers' | 'body', ms: number) =>
      setTimeout(() => {
        slow = phase;
        controller.abort();
      }, ms);
    const headersTimer = budget('headers', this.#limits.headersTimeoutMs);
    try {
      const res = await this.#fetch(this.#origin + this.basePath + request.path, {
        method: request.method,
        headers: { ...request.headers },
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: controller.signal,
        redirect: 'manual',
      });
      clearTimeout(headersTimer);
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => {
        headers[key.toLowerCase()] = value;
      });
      const body = fetchBody(res.body, () => budget('body', this.#limits.bodyTimeoutMs));
      return await readResponse(res.status, headers, body, this.#limits.maxResponseBytes);
    } catch (error) {
      if (signal.aborted) return failedAttempt(timedOut());
      if (slow !== undefined)
        return failedAttempt(registryFailure('ERR_REGISTRY_TIMEOUT', `registry too slow (${slow} budget)`));
      return classify(error);
    } finally {
      clearTimeout(headersTimer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    // fetch keeps no pool of ours: the platform owns connections.
  }
}

/** A fetch body for `readResponse`: each chunk must arrive within the budget `startBudget` starts. */
function fetchBody(
  stream: ReadableStream<Uint8Array> | null,
  startBudget: () => ReturnType<typeof setTimeout>,
): ResponseBody {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (stream === null) return;
    reader = stream.getReader();
    while (true) {
      const timer = startBudget();
      const next = await reader.read().finally(() => clearTimeout(timer));
      if (next.done) return;
      yield next.value;
    }
  }
  return {
    chunks: chunks(),
    discard: () => stream?.cancel(),
    // Once reading has begun the stream is locked: cancel it through its reader.
    abandon: () => (reader ?? stream)?.cancel(),
  };
}

/**
 * fetch reports every network failure as a TypeError whose message varies by runtime
 * (workerd: "Network connection lost."; Node: "fetch failed" with a coded cause); only its
 * broad kind is used, never its text (it can echo URLs). A lost connection is retryable.
 */
function classify(error: unknown): AttemptResult {
  const message = error instanceof Error ? error.message.toLowerCase() : '';
  const cause = error instanceof Error ? error.cause : undefined;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : '';
  if (
    ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(code) ||
    /connection (lost|reset|closed)|socket hang up|network connection/.test(message)
  ) {
    return failedAttempt(registryFailure('ERR_REGISTRY_UNREACHABLE', 'connection lost (FETCH_RESET)'), true);
  }
  if (/needs to be run remotely/.test(message)) {
    // `wrangler dev --local` has no client certificate to present: its mTLS binding throws.
    return failedAttempt(
      registryFailure('ERR_REGISTRY_UNREACHABLE', 'mTLS binding unavailable locally (FETCH_BINDING)', false),
    );
  }
  if (/CERT|TLS|SSL/.test(code) || /\b(tls|ssl)\b|certificate|handshake/.test(message)) {
    return failedAttempt(
      registryFailure('ERR_REGISTRY_UNREACHABLE', 'TLS handshake failed (FETCH_TLS)', false),
    );
  }
  if (error instanceof TypeError) {
    return failedAttempt(registryFailure('ERR_REGISTRY_UNREACHABLE', 'cannot connect (FETCH_NETWORK)'));
  }
  return failedAttempt(registryFailure('ERR_REGISTRY_ERROR', 'request failed (FETCH_ERROR)'));
}
