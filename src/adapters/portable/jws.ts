/**
 * JWS signing through WebCrypto, available on every runtime: the default implementation of
 * the core's signing port (`src/core/jws.ts`). Node passes node:crypto's instead
 * (`src/adapters/node/node-jws.ts`), which signs in the calling thread at a quarter of the cost.
 */
import { importJWK, type JWK } from 'jose';
import type { JwsAlgorithm, JwsSignerFactory } from '../../core/jws.ts';

export { compactJws, type JwsAlgorithm, type JwsSign, type JwsSignerFactory } from '../../core/jws.ts';

const WEBCRYPTO_PARAMS: Readonly<Record<JwsAlgorithm, { name: string; hash?: string }>> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

/** @example const sign = await webCryptoJws(privateJwk, 'ES256'); */
export const webCryptoJws: JwsSignerFactory = async (privateJwk, alg) => {
  const key = await importJWK({ ...(privateJwk as JWK), alg, ext: false }, alg);
  if (key instanceof Uint8Array) throw new TypeError('a JWS signing key must be asymmetric');
  const params = WEBCRYPTO_PARAMS[alg];
  return async (input) => new Uint8Array(await crypto.subtle.sign(params, key, input));
};
