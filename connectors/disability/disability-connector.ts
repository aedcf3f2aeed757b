/**
 * The built-in disability federation (残联) connector: REST/JSON lookups of disability
 * certificates behind a fresh ES256 JWT per attempt, mapped to `DisabilityRecord`.
 */
import {
  createPrivateKey,
  createPublicKey,
  type JsonWebKey,
  randomUUID,
  sign as signWithKey,
  verify as verifyWithKey,
} from 'node:crypto';
import { type CryptoKey, importJWK, type JWK, SignJWT } from 'jose';
import { DisabilityRecord } from '../../schemas/registry-records.ts';
import type { Connector, RegistryAnswer, RegistryQuery } from '../../src/core/ports.ts';
import { checkConfig, DisabilityConnectorConfig, type Es256PrivateJwk } from '../built-in-config.ts';
import {
  createHttpTransport,
  type HttpTransport,
  type OutboundRequest,
  type TransportOptions,
} from '../shared/http-transport.ts';
import { collectRecords, guardQuery, queryInBatches } from '../shared/query-guard.ts';
import { failureForStatus, unavailable } from '../shared/registry-failure.ts';
import {
  DISABILITY_HEALTH_PATH,
  DISABILITY_LOOKUP_PATH,
  DISABILITY_MAX_BATCH,
  type DisabilityLookup,
  decodeAnswer,
} from './disability-dialect.ts';

/** Lifetime of each bearer token: long enough for one attempt, short enough to be useless if leaked. */
const TOKEN_SECONDS = 60;

/**
 * Creates the disability federation connector. The JWK is checked now.
 * @example const disability = createDisabilityConnector(config.disability);
 */
export function createDisabilityConnector(
  config: DisabilityConnectorConfig,
  transport: Partial<TransportOptions> = {},
): Connector<'disability'> {
  const checked = checkConfig(DisabilityConnectorConfig, config, 'disability federation');
  if (!privateKeyMatches(checked.privateJwk)) {
    throw new TypeError(
      'invalid disability federation connector configuration: privateJwk is not a usable EC private key',
    );
  }
  return new DisabilityConnectorImpl(
    checked,
    createHttpTransport({ ...transport, baseUrl: checked.baseUrl }),
  );
}

// Node accepts a JWK whose `d` does not belong to its `x`/`y`, and the federation would
// then refuse every token; a signature made with `d` and checked against `x`/`y` proves the pair.
function privateKeyMatches(jwk: Es256PrivateJwk): boolean {
  try {
    const probe = Buffer.from('egw key check');
    const signature = signWithKey(
      'sha256',
      probe,
      createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }),
    );
    const { d: _d, ...publicJwk } = jwk;
    return verifyWithKey(
      'sha256',
      probe,
      createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' }),
      signature,
    );
  } catch {
    return false;
  }
}

class DisabilityConnectorImpl implements Connector<'disability'> {
  readonly id = 'builtin-disability';
  readonly source = 'disability' as const;
  readonly #config: DisabilityConnectorConfig;
  readonly #transport: HttpTransport;
  #key: Promise<CryptoKey | Uint8Array> | undefined;

  constructor(config: DisabilityConnectorConfig, transport: HttpTransport) {
    this.#config = config;
    this.#transport = transport;
  }

  query(query: RegistryQuery): Promise<RegistryAnswer<DisabilityRecord>> {
    return guardQuery(query.signal, () =>
      queryInBatches(query.subjects, DISABILITY_MAX_BATCH, (batch) => this.#lookUp(batch, query)),
    );
  }

  async #lookUp(batch: readonly string[], query: RegistryQuery): Promise<RegistryAnswer<DisabilityRecord>> {
    const lookup: DisabilityLookup = {
      query_purpose: query.purpose,
      consent_ref: query.consentReference,
      trace_id: query.requestId,
      id_card_nos: [...batch],
    };
    const body = JSON.stringify(lookup);
    const result = await this.#transport.send(() => this.#authorised('POST', DISABILITY_LOOKUP_PATH, body), {
      signal: query.signal,
      idempotent: true,
    });
    if (!result.ok) return unavailable(result.failure);
    const refused = failureForStatus(result.response.status);
    if (refused) return unavailable(refused);
    const decoded = decodeAnswer(result.response.body);
    if (!decoded.ok) return unavailable(decoded.failure);
    return collectRecords(DisabilityRecord, decoded.value, new Set(batch));
  }

  async #authorised(method: 'GET' | 'POST', path: string, body?: string): Promise<OutboundRequest> {
    this.#key ??= importJWK(this.#config.privateJwk as JWK, 'ES256');
    // A new token (new jti) per attempt: the federation refuses a token it has seen.
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.#config.kid, typ: 'JWT' })
      .setIssuer(this.#config.issuer)
      .setAudience(this.#config.audience)
      .setIssuedAt()
      .setExpirationTime(`${TOKEN_SECONDS}s`)
      .setJti(randomUUID())
      .sign(await this.#key);
    return {
      method,
      path,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      },
      ...(body === undefined ? {} : { body }),
    };
  }

  async ping(signal: AbortSignal): Promise<boolean> {
    const result = await this.#transport.send(() => this.#authorised('GET', DISABILITY_HEALTH_PATH), {
      signal,
      idempotent: true,
    });
    return result.ok && result.response.status === 200;
  }

  close(): Promise<void> {
    return this.#transport.close();
  }
}
