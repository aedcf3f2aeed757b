/**
 * The outbound HTTP plumbing every connector shares (the built-in three and, later, the
 * declarative connector driven by partner manifests): an undici `Pool` per registry with
 * keep-alive and connect/headers/body timeouts, a response-size cap enforced while the
 * body streams, one retry on a reset connection for idempotent lookups, and the request's
 * `AbortSignal` as the overall deadline. Foreign errors become `RegistryFailure` values
 * here, once; `send` never rejects.
 */
import { createSecureContext } from 'node:tls';
import { Pool } from 'undici';
import { poolExchange } from './pool-exchange.ts';
import { registryFailure } from './registry-failure.ts';
import {
  type AttemptResult,
  checkBaseUrl,
  type Exchange,
  failedAttempt,
  type HttpTransport,
  type OutboundRequest,
  type SendOptions,
  sendWithRetry,
  type TransportOptions,
  type TransportResult,
  transportLimits,
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
  const { baseUrl, tls, ...rest } = options;
  const limits = transportLimits(rest);
  const url = checkBaseUrl(baseUrl);
  if (tls && url.protocol !== 'https:') throw new TypeError('TLS options need an https base URL');
  return new HttpTransportImpl(url, limits, tls);
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

/**
 * The undici `Pool` of one registry: keep-alive and timeouts from `limits`, and for TLS one
 * secure context for every connection of the pool (without it each new connection parses the
 * CA, certificate and key PEMs again). The benchmark's fan-out floor (B2f) builds the same pool.
 * @example const pool = registryPool(new URL(baseUrl).origin, transportLimits({}), { caPem });
 */
export function registryPool(origin: string, limits: TransportOptions, tls?: TlsClientOptions): Pool {
  return new Pool(origin, {
    connections: limits.connections,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    bodyTimeout: limits.bodyTimeoutMs,
    connect: {
      timeout: limits.connectTimeoutMs,
      ...(tls
        ? {
            secureContext: createSecureContext({
              ca: tls.caPem,
              ...(tls.certPem === undefined ? {} : { cert: tls.certPem }),
              ...(tls.keyPem === undefined ? {} : { key: tls.keyPem }),
            }),
            ...(tls.servername === undefined ? {} : { servername: tls.servername }),
            rejectUnauthorized: true,
          }
        : {}),
    },
  });
}

class HttpTransportImpl implements HttpTransport {
  readonly basePath: string;
  readonly #pool: Pool;
  readonly #limits: TransportOptions;
  readonly #exchange: Exchange;

  constructor(url: URL, limits: TransportOptions, tls: TlsClientOptions | undefined) {
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.#limits = limits;
    const pool = registryPool(url.origin, limits, tls);
    this.#pool = pool;
    this.#exchange = poolExchange(pool, this.basePath, limits.maxResponseBytes, classify);
  }

  async send(
    prepare: () => OutboundRequest | Promise<OutboundRequest>,
    options: SendOptions,
  ): Promise<TransportResult> {
    return sendWithRetry(prepare, options, this.#limits.retryOnReset, this.#exchange);
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
    return failedAttempt(registryFailure('ERR_REGISTRY_UNREACHABLE', `connection lost (${code})`), true);
  }
  if (TIMEOUT_CODES.has(code)) {
    return failedAttempt(registryFailure('ERR_REGISTRY_TIMEOUT', `registry too slow (${code})`));
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || UNREACHABLE_CODES.has(code)) {
    return failedAttempt(registryFailure('ERR_REGISTRY_UNREACHABLE', `cannot connect (${code})`));
  }
  if (
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    /CERT|SELF_SIGNED|UNABLE_TO_/.test(code)
  ) {
    return failedAttempt(
      registryFailure('ERR_REGISTRY_UNREACHABLE', `TLS handshake failed (${code})`, false),
    );
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return failedAttempt(registryFailure('ERR_REGISTRY_MALFORMED', 'response body too large'));
  }
  return failedAttempt(registryFailure('ERR_REGISTRY_ERROR', `request failed (${code})`));
}
