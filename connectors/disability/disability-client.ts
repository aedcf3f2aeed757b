/**
 * The disability federation (残联) connector over any `HttpTransport`: REST/JSON lookups of
 * disability certificates behind a fresh ES256 JWT per attempt, mapped to `DisabilityRecord`.
 * No runtime imports (jose and noble run on Node and Workers alike).
 */
import { p256 } from '@noble/curves/nist.js';
import type { JWK } from 'jose';
import { DisabilityRecord } from '../../schemas/registry-records.ts';
import { base64url, fromBase64 } from '../../src/core/encoding.ts';
import { compactJws, type JwsSign, type JwsSignerFactory } from '../../src/core/jws.ts';
import type { Connector, RegistryAnswer, RegistryQuery } from '../../src/core/ports.ts';
import { checkConfig, DisabilityConnectorConfig, type Es256PrivateJwk } from '../built-in-config.ts';
import { answerOf, guardQuery, queryInBatches } from '../shared/query-guard.ts';
import type { HttpTransport, OutboundRequest } from '../shared/transport.ts';
import {
  DISABILITY_HEALTH_PATH,
  DISABILITY_LOOKUP_PATH,
  DISABILITY_MAX_BATCH,
  type DisabilityLookup,
  decodeAnswer,
} from './disability-dialect.ts';

const encoder = new TextEncoder();

/** Lifetime of each bearer token: long enough for one attempt, short enough to be useless if leaked. */
const TOKEN_SECONDS = 60;

/**
 * The disability federation connector on a transport the runtime chose. The JWK is checked now.
 * `signWith` signs the per-query JWT: the runtime's signing port (WebCrypto on Workers,
 * node:crypto on Node).
 * @example const disability = createDisabilityClient(config.disability, createFetchTransport({ baseUrl: config.disability.baseUrl }));
 */
export function createDisabilityClient(
  config: DisabilityConnectorConfig,
  transport: HttpTransport,
  signWith: JwsSignerFactory,
): Connector<'disability'> {
  const checked = checkConfig(DisabilityConnectorConfig, config, 'disability federation');
  if (!privateKeyMatches(checked.privateJwk, signWith.publicPointOf ?? noblePublicPointOf)) {
    throw new TypeError(
      'invalid disability federation connector configuration: privateJwk is not a usable EC private key',
    );
  }
  return new DisabilityConnectorImpl(checked, transport, signWith);
}

/** The public point of a P-256 private scalar in pure JavaScript, for runtimes without their own. */
function noblePublicPointOf(d: string): { x: string; y: string } {
  const point = p256.getPublicKey(fromBase64(d), false);
  return { x: base64url(point.slice(1, 33)), y: base64url(point.slice(33)) };
}

// A JWK whose `d` does not belong to its `x`/`y` would make the federation refuse every
// token; the public point derived from `d` must be exactly (x, y). Derived by the runtime when it
// can (node:crypto), else in pure JavaScript.
function privateKeyMatches(
  jwk: Es256PrivateJwk,
  publicPointOf: (d: string) => { readonly x: string; readonly y: string },
): boolean {
  try {
    const { x, y } = publicPointOf(jwk.d);
    return x === jwk.x && y === jwk.y;
  } catch {
    return false;
  }
}

class DisabilityConnectorImpl implements Connector<'disability'> {
  readonly id = 'builtin-disability';
  readonly source = 'disability' as const;
  readonly #config: DisabilityConnectorConfig;
  readonly #transport: HttpTransport;
  readonly #signWith: JwsSignerFactory;
  #sign: Promise<JwsSign> | undefined;

  constructor(config: DisabilityConnectorConfig, transport: HttpTransport, signWith: JwsSignerFactory) {
    this.#config = config;
    this.#transport = transport;
    this.#signWith = signWith;
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
    return answerOf(result, decodeAnswer, DisabilityRecord, batch);
  }

  async #authorised(method: 'GET' | 'POST', path: string, body?: string): Promise<OutboundRequest> {
    this.#sign ??= this.#signWith(this.#config.privateJwk as JWK, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: this.#config.issuer,
      aud: this.#config.audience,
      iat: now,
      exp: now + TOKEN_SECONDS,
      jti: crypto.randomUUID(),
    };
    const token = await compactJws(
      { alg: 'ES256', kid: this.#config.kid, typ: 'JWT' },
      encoder.encode(JSON.stringify(claims)),
      await this.#sign,
    );
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
