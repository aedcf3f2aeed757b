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
import { type RegistryFailure, registryFailure, timedOut } from './registry-failure.ts';
import {
  checkBaseUrl,
  checkLimits,
  DEFAULT_TRANSPORT_OPTIONS,
  type HttpResponse,
  type HttpTransport,
  type OutboundRequest,
  raceDeadline,
  type SendOptions,
  type TransportOptions,
  type TransportResult,
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
  const limits = checkLimits({ ...DEFAULT_TRANSPORT_OPTIONS, ...definedOnly(rest) });
  const url = checkBaseUrl(baseUrl);
  return new FetchTransportImpl(url, limits, fetchFn ?? ((input, init) => fetch(input, init)));
}

function definedOnly(options: Partial<TransportOptions>): Partial<TransportOptions> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

type AttemptResult =
  | { readonly ok: true; readonly response: HttpResponse }
  | { readonly ok: false; readonly failure: RegistryFailure; readonly reset: boolean };

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
    const { signal } = options;
    return raceDeadline(
      signal,
      () => this.#attempts(prepare, options),
      () => ({ ok: false, failure: timedOut() }),
    );
  }

  async #attempts(
    prepare: () => OutboundRequest | Promise<OutboundRequest>,
    options: SendOptions,
  ): Promise<TransportResult> {
    const first = await this.#attempt(prepare, options.signal);
    if (first.ok) return first;
    if (!first.reset || !options.idempotent || !this.#limits.retryOnReset || options.signal.aborted)
      return { ok: false, failure: first.failure };
    const second = await this.#attempt(prepare, options.signal);
    return second.ok ? second : { ok: false, failure: second.failure };
  }

  async #attempt(
    prepare: () => OutboundRequest | Promise<OutboundRequest>,
    signal: AbortSignal,
  ): Promise<AttemptResult> {
    let request: OutboundRequest;
    try {
      request = await prepare();
    } catch {
      return {
        ok: false,
        failure: registryFailure('ERR_INTERNAL', 'the connector could not prepare the request'),
        reset: false,
      };
    }
    // One controller per attempt: the request's deadline, or our own headers/body budget.
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let slow: 'headers' | 'body' | undefined;
    let timer = setTimeout(() => {
      slow = 'headers';
      controller.abort();
    }, this.#limits.headersTimeoutMs);
    try {
      const res = await this.#fetch(this.#origin + this.basePath + request.path, {
        method: request.method,
        headers: { ...request.headers },
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: controller.signal,
        redirect: 'manual',
      });
      clearTimeout(timer);
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => {
        headers[key.toLowerCase()] = value;
      });
      if (res.status < 200 || res.status >= 300) {
        await res.body?.cancel().catch(() => undefined);
        return { ok: true, response: { status: res.status, headers, body: new Uint8Array(0) } };
      }
      const max = this.#limits.maxResponseBytes;
      const declared = Number(headers['content-length'] ?? Number.NaN);
      if (declared > max) {
        await res.body?.cancel().catch(() => undefined);
        return { ok: false, failure: tooLarge(max), reset: false };
      }
      const chunks: Uint8Array[] = [];
      let total = 0;
      const reader = res.body?.getReader();
      while (reader) {
        timer = setTimeout(() => {
          slow = 'body';
          controller.abort();
        }, this.#limits.bodyTimeoutMs);
        const { done, value } = await reader.read();
        clearTimeout(timer);
        if (done) break;
        total += value.byteLength;
        if (total > max) {
          await reader.cancel().catch(() => undefined);
          return { ok: false, failure: tooLarge(max), reset: false };
        }
        chunks.push(value);
      }
      return { ok: true, response: { status: res.status, headers, body: concat(chunks, total) } };
    } catch (error) {
      if (signal.aborted) return { ok: false, failure: timedOut(), reset: false };
      if (slow !== undefined)
        return {
          ok: false,
          failure: registryFailure('ERR_REGISTRY_TIMEOUT', `registry too slow (${slow} budget)`),
          reset: false,
        };
      return classify(error);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    // fetch keeps no pool of ours: the platform owns connections.
  }
}

function tooLarge(max: number): RegistryFailure {
  return registryFailure('ERR_REGISTRY_MALFORMED', `response body exceeds the limit of ${max} bytes`);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
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
    return {
      ok: false,
      failure: registryFailure('ERR_REGISTRY_UNREACHABLE', 'connection lost (FETCH_RESET)'),
      reset: true,
    };
  }
  if (/needs to be run remotely/.test(message)) {
    // `wrangler dev --local` has no client certificate to present: its mTLS binding throws.
    return {
      ok: false,
      failure: registryFailure(
        'ERR_REGISTRY_UNREACHABLE',
        'mTLS binding unavailable locally (FETCH_BINDING)',
        false,
      ),
      reset: false,
    };
  }
  if (/CERT|TLS|SSL/.test(code) || /\b(tls|ssl)\b|certificate|handshake/.test(message)) {
    return {
      ok: false,
      failure: registryFailure('ERR_REGISTRY_UNREACHABLE', 'TLS handshake failed (FETCH_TLS)', false),
      reset: false,
    };
  }
  if (error instanceof TypeError) {
    return {
      ok: false,
      failure: registryFailure('ERR_REGISTRY_UNREACHABLE', 'cannot connect (FETCH_NETWORK)'),
      reset: false,
    };
  }
  return {
    ok: false,
    failure: registryFailure('ERR_REGISTRY_ERROR', 'request failed (FETCH_ERROR)'),
    reset: false,
  };
}
