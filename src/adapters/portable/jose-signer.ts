/**
 * The decision {@link Signer} (WebCrypto by default, so it runs on Node and Workers; a
 * runtime may pass a native {@link JwsSignerFactory}), and the matching verifier auditors
 * and tests use, on jose. No `node:` import belongs here.
 */
import {
  calculateJwkThumbprint,
  compactVerify,
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { GatewayError } from '../../core/errors.ts';
import type { Signer } from '../../core/ports.ts';
import { compactJws, type JwsSign, type JwsSignerFactory, webCryptoJws } from './jws.ts';

export type DecisionAlgorithm = Signer['algorithm'];

/**
 * `typ` of every decision JWS, so a decision can never be mistaken for (or replayed as)
 * another kind of JWS signed by a key that happens to be trusted elsewhere. RFC 7515
 * §4.1.9 recommends omitting the `application/` prefix.
 */
export const DECISION_JWS_TYPE = 'egw-decision+jws';

export interface JoseSignerOptions {
  /** The current private key (EC P-256 for ES256, OKP Ed25519 for EdDSA). */
  readonly privateJwk: JWK;
  /** Key id; default the JWK's `kid`, else its RFC 7638 SHA-256 thumbprint. */
  readonly kid?: string;
  readonly alg: DecisionAlgorithm;
  /** Public keys no longer signing but still published so old decisions verify. */
  readonly retiredPublicJwks?: readonly JWK[];
}

const CURVE_OF: Readonly<Record<DecisionAlgorithm, { kty: string; crv: string }>> = {
  ES256: { kty: 'EC', crv: 'P-256' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
};

// Whitelisting public members (rather than deleting `d`) means a future private member
// can never slip into the published JWKS.
function publicPart(jwk: JWK, kid: string, alg: DecisionAlgorithm): Readonly<Record<string, unknown>> {
  const base = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  return Object.freeze(
    jwk.kty === 'EC' ? { ...base, y: jwk.y, kid, alg, use: 'sig' } : { ...base, kid, alg, use: 'sig' },
  );
}

function algorithmOf(jwk: JWK): DecisionAlgorithm | undefined {
  if (jwk.alg === 'ES256') return 'ES256';
  if (jwk.alg === 'EdDSA') return 'EdDSA';
  if (jwk.alg === 'Ed25519') return 'EdDSA';
  if (jwk.alg !== undefined) return undefined;
  return jwk.kty === 'EC' && jwk.crv === 'P-256'
    ? 'ES256'
    : jwk.kty === 'OKP' && jwk.crv === 'Ed25519'
      ? 'EdDSA'
      : undefined;
}

function checkCurve(jwk: JWK, alg: DecisionAlgorithm, what: string): void {
  const want = CURVE_OF[alg];
  if (
    jwk.kty !== want.kty ||
    jwk.crv !== want.crv ||
    typeof jwk.x !== 'string' ||
    (want.kty === 'EC' && typeof jwk.y !== 'string')
  )
    throw new TypeError(`${what}: ${alg} needs a ${want.kty} ${want.crv} key`);
}

class JoseSignerImpl implements Signer {
  readonly keyId: string;
  readonly algorithm: DecisionAlgorithm;
  readonly #sign: JwsSign;
  readonly #header: Readonly<Record<string, string>>;
  readonly #jwks: { keys: readonly Record<string, unknown>[] };

  constructor(sign: JwsSign, kid: string, alg: DecisionAlgorithm, keys: readonly Record<string, unknown>[]) {
    this.#sign = sign;
    this.keyId = kid;
    this.algorithm = alg;
    this.#header = Object.freeze({ alg, kid, typ: DECISION_JWS_TYPE });
    this.#jwks = Object.freeze({ keys: Object.freeze([...keys]) });
  }

  sign(payload: Uint8Array): Promise<string> {
    return compactJws(this.#header, payload, this.#sign);
  }

  signAs(typ: string, payload: Uint8Array): Promise<string> {
    return compactJws({ ...this.#header, typ }, payload, this.#sign);
  }

  jwks(): { keys: readonly Record<string, unknown>[] } {
    return this.#jwks;
  }
}

/**
 * A Signer whose key is imported once, here. Options are checked eagerly: curve matches
 * `alg`, retired keys are public with distinct kids, and a probe signature verifies
 * against the published public key (a private key paired with the wrong `x`/`y` would
 * otherwise publish a JWKS that verifies nothing).
 * @example
 * const signer = await createJoseSigner({ privateJwk, alg: 'ES256' }); // or (…, nodeJws) on Node
 * const jws = await signer.sign(canonicalBytes);
 */
export async function createJoseSigner(
  options: JoseSignerOptions,
  signWith: JwsSignerFactory = webCryptoJws,
): Promise<Signer> {
  const { privateJwk, alg } = options;
  checkCurve(privateJwk, alg, 'createJoseSigner');
  if (typeof privateJwk.d !== 'string')
    throw new TypeError('createJoseSigner: privateJwk has no private part (d)');
  if (options.kid !== undefined && privateJwk.kid !== undefined && options.kid !== privateJwk.kid)
    throw new TypeError('createJoseSigner: kid disagrees with privateJwk.kid');
  const kid = options.kid ?? privateJwk.kid ?? (await calculateJwkThumbprint(privateJwk, 'sha256'));
  const sign = await signWith(privateJwk, alg);

  const current = publicPart(privateJwk, kid, alg);
  const keys: Readonly<Record<string, unknown>>[] = [current];
  const seen = new Set([kid]);
  for (const retired of options.retiredPublicJwks ?? []) {
    if (retired.d !== undefined)
      throw new TypeError('createJoseSigner: a retired key carries private material');
    const retiredAlg = algorithmOf(retired);
    if (retiredAlg === undefined) throw new TypeError('createJoseSigner: retired key has no usable alg');
    checkCurve(retired, retiredAlg, 'createJoseSigner (retired)');
    const retiredKid = retired.kid ?? (await calculateJwkThumbprint(retired, 'sha256'));
    // A crash mid-rotation can leave the current key in the retired list too: publish it once.
    if (seen.has(retiredKid)) continue;
    seen.add(retiredKid);
    keys.push(publicPart(retired, retiredKid, retiredAlg));
  }

  const signer = new JoseSignerImpl(sign, kid, alg, keys);
  const probe = new TextEncoder().encode('egw-signer-probe');
  await verifyDecisionJws(await signer.sign(probe), { keys: [current] }).catch(() => {
    throw new TypeError('createJoseSigner: the private key does not match its public coordinates');
  });
  return signer;
}

/**
 * Verifies a decision JWS against a JWKS (e.g. `GET /.well-known/jwks.json`) and returns
 * its exact payload bytes. Requires `typ` {@link DECISION_JWS_TYPE}, `alg` ES256 or EdDSA
 * and a key selected by `kid`. Fails with `ERR_SIGNATURE_INVALID` (facts: jose's code).
 * @example
 * const payload = await verifyDecisionJws(decision.signature, await (await fetch(jwksUrl)).json());
 */
export async function verifyDecisionJws(
  jws: string,
  jwks: { readonly keys: readonly Record<string, unknown>[] } | JSONWebKeySet,
): Promise<Uint8Array> {
  return verifyTypedJws(jws, jwks, DECISION_JWS_TYPE);
}

/**
 * As {@link verifyDecisionJws}, for another `typ` signed with a decision key (issue 16: a peer
 * gateway's signed facts), so neither kind can pass for the other.
 * @example const payload = await verifyTypedJws(answer.signature, peer.jwks, 'egw-federation-facts+jws');
 */
export async function verifyTypedJws(
  jws: string,
  jwks: { readonly keys: readonly Record<string, unknown>[] } | JSONWebKeySet,
  typ: string,
): Promise<Uint8Array> {
  try {
    const keySet = createLocalJWKSet({ keys: jwks.keys.map((k) => ({ ...k })) });
    const { payload, protectedHeader } = await compactVerify(jws, keySet, { algorithms: ['ES256', 'EdDSA'] });
    if (protectedHeader.typ !== typ) {
      throw new GatewayError('ERR_SIGNATURE_INVALID', 'not a JWS of the expected type', {
        facts: { reason: 'typ' },
      });
    }
    return payload;
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    const reason = err instanceof errors.JOSEError ? err.code : 'invalid';
    throw new GatewayError('ERR_SIGNATURE_INVALID', `decision signature did not verify (${reason})`, {
      facts: { reason },
      cause: err,
    });
  }
}
