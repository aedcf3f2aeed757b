/**
 * The outbound HTTP plumbing every connector shares (the built-in three and, later, the
 * declarative connector driven by partner manifests): an undici `Pool` per registry with
 * keep-alive and connect/headers/body timeouts, a response-size cap enforced while the
 * body streams, one retry on a reset connection for idempotent lookups, and the request's
 * `AbortSignal` as the overall deadline. Foreign errors become `RegistryFailure` values
 * here, once; `send` never rejects.
 */
import { Pool } from 'undici';
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

// The contract lives in transport.ts (no runtime imports); re-exported so existing imports keep working.
export {
  checkLimits,
  DEFAULT_TRANSPORT_OPTIONS,
  type HttpResponse,
  type HttpTransport,
  type OutboundRequest,
  type SendOptions,
  type TransportOptions,
  type TransportResult,
} from './transport.ts';

/** Client-side TLS: the registry's CA and, for mutual TLS, the gateway's certificate and key. */
export interface TlsClientOptions {
  readonly caPem: string;
  readonly certPem?: string;
  readonly keyPem?: string;
  /** Name to verify the server certificate against, when it differs from the URL's host. */
  readonly servername?: string;
}

/** Options of `createHttpTransport`. */
export interface HttpTransportOptions extends Partial<TransportOptions> {
  readonly baseUrl: string;
  readonly tls?: TlsClientOptions;
}

/**
 * Creates the transport for one registry. Options are checked here, eagerly.
 * @example createHttpTransport({ baseUrl: config.baseUrl, maxResponseBytes: 1 << 20 })
 */
export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const limits = checkLimits({ ...DEFAULT_TRANSPORT_OPTIONS, ...stripUndefined(options) });
  const url = checkBaseUrl(options.baseUrl);
  if (options.tls && url.protocol !== 'https:') throw new TypeError('TLS options need an https base URL');
  return new HttpTransportImpl(url, limits, options.tls);
}

function stripUndefined(options: HttpTransportOptions): Partial<TransportOptions> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options))
    if (v !== undefined && k !== 'baseUrl' && k !== 'tls') out[k] = v;
  return out as Partial<TransportOptions>;
}

// Error codes after which the request provably got no answer because the connection
// dropped; a keep-alive socket the server had already closed is the usual cause.
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** One attempt's result; `reset` says the connection dropped before any answer. */
type AttemptResult =
  | { readonly ok: true; readonly response: HttpResponse }
  | { readonly ok: false; readonly failure: RegistryFailure; readonly reset: boolean };

class HttpTransportImpl implements HttpTransport {
  readonly basePath: string;
  readonly #pool: Pool;
  readonly #limits: TransportOptions;

  constructor(url: URL, limits: TransportOptions, tls: TlsClientOptions | undefined) {
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.#limits = limits;
    this.#pool = new Pool(url.origin, {
      connections: limits.connections,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      bodyTimeout: limits.bodyTimeoutMs,
      connect: {
        timeout: limits.connectTimeoutMs,
        ...(tls
          ? {
              ca: tls.caPem,
              ...(tls.certPem === undefined ? {} : { cert: tls.certPem }),
              ...(tls.keyPem === undefined ? {} : { key: tls.keyPem }),
              ...(tls.servername === undefined ? {} : { servername: tls.servername }),
              rejectUnauthorized: true,
            }
          : {}),
      },
    });
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
    if (
      first.ok ||
      !first.reset ||
      !options.idempotent ||
      !this.#limits.retryOnReset ||
      options.signal.aborted
    ) {
      return first.ok ? first : { ok: false, failure: first.failure };
    }
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
    try {
      const res = await this.#pool.request({
        method: request.method,
        path: this.basePath + request.path,
        headers: { ...request.headers },
        ...(request.body === undefined ? {} : { body: request.body }),
        signal,
      });
      // Destroying the body on purpose (size cap) emits an AbortError; it is expected, not a crash.
      res.body.on('error', () => {});
      const headers = flattenHeaders(res.headers);
      if (res.statusCode < 200 || res.statusCode >= 300) {
        await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        return { ok: true, response: { status: res.statusCode, headers, body: new Uint8Array(0) } };
      }
      const max = this.#limits.maxResponseBytes;
      const declared = Number(headers['content-length'] ?? Number.NaN);
      if (declared > max) {
        res.body.destroy();
        return { ok: false, failure: tooLarge(max), reset: false };
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > max) {
          res.body.destroy();
          return { ok: false, failure: tooLarge(max), reset: false };
        }
        chunks.push(chunk);
      }
      return {
        ok: true,
        response: { status: res.statusCode, headers, body: new Uint8Array(Buffer.concat(chunks, total)) },
      };
    } catch (error) {
      if (signal.aborted) return { ok: false, failure: timedOut(), reset: false };
      return classify(error);
    }
  }

  async close(): Promise<void> {
    // A graceful close waits for requests in flight; their deadlines bound that wait, but a
    // caller that abandoned its signal must not hang shutdown, hence the fallback.
    let timer: NodeJS.Timeout | undefined;
    const fallback = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), 1_000);
      timer.unref();
    });
    try {
      const outcome = await Promise.race([this.#pool.close().then(() => 'closed' as const), fallback]);
      if (outcome === 'late') await this.#pool.destroy();
    } catch {
      // Already closed or destroyed: nothing left to release.
    } finally {
      clearTimeout(timer);
    }
  }
}

function tooLarge(max: number): RegistryFailure {
  return registryFailure('ERR_REGISTRY_MALFORMED', `response body exceeds the limit of ${max} bytes`);
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'UNKNOWN';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // undici wraps socket errors; the cause names what really happened.
    const cause = (error as { cause?: unknown }).cause;
    const inner =
      typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    return code === 'UND_ERR_SOCKET' && typeof inner === 'string' ? inner : code;
  }
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? 'UNKNOWN' : errorCode(cause);
}

function classify(error: unknown): AttemptResult {
  const raw = errorCode(error);
  const code = /^[A-Z][A-Z0-9_]{0,63}$/.test(raw) ? raw : 'UNKNOWN';
  // Only the error's code goes into the detail: messages can echo URLs or server text.
  if (RESET_CODES.has(code)) {
    return {
      ok: false,
      failure: registryFailure('ERR_REGISTRY_UNREACHABLE', `connection lost (${code})`),
      reset: true,
    };
  }
  if (TIMEOUT_CODES.has(code)) {
    return {
      ok: false,
      failure: registryFailure('ERR_REGISTRY_TIMEOUT', `registry too slow (${code})`),
      reset: false,
    };
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || UNREACHABLE_CODES.has(code)) {
    return {
      ok: false,
      failure: registryFailure('ERR_REGISTRY_UNREACHABLE', `cannot connect (${code})`),
      reset: false,
    };
  }
  if (
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    /CERT|SELF_SIGNED|UNABLE_TO_/.test(code)
  ) {
    return {
      ok: false,
      failure: registryFailure('ERR_REGISTRY_UNREACHABLE', `TLS handshake failed (${code})`, false),
      reset: false,
    };
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return {
      ok: false,
      failure: registryFailure('ERR_REGISTRY_MALFORMED', 'response body too large'),
      reset: false,
    };
  }
  return {
    ok: false,
    failure: registryFailure('ERR_REGISTRY_ERROR', `request failed (${code})`),
    reset: false,
  };
}
