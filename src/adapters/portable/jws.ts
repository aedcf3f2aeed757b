/**
 * Compact JWS (RFC 7515 §7.1) from a protected header, a payload and a signing function.
 * The signing function is the only part that differs between runtimes: WebCrypto by default
 * (Node and Workers), node:crypto on Node (`src/adapters/node/node-jws.ts`), where signing in
 * the calling thread costs a quarter of a WebCrypto job. Both give raw `r || s` (ES256) or
 * Ed25519 signatures, as JWS wants, so either verifies with any JOSE library.
 */
import { importJWK, type JWK } from 'jose';
import { base64url } from '../../core/encoding.ts';

export type JwsAlgorithm = 'ES256' | 'EdDSA';

/** Signs a JWS signing input (`base64url(header).base64url(payload)`) under one private key. */
export type JwsSign = (signingInput: Uint8Array) => Promise<Uint8Array>;

/** Turns a private JWK into a {@link JwsSign} for `alg`; the key is imported once, here. */
export type JwsSignerFactory = (privateJwk: JWK, alg: JwsAlgorithm) => Promise<JwsSign>;

const WEBCRYPTO_PARAMS: Readonly<Record<JwsAlgorithm, { name: string; hash?: string }>> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

/** JWS signing through WebCrypto, available on every runtime. */
export const webCryptoJws: JwsSignerFactory = async (privateJwk, alg) => {
  const key = await importJWK({ ...privateJwk, alg, ext: false }, alg);
  if (key instanceof Uint8Array) throw new TypeError('a JWS signing key must be asymmetric');
  const params = WEBCRYPTO_PARAMS[alg];
  return async (input) => new Uint8Array(await crypto.subtle.sign(params, key, input));
};

const encoder = new TextEncoder();

/**
 * @example
 * const jws = await compactJws({ alg: 'ES256', kid, typ: 'JWT' }, encoder.encode(JSON.stringify(claims)), sign);
 */
export async function compactJws(
  header: Readonly<Record<string, unknown>>,
  payload: Uint8Array,
  sign: JwsSign,
): Promise<string> {
  const signingInput = `${base64url(encoder.encode(JSON.stringify(header)))}.${base64url(payload)}`;
  return `${signingInput}.${base64url(await sign(encoder.encode(signingInput)))}`;
}
