/**
 * JWS signing through node:crypto: the same signatures WebCrypto gives (raw `r || s` for
 * ES256, Ed25519), made in the calling thread instead of a thread-pool job. Used for the
 * decision JWS and the disability connector's per-query JWT.
 */
import { createPrivateKey, type JsonWebKey, sign } from 'node:crypto';
import type { JwsSignerFactory } from '../../core/jws.ts';

/** @example const signer = await createJoseSigner({ privateJwk, alg: 'ES256' }, nodeJws); */
export const nodeJws: JwsSignerFactory = async (privateJwk, alg) => {
  const key = createPrivateKey({ key: { ...privateJwk } as JsonWebKey, format: 'jwk' });
  const fits =
    alg === 'ES256'
      ? key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
      : key.asymmetricKeyType === 'ed25519';
  if (!fits) throw new TypeError(`${alg} needs a ${alg === 'ES256' ? 'P-256' : 'Ed25519'} private key`);
  if (alg === 'ES256')
    return async (input) => new Uint8Array(sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' }));
  return async (input) => new Uint8Array(sign(null, input, key));
};
