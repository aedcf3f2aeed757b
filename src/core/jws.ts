/**
 * The signing port for compact JWS (RFC 7515 §7.1): a protected header, a payload and a
 * signing function. The signing function is the only part that differs between runtimes, so
 * it is passed in: WebCrypto (`src/adapters/portable/jws.ts`, Node and Workers) or
 * node:crypto (`src/adapters/node/node-jws.ts`). Both give raw `r || s` (ES256) or Ed25519
 * signatures, as JWS wants, so either verifies with any JOSE library. Connectors that sign
 * their requests (the disability federation's JWT) take a `JwsSignerFactory` from the runtime.
 */
import { base64url } from './encoding.ts';

export type JwsAlgorithm = 'ES256' | 'EdDSA';

/** Signs a JWS signing input (`base64url(header).base64url(payload)`) under one private key. */
export type JwsSign = (signingInput: Uint8Array) => Promise<Uint8Array>;

/** A private JWK, as the signing port sees it: the JOSE members only. */
export type PrivateJwk = Readonly<Record<string, unknown>>;

/**
 * Turns a private JWK into a {@link JwsSign} for `alg`; the key is imported once, here. A runtime
 * with native curves may also derive a P-256 private key's public point (`publicPointOf`, base64url
 * `x` and `y`), so a configuration is checked without pure-JavaScript curve maths.
 */
export type JwsSignerFactory = ((privateJwk: PrivateJwk, alg: JwsAlgorithm) => Promise<JwsSign>) & {
  readonly publicPointOf?: (d: string) => { readonly x: string; readonly y: string };
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
