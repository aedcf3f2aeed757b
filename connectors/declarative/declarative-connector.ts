/**
 * The declarative connector: one partner registry driven by its manifest alone. It renders
 * the request template, sends it over the guarded transport (mutual TLS with the gateway's
 * client certificate, or an HMAC app-key signature), checks the agency's response signature
 * when the manifest asks for it (JWKS), maps the answer to facts, and holds the manifest's
 * rate quota and timeout. Like every connector, `query` never rejects.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { compactVerify, createLocalJWKSet } from 'jose';
import type { Source } from '../../schemas/common.ts';
import type { ConnectorManifest } from '../../schemas/connector-manifest.ts';
import { isBuiltInKind } from '../../schemas/connector-manifest.ts';
import type {
  Connector,
  PartnerConnector,
  PartnerRecord,
  RecordsBySource,
  RegistryAnswer,
  RegistryQuery,
} from '../../src/core/ports.ts';
import { guardQuery, queryInBatches } from '../shared/query-guard.ts';
import { failureForStatus, registryFailure, unavailable } from '../shared/registry-failure.ts';
import type { HttpTransport, OutboundRequest } from '../shared/transport.ts';
import { mapAnswer, parseAnswer } from './answer-mapping.ts';
import { isPerSubject, renderRequest } from './request-template.ts';

/** The HMAC app key the gateway issued to the agency for this connector. */
export interface HmacKey {
  readonly keyId: string;
  readonly secret: Uint8Array;
}

/** Options of `createDeclarativeConnector`. */
export interface DeclarativeConnectorOptions {
  readonly manifest: ConnectorManifest;
  /** The gateway's version number of this manifest (1, 2, …). */
  readonly version: number;
  readonly transport: HttpTransport;
  /** Required when the manifest authenticates with `hmac`. */
  readonly hmacKey?: HmacKey;
  /** Wall clock (HMAC timestamps and the quota's refill); injectable for tests. */
  readonly now?: () => Date;
  /** Hold the manifest's rate quota. Default true; a conformance run uses its own instance without. */
  readonly enforceQuota?: boolean;
}

/** A partner connector that can also tell whether it serves a region. */
export interface DeclarativeConnector extends PartnerConnector {
  readonly manifest: ConnectorManifest;
}

/** The headers of an HMAC-signed request. */
export const HMAC_HEADERS = {
  keyId: 'x-egw-key-id',
  timestamp: 'x-egw-timestamp',
  nonce: 'x-egw-nonce',
  signature: 'x-egw-signature',
} as const;

/**
 * The string an HMAC signature covers: method, path (with query), timestamp, nonce and
 * the body's sha256, one per line. Agencies verify exactly this.
 * @example hmacSigningString('POST', '/api/query', '1767225600', 'n-1', body)
 */
export function hmacSigningString(
  method: string,
  path: string,
  timestamp: string,
  nonce: string,
  body: string | Uint8Array | undefined,
): string {
  const digest = createHash('sha256')
    .update(body ?? '')
    .digest('hex');
  return [method, path, timestamp, nonce, digest].join('\n');
}

/**
 * Signs an outbound request with the app key (fresh timestamp and nonce each attempt).
 * @example signRequest(request, '/base', key, new Date())
 */
export function signRequest(
  request: OutboundRequest,
  basePath: string,
  key: HmacKey,
  now: Date,
): OutboundRequest {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const nonce = randomUUID();
  const signature = createHmac('sha256', key.secret)
    .update(hmacSigningString(request.method, basePath + request.path, timestamp, nonce, request.body))
    .digest('base64');
  return {
    ...request,
    headers: {
      ...request.headers,
      [HMAC_HEADERS.keyId]: key.keyId,
      [HMAC_HEADERS.timestamp]: timestamp,
      [HMAC_HEADERS.nonce]: nonce,
      [HMAC_HEADERS.signature]: signature,
    },
  };
}

/**
 * Whether a manifest's regions cover a request's region: listed exactly, or through its
 * city (`3201xx` → `320100`) or province (`32xxxx` → `320000`).
 * @example servesRegion(['320100'], '320105') // true
 */
export function servesRegion(regions: readonly string[], region: string): boolean {
  return (
    regions.includes(region) ||
    regions.includes(`${region.slice(0, 4)}00`) ||
    regions.includes(`${region.slice(0, 2)}0000`)
  );
}

/**
 * Creates the connector. The manifest must already be validated (ConnectorManifest).
 * @example const hpf = createDeclarativeConnector({ manifest, version: 1, transport });
 */
export function createDeclarativeConnector(options: DeclarativeConnectorOptions): DeclarativeConnector {
  if (options.manifest.authentication.type === 'hmac' && options.hmacKey === undefined)
    throw new TypeError('an hmac manifest needs the issued app key');
  return new DeclarativeConnectorImpl(options);
}

class DeclarativeConnectorImpl implements DeclarativeConnector {
  readonly id: string;
  readonly kind: string;
  readonly version: number;
  readonly manifest: ConnectorManifest;
  readonly #transport: HttpTransport;
  readonly #hmacKey: HmacKey | undefined;
  readonly #now: () => Date;
  readonly #perSubject: boolean;
  readonly #jwks: ReturnType<typeof createLocalJWKSet> | undefined;
  readonly #enforceQuota: boolean;
  #tokens: number;
  #refilledAt: number;

  constructor(options: DeclarativeConnectorOptions) {
    this.manifest = options.manifest;
    this.id = options.manifest.id;
    this.kind = options.manifest.registry.kind;
    this.version = options.version;
    this.#transport = options.transport;
    this.#hmacKey = options.hmacKey;
    this.#now = options.now ?? (() => new Date());
    this.#perSubject = isPerSubject(options.manifest.request);
    const auth = options.manifest.authentication;
    this.#jwks =
      auth.type === 'jwks' ? createLocalJWKSet({ keys: auth.jwks.keys.map((k) => ({ ...k })) }) : undefined;
    this.#enforceQuota = options.enforceQuota ?? true;
    this.#tokens = this.#burst();
    this.#refilledAt = this.#now().getTime();
  }

  serves(region: string): boolean {
    return servesRegion(this.manifest.regions, region);
  }

  query(query: RegistryQuery): Promise<RegistryAnswer<PartnerRecord>> {
    const signal = AbortSignal.any([query.signal, AbortSignal.timeout(this.manifest.timeoutMs)]);
    const batchSize = this.#perSubject ? 1 : (this.manifest.request.batchSize ?? 20);
    return guardQuery(signal, () =>
      queryInBatches(query.subjects, batchSize, (batch) => this.#lookUp(batch, query, signal)),
    );
  }

  #burst(): number {
    return Math.max(1, Math.ceil(this.manifest.quota.requestsPerMinute / 6));
  }

  /** One token per call; the bucket refills at requestsPerMinute, bursting up to a tenth of a minute. */
  #takeToken(): boolean {
    const now = this.#now().getTime();
    const rate = this.manifest.quota.requestsPerMinute / 60_000;
    this.#tokens = Math.min(this.#burst(), this.#tokens + Math.max(0, now - this.#refilledAt) * rate);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  async #lookUp(
    batch: readonly string[],
    query: RegistryQuery,
    signal: AbortSignal,
  ): Promise<RegistryAnswer<PartnerRecord>> {
    if (this.#enforceQuota && !this.#takeToken())
      return unavailable(registryFailure('ERR_REGISTRY_ERROR', "the registry's rate quota is used up", true));
    const values = {
      subjects: batch,
      purpose: query.purpose,
      consentReference: query.consentReference,
      requestId: query.requestId,
    };
    const result = await this.#transport.send(
      () => {
        const request = renderRequest(this.manifest, values);
        return this.#hmacKey
          ? signRequest(request, this.#transport.basePath, this.#hmacKey, this.#now())
          : request;
      },
      { signal, idempotent: true },
    );
    if (!result.ok) return unavailable(result.failure);
    const { status } = result.response;
    if (status === this.manifest.request.notFoundStatus) return { status: 'answered', records: new Map() };
    if (status >= 300 && status < 400)
      return unavailable(
        registryFailure(
          'ERR_REGISTRY_ERROR',
          `registry answered a redirect (HTTP ${status}); redirects are not followed`,
          false,
        ),
      );
    const refused = failureForStatus(status);
    if (refused) return unavailable(refused);
    const body = await this.#payload(result.response.body);
    if (body === undefined)
      return unavailable(
        registryFailure('ERR_REGISTRY_MALFORMED', "response is not signed by a key of the agency's JWKS"),
      );
    const parsed = parseAnswer(body, this.manifest.endpoint.protocol);
    if (!parsed.ok) return unavailable(parsed.failure);
    const mapped = mapAnswer(this.manifest, parsed.value, new Set(batch));
    return mapped.ok ? { status: 'answered', records: mapped.value } : unavailable(mapped.failure);
  }

  /** The answer's text; under `jwks` authentication the verified payload of its compact JWS. */
  async #payload(body: Uint8Array): Promise<string | undefined> {
    const text = new TextDecoder().decode(body);
    if (this.#jwks === undefined) return text;
    try {
      const { payload } = await compactVerify(text.trim(), this.#jwks, { algorithms: ['ES256', 'EdDSA'] });
      return new TextDecoder().decode(payload);
    } catch {
      return undefined;
    }
  }

  close(): Promise<void> {
    return this.#transport.close();
  }
}

/**
 * A partner connector of a built-in kind as that source's `Connector` (its records were
 * validated against the built-in record schema while mapping).
 * @example registry.install(asBuiltInConnector(hrssDistrict, 'hrss'))
 */
export function asBuiltInConnector<S extends Source>(partner: PartnerConnector, source: S): Connector<S> {
  if (!isBuiltInKind(partner.kind) || partner.kind !== source)
    throw new TypeError(`connector ${partner.id} is not of the built-in kind ${source}`);
  return {
    id: partner.id,
    source,
    async query(query) {
      const answer = await partner.query(query);
      if (answer.status === 'unavailable') return answer;
      const records = new Map<string, RecordsBySource[S][]>();
      for (const [subject, list] of answer.records)
        records.set(
          subject,
          list.map((r) => ({ idNumber: r.idNumber, ...r.facts }) as unknown as RecordsBySource[S]),
        );
      return { status: 'answered', records };
    },
    ...(partner.close ? { close: () => partner.close?.() ?? Promise.resolve() } : {}),
  };
}
