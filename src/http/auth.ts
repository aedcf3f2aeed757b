/**
 * Bearer JWT authentication and scope checks, as hono option-factory middleware.
 * A bad or absent token is 401 `ERR_UNAUTHENTICATED`; a good token without the scope is
 * 403 `ERR_FORBIDDEN`; an unreachable remote JWKS is 503 `ERR_ISSUER_UNAVAILABLE` (the
 * token was not judged, so telling the client it is bad would make it discard a good one).
 */
import type { MiddlewareHandler } from 'hono';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { isHighS } from '../core/ecdsa-low-s.ts';
import { GatewayError } from '../core/errors.ts';
import { problemResponse } from './problems.ts';

/** Asymmetric JWS algorithms only: HS* would let anyone holding the public JWKS mint tokens. */
export const ASYMMETRIC_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** The scopes the contract names. */
export const SCOPES = [
  'verifications:write',
  'verifications:read',
  'audit:read',
  'subjects:read',
  'connectors:admin',
  'connectors:register',
  'reviews:write',
  'webhooks:admin',
  'reverifications:admin',
  'console:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/** One token issuer the gateway trusts. Exactly one of `jwks` and `jwksUrl`. */
export interface TrustedIssuer {
  /** Exact `iss` value. */
  readonly issuer: string;
  /** Accepted `aud` value(s); the token must name at least one. */
  readonly audience: string | readonly string[];
  /** Remote JWKS, fetched lazily and cached; https, or http on loopback only. */
  readonly jwksUrl?: string | URL;
  /** Inline JWKS (a file's contents are read by the caller). */
  readonly jwks?: JSONWebKeySet;
  /**
   * The `typ` header its access tokens carry (RFC 9068: `at+jwt`, which `application/at+jwt`
   * also matches). Default `at+jwt`; `false` accepts any, for an issuer that sets none.
   */
  readonly typ?: string | false;
  /** Longest lifetime (`exp` − `iat`) accepted from this issuer, seconds. Default 86400. */
  readonly maxLifetimeSeconds?: number;
  /**
   * Accept ECDSA signatures whose s is above half the curve order. Default false: each token
   * then has one encoding (see ecdsa-low-s.ts). Set it for an issuer whose signer does not
   * normalise s (OpenSSL and WebCrypto do not), or half of its tokens are refused.
   */
  readonly allowHighS?: boolean;
}

/** Default longest token lifetime: one working day and then some. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400;

/**
 * A client id is an intake system's name, and it is written into every decision leaf: a
 * short token of URL-safe characters, never free text (issue 11).
 */
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,127}$/;

export interface BearerJwtOptions {
  readonly issuers: readonly TrustedIssuer[];
  /** Allowed `alg` header values. Default `['ES256', 'EdDSA']`. */
  readonly algorithms?: readonly AsymmetricAlgorithm[];
  /** Skew allowed on `exp`/`nbf`/`iat`, seconds. Default 30. */
  readonly clockToleranceSeconds?: number;
  /** Realm in the WWW-Authenticate challenge. Default `eligibility-gateway`. */
  readonly realm?: string;
  /** Remote JWKS fetch timeout, ms. Default 5000. */
  readonly jwksTimeoutMs?: number;
  /** Called with the reason of each rejection, for metrics; never with the token. */
  readonly onReject?: (reason: AuthRejectReason) => void;
  /**
   * How long a verified token is remembered, seconds. Intake systems reuse one access token
   * for its whole life, and re-verifying its signature on every request is the single
   * largest cost of authentication. A remembered token still expires at its `exp`; a key
   * withdrawn from an issuer's set stops being honoured within this time. Default 60; 0 turns
   * the memory off.
   */
  readonly verifiedTokenSeconds?: number;
}

export type AuthRejectReason =
  | 'missing'
  | 'malformed'
  | 'algorithm'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not_yet_valid'
  | 'signature'
  | 'claims'
  | 'issuer_unavailable';

/** The authenticated client. Carries no personal data: it names a system, not a person. */
export interface Principal {
  /** `client_id` claim, else `sub`. */
  readonly clientId: string;
  /** From `scope` (space-separated) or `scp` (array or string). */
  readonly scopes: readonly string[];
  readonly issuer: string;
  /** `agency` claim: the partner agency a `connectors:register` token acts for. */
  readonly agency?: string;
}

/** Hono variables set by {@link bearerJwt}. */
export type AuthVariables = { principal: Principal };
export type AuthEnv = { Variables: AuthVariables };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// Large enough for any sane access token, small enough that decoding junk stays cheap.
const MAX_TOKEN_LENGTH = 8192;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

interface IssuerEntry {
  readonly issuer: string;
  readonly audience: string | string[];
  readonly typ: string | undefined;
  readonly maxLifetimeSeconds: number;
  readonly allowHighS: boolean;
  readonly getKey: JWTVerifyGetKey;
  readonly remote: boolean;
}

function checkAlgorithms(algorithms: readonly string[]): AsymmetricAlgorithm[] {
  if (algorithms.length === 0) throw new TypeError('bearerJwt: algorithms must not be empty');
  return algorithms.map((alg) => {
    const known = ASYMMETRIC_ALGORITHMS.find((a) => a === alg);
    if (known === undefined)
      throw new TypeError(`bearerJwt: algorithm ${alg} is not an allowed asymmetric algorithm`);
    return known;
  });
}

function buildIssuer(config: TrustedIssuer, timeoutDuration: number): IssuerEntry {
  if (!config.issuer) throw new TypeError('bearerJwt: issuer must not be empty');
  const audience = typeof config.audience === 'string' ? config.audience : [...config.audience];
  if (audience.length === 0) throw new TypeError(`bearerJwt: issuer ${config.issuer} needs an audience`);
  if ((config.jwks === undefined) === (config.jwksUrl === undefined))
    throw new TypeError(`bearerJwt: issuer ${config.issuer} needs exactly one of jwks and jwksUrl`);
  const maxLifetimeSeconds = config.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(maxLifetimeSeconds) || maxLifetimeSeconds <= 0)
    throw new TypeError(`bearerJwt: maxLifetimeSeconds of ${config.issuer} must be a positive whole number`);
  const typ = config.typ === false ? undefined : (config.typ ?? 'at+jwt');
  const common = {
    issuer: config.issuer,
    audience,
    typ,
    maxLifetimeSeconds,
    allowHighS: config.allowHighS ?? false,
  };
  if (config.jwks !== undefined) {
    // Built once here: a key set per request would re-import every key on every call.
    return { ...common, getKey: createLocalJWKSet(config.jwks), remote: false };
  }
  const url = new URL(config.jwksUrl ?? '');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    throw new TypeError(`bearerJwt: jwksUrl for ${config.issuer} must be https`);
  return { ...common, getKey: createRemoteJWKSet(url, { timeoutDuration }), remote: true };
}

/**
 * Tokens already verified, with the principal they carry, until the earlier of their expiry
 * and the memory's own limit. Bounded: when full, the oldest entry goes first.
 */
function verifiedTokenMemory(seconds: number, clockTolerance: number, capacity = 4096) {
  const entries = new Map<string, { readonly principal: Principal; readonly untilMs: number }>();
  return {
    get(token: string): Principal | undefined {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      if (Date.now() < entry.untilMs) return entry.principal;
      entries.delete(token);
      return undefined;
    },
    remember(token: string, principal: Principal, exp: number | undefined): void {
      if (seconds === 0 || exp === undefined) return;
      if (entries.size >= capacity) entries.delete(entries.keys().next().value as string);
      const untilMs = Math.min((exp + clockTolerance) * 1000, Date.now() + seconds * 1000);
      entries.set(token, { principal, untilMs });
    },
  };
}

function reasonOf(err: unknown, remote: boolean): AuthRejectReason {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'not_yet_valid';
    if (err.claim === 'aud') return 'audience';
    if (err.claim === 'iss') return 'issuer';
    return 'claims';
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm';
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey)
    return 'signature';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return 'issuer_unavailable';
  // Remote key sets fail with a generic JOSEError on non-200 and with fetch's TypeError offline.
  if (remote && (!(err instanceof errors.JOSEError) || err.code === 'ERR_JOSE_GENERIC'))
    return 'issuer_unavailable';
  return 'malformed';
}

function principalOf(payload: JWTPayload, issuer: string): Principal | undefined {
  // Present claims of the wrong type are refused, never coerced or skipped for the other one.
  if (payload.client_id !== undefined && typeof payload.client_id !== 'string') return undefined;
  if (payload.sub !== undefined && typeof payload.sub !== 'string') return undefined;
  const clientId = payload.client_id || payload.sub || undefined;
  if (clientId === undefined || !CLIENT_ID.test(clientId)) return undefined;
  const { scope, scp } = payload;
  const scopes =
    typeof scope === 'string'
      ? scope.split(/\s+/)
      : Array.isArray(scp)
        ? scp.filter((s): s is string => typeof s === 'string')
        : typeof scp === 'string'
          ? scp.split(/\s+/)
          : [];
  const agency =
    typeof payload.agency === 'string' && /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(payload.agency)
      ? payload.agency
      : undefined;
  return Object.freeze({
    clientId,
    scopes: Object.freeze(scopes.filter((s) => s !== '')),
    issuer,
    ...(agency === undefined ? {} : { agency }),
  });
}

/**
 * Verifies `Authorization: Bearer <jwt>` against the trusted issuers and sets
 * `c.var.principal`. Options are checked eagerly and key sets built once.
 * The token's `alg` must be in the allow-list (never `none`, never HS*), `exp` is
 * required, and `iss`/`aud` must match one configured issuer exactly.
 * @example
 * const app = new Hono<AuthEnv>();
 * app.use('/v1/*', bearerJwt({ issuers: [{ issuer: 'https://idp.example', audience: 'eligibility-gateway', jwksUrl: 'https://idp.example/jwks' }] }));
 * app.post('/v1/verifications', requireScope('verifications:write'), (c) => c.json({ client: c.var.principal.clientId }));
 */
export function bearerJwt(options: BearerJwtOptions): MiddlewareHandler<AuthEnv> {
  const algorithms = checkAlgorithms(options.algorithms ?? ['ES256', 'EdDSA']);
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0 || clockTolerance > 300)
    throw new TypeError('bearerJwt: clockToleranceSeconds must be between 0 and 300');
  if (options.issuers.length === 0) throw new TypeError('bearerJwt: at least one issuer is required');
  const issuers = new Map<string, IssuerEntry>();
  for (const config of options.issuers) {
    if (issuers.has(config.issuer))
      throw new TypeError(`bearerJwt: issuer ${config.issuer} is configured twice`);
    issuers.set(config.issuer, buildIssuer(config, options.jwksTimeoutMs ?? 5000));
  }
  const realm = (options.realm ?? 'eligibility-gateway').replace(/[\\"]/g, '');
  const rememberSeconds = options.verifiedTokenSeconds ?? 60;
  if (!Number.isFinite(rememberSeconds) || rememberSeconds < 0 || rememberSeconds > 3600)
    throw new TypeError('bearerJwt: verifiedTokenSeconds must be between 0 and 3600');
  const verified = verifiedTokenMemory(rememberSeconds, clockTolerance);

  return async function bearerJwtMiddleware(c, next) {
    const reject = (reason: AuthRejectReason): Response => {
      options.onReject?.(reason);
      if (reason === 'issuer_unavailable') {
        return problemResponse(
          c,
          new GatewayError('ERR_ISSUER_UNAVAILABLE', 'JWKS unavailable', { retryable: true }),
          {
            headers: { 'Retry-After': '5' },
          },
        );
      }
      // RFC 6750 §3.1: no error code when the request carried no credentials at all.
      const challenge =
        reason === 'missing' ? `Bearer realm="${realm}"` : `Bearer realm="${realm}", error="invalid_token"`;
      return problemResponse(
        c,
        new GatewayError('ERR_UNAUTHENTICATED', `bearer token rejected: ${reason}`, { facts: { reason } }),
        {
          headers: { 'WWW-Authenticate': challenge },
        },
      );
    };

    const header = c.req.header('Authorization');
    if (header === undefined || header.trim() === '') return reject('missing');
    const match = /^Bearer +(\S+)\s*$/i.exec(header);
    const token = match?.[1];
    if (token === undefined || token.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(token))
      return reject('malformed');
    const known = verified.get(token);
    if (known !== undefined) {
      c.set('principal', known);
      await next();
      return;
    }

    let alg: unknown;
    let iss: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
      iss = decodeJwt(token).iss;
    } catch {
      return reject('malformed');
    }
    // Checked before any key lookup so `none` and HS* never reach a verifier.
    if (typeof alg !== 'string' || !algorithms.some((a) => a === alg)) return reject('algorithm');
    const entry = typeof iss === 'string' ? issuers.get(iss) : undefined;
    if (entry === undefined) return reject('issuer');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, entry.getKey, {
        issuer: entry.issuer,
        audience: entry.audience,
        algorithms,
        clockTolerance,
        requiredClaims: ['exp', 'iss', 'aud', 'iat'],
        ...(entry.typ === undefined ? {} : { typ: entry.typ }),
      }));
    } catch (err) {
      return reject(reasonOf(err, entry.remote));
    }
    if (!entry.allowHighS && isHighS(alg, token.slice(token.lastIndexOf('.') + 1)))
      return reject('signature');
    const { iat, exp } = payload;
    if (typeof iat !== 'number' || typeof exp !== 'number') return reject('claims');
    if (iat > Date.now() / 1000 + clockTolerance) return reject('not_yet_valid');
    if (exp - iat > entry.maxLifetimeSeconds) return reject('claims');
    const principal = principalOf(payload, entry.issuer);
    if (principal === undefined) return reject('claims');
    verified.remember(token, principal, payload.exp);
    c.set('principal', principal);
    await next();
  };
}

/**
 * Lets the request through when the principal holds ANY of `scopes` (any-of: list the
 * alternatives that each suffice, e.g. `requireScope('connectors:admin', 'audit:read')`;
 * chain two middlewares for all-of). Without a principal (bearerJwt not mounted) it fails
 * closed with 401; with one but no matching scope, 403 `ERR_FORBIDDEN`.
 * @example
 * app.get('/v1/subjects/access', requireScope('subjects:read'), handler);
 */
export function requireScope(...scopes: [Scope, ...Scope[]]): MiddlewareHandler<AuthEnv> {
  if (scopes.length === 0) throw new TypeError('requireScope: name at least one scope');
  const wanted = [...scopes];
  return async function requireScopeMiddleware(c, next) {
    const principal = c.get('principal') as Principal | undefined;
    if (principal === undefined) {
      return problemResponse(
        c,
        new GatewayError('ERR_UNAUTHENTICATED', 'no principal: bearerJwt not mounted'),
      );
    }
    if (!wanted.some((s) => principal.scopes.includes(s))) {
      return problemResponse(
        c,
        new GatewayError('ERR_FORBIDDEN', 'missing scope', { facts: { required: wanted.join(' ') } }),
        { headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${wanted.join(' ')}"` } },
      );
    }
    await next();
  };
}
