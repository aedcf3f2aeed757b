/**
 * The transport of partner connectors: the shared transport's contract and limits
 * (deadline, size cap, timeouts — see connectors/shared/http-transport.ts), plus what an
 * endpoint chosen by someone outside the operator needs. Every connection goes through the
 * address policy at connect time: an IP-literal host is checked before the socket opens, a
 * name is resolved by our `lookup` hook and every answer checked before the socket uses it
 * (so DNS rebinding gains nothing). The server must present a certificate from the gateway
 * CA that is not revoked; TLS sessions are not resumed, so every handshake is verified in
 * full. Redirects are never followed: a 3xx is a failure like any other non-2xx.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { buildConnector, Pool } from 'undici';
import { poolExchange } from '../shared/pool-exchange.ts';
import { type RegistryFailure, registryFailure } from '../shared/registry-failure.ts';
import {
  type Exchange,
  failedAttempt,
  type HttpTransport,
  type OutboundRequest,
  type SendOptions,
  sendWithRetry,
  type TransportResult,
} from '../shared/transport.ts';
import { addressRefusal, classifyAddress, type EndpointPolicy, normalizeHost } from './address-policy.ts';

/** One DNS answer. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address it has. Injected in tests; DNS otherwise. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The system resolver (getaddrinfo), every answer. */
export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/**
 * Every DNS answer of a URL's host name checked against the policy (empty: all allowed). An
 * IP-literal host has no answers to check: `addressRefusal` judges it before any DNS.
 * @example await resolvedHostRefusals('https://hpf.example/api', policy, systemResolver) // []
 */
export async function resolvedHostRefusals(
  url: string,
  policy: EndpointPolicy,
  resolver: Resolver,
): Promise<string[]> {
  const host = normalizeHost(new URL(url).hostname);
  if (classifyAddress(host) !== undefined) return [];
  let answers: readonly ResolvedAddress[];
  try {
    answers = await resolver(host);
  } catch {
    return [`host ${host.slice(0, 64)} does not resolve`];
  }
  if (answers.length === 0) return [`host ${host.slice(0, 64)} does not resolve`];
  return answers
    .map((a) => addressRefusal(a.address, policy))
    .filter((r): r is string => r !== undefined)
    .map((r) => `host ${host.slice(0, 64)} resolves to ${r}`);
}

/** Options of `createGuardedTransport`. */
export interface GuardedTransportOptions {
  readonly baseUrl: string;
  readonly policy: EndpointPolicy;
  readonly resolver?: Resolver;
  /** The gateway CA: the only issuer the server certificate may come from. */
  readonly caPem: string;
  /** The gateway's client certificate and key, for mutual TLS. */
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
  /** Whether a certificate serial (lower-case hex, no leading zeros) is revoked, asked at every handshake. */
  readonly isRevoked?: (serialHex: string) => boolean;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Observes each connection attempt's refusal reason (tests, metrics). */
  readonly onRefused?: (reason: string) => void;
}

const REFUSED = 'EGW_ADDRESS_REFUSED';
const REVOKED = 'EGW_CERT_REVOKED';

class GuardError extends Error {
  override readonly name = 'GuardError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * A connect-time address check as a `net` lookup hook.
 * @example net.connect({ host, port, lookup: guardedLookup(policy, systemResolver) })
 */
export function guardedLookup(
  policy: EndpointPolicy,
  resolver: Resolver,
  onRefused?: (reason: string) => void,
): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname).then(
      (answers) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = answers.filter((a) => wanted === undefined || a.family === wanted);
        // One bad answer refuses the name: a rebinding name mixes a public and a private answer.
        const refused = answers.map((a) => addressRefusal(a.address, policy)).find((r) => r !== undefined);
        if (refused !== undefined || usable.length === 0) {
          const reason = refused ?? 'the name has no usable address';
          onRefused?.(reason);
          callback(new GuardError(REFUSED, reason), '', 4);
          return;
        }
        if (options.all)
          callback(
            null,
            usable.map((a) => ({ address: a.address, family: a.family })),
          );
        else {
          const first = usable[0];
          callback(null, first?.address ?? '', first?.family ?? 4);
        }
      },
      (error: unknown) => {
        const code =
          typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
            ? error.code
            : 'ENOTFOUND';
        callback(Object.assign(new Error('lookup failed'), { code }), '', 4);
      },
    );
  };
}

/**
 * Creates the guarded transport for one partner endpoint.
 * @example createGuardedTransport({ baseUrl: manifest.endpoint.url, policy, caPem, timeoutMs: 2000, maxResponseBytes: 262144 })
 */
export function createGuardedTransport(options: GuardedTransportOptions): HttpTransport {
  const url = new URL(options.baseUrl);
  if (url.protocol !== 'https:') throw new TypeError('a partner endpoint must be https');
  return new GuardedTransportImpl(url, options);
}

class GuardedTransportImpl implements HttpTransport {
  readonly basePath: string;
  readonly #pool: Pool;
  readonly #exchange: Exchange;

  constructor(url: URL, options: GuardedTransportOptions) {
    this.basePath = url.pathname.replace(/\/+$/, '');
    const base = buildConnector({
      ca: options.caPem,
      ...(options.clientCertPem === undefined ? {} : { cert: options.clientCertPem }),
      ...(options.clientKeyPem === undefined ? {} : { key: options.clientKeyPem }),
      rejectUnauthorized: true,
      timeout: Math.min(options.timeoutMs, 5_000),
      maxCachedSessions: 0,
      lookup: guardedLookup(options.policy, options.resolver ?? systemResolver, options.onRefused),
    });
    const { policy, isRevoked, onRefused } = options;
    this.#pool = new Pool(url.origin, {
      connections: 4,
      keepAliveTimeout: 5_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      maxRedirections: 0,
      connect(connectOptions, callback) {
        const host = normalizeHost(connectOptions.hostname);
        // An IP-literal host never reaches the lookup hook: check it here, before any socket.
        if (classifyAddress(host) !== undefined) {
          const refused = addressRefusal(host, policy);
          if (refused !== undefined) {
            onRefused?.(refused);
            callback(new GuardError(REFUSED, refused), null);
            return;
          }
        }
        base(connectOptions, (error, socket) => {
          if (error !== null || socket === null) {
            callback(error ?? new GuardError('ECONNRESET', 'no socket'), null);
            return;
          }
          const serial = (socket as TLSSocket).getPeerX509Certificate?.()?.serialNumber;
          const normalized = serial?.toLowerCase().replace(/^0+(?=.)/, '');
          if (normalized !== undefined && isRevoked?.(normalized)) {
            socket.destroy();
            callback(new GuardError(REVOKED, 'the server certificate is revoked'), null);
            return;
          }
          callback(null, socket);
        });
      },
    } as Pool.Options);
    // A partner's lost connection is never retried: it is reported like any other failure.
    this.#exchange = poolExchange(this.#pool, this.basePath, options.maxResponseBytes, (error) =>
      failedAttempt(classify(error)),
    );
  }

  async send(
    prepare: () => OutboundRequest | Promise<OutboundRequest>,
    options: SendOptions,
  ): Promise<TransportResult> {
    return sendWithRetry(prepare, options, false, this.#exchange);
  }

  async close(): Promise<void> {
    await this.#pool.destroy().catch(() => undefined);
  }
}

/** The innermost stable error code of a foreign error (undici wraps socket errors). */
function codeOf(error: unknown, depth = 0): string {
  if (typeof error !== 'object' || error === null || depth > 4) return 'UNKNOWN';
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const cause = 'cause' in error ? error.cause : undefined;
  const inner = cause === undefined ? undefined : codeOf(cause, depth + 1);
  if (code === undefined || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CONNECT')
    return inner !== undefined && inner !== 'UNKNOWN' ? inner : (code ?? 'UNKNOWN');
  return code;
}

function classify(error: unknown): RegistryFailure {
  const raw = codeOf(error);
  const code = /^[A-Z][A-Z0-9_]{0,63}$/.test(raw) ? raw : 'UNKNOWN';
  if (code === REFUSED) {
    const reason = error instanceof Error ? reasonOf(error) : '';
    return registryFailure(
      'ERR_REGISTRY_UNREACHABLE',
      `endpoint refused by the address policy${reason}`,
      false,
    );
  }
  if (code === REVOKED)
    return registryFailure(
      'ERR_REGISTRY_UNREACHABLE',
      'TLS handshake refused: the server certificate is revoked',
      false,
    );
  if (code === 'CERT_HAS_EXPIRED')
    return registryFailure(
      'ERR_REGISTRY_UNREACHABLE',
      'TLS handshake refused: the server certificate has expired',
      false,
    );
  if (/CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS_|ERR_SSL_/.test(code))
    return registryFailure('ERR_REGISTRY_UNREACHABLE', `TLS handshake failed (${code})`, false);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return registryFailure('ERR_REGISTRY_TIMEOUT', `registry too slow (${code})`);
  if (
    /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ECONNRESET|UND_ERR_CONNECT_TIMEOUT)$/.test(
      code,
    )
  )
    return registryFailure('ERR_REGISTRY_UNREACHABLE', `cannot connect (${code})`);
  return registryFailure('ERR_REGISTRY_ERROR', `request failed (${code})`);
}

/** The address-policy reason carried by our own error (its text is built from the policy, not the peer). */
function reasonOf(error: Error, depth = 0): string {
  if (error instanceof GuardError) return `: ${error.message}`;
  const cause = 'cause' in error ? error.cause : undefined;
  return cause instanceof Error && depth < 4 ? reasonOf(cause, depth + 1) : '';
}
