/**
 * JWS signing through node:crypto: the same signatures WebCrypto gives (raw `r || s` for
 * ES256, Ed25519), made in the calling thread instead of a thread-pool job. Used for the
 * decision JWS and the disability connector's per-query JWT.
 */
import { createPrivateKey, type JsonWebKey, sign } from 'node:crypto';
import type { JwsAlgorithm, JwsSign, JwsSignerFactory, PrivateJwk } from '../../core/jws.ts';

// RFC 5915 ECPrivateKey on prime256v1 with the private scalar only: OpenSSL derives the point.
const SEC1_PREFIX = Buffer.from('30310201010420', 'hex');
const SEC1_P256_SUFFIX = Buffer.from('a00a06082a8648ce3d030107', 'hex');

/** The public point of a P-256 private scalar (base64url `d`), derived by OpenSSL. */
function publicPointOf(d: string): { x: string; y: string } {
  const scalar = Buffer.from(d, 'base64url');
  if (scalar.length !== 32) throw new TypeError('a P-256 private key is 32 bytes');
  const key = createPrivateKey({
    key: Buffer.concat([SEC1_PREFIX, scalar, SEC1_P256_SUFFIX]),
    format: 'der',
    type: 'sec1',
  });
  const { x, y } = key.export({ format: 'jwk' });
  if (typeof x !== 'string' || typeof y !== 'string') throw new TypeError('not a P-256 private key');
  return { x, y };
}

async function signWithNode(privateJwk: PrivateJwk, alg: JwsAlgorithm): Promise<JwsSign> {
  const key = createPrivateKey({ key: { ...privateJwk } as JsonWebKey, format: 'jwk' });
  const fits =
    alg === 'ES256'
      ? key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
      : key.asymmetricKeyType === 'ed25519';
  if (!fits) throw new TypeError(`${alg} needs a ${alg === 'ES256' ? 'P-256' : 'Ed25519'} private key`);
  if (alg === 'ES256')
    return async (input) => new Uint8Array(sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' }));
  return async (input) => new Uint8Array(sign(null, input, key));
}

/** @example const signer = await createJoseSigner({ privateJwk, alg: 'ES256' }, nodeJws); */
export const nodeJws: JwsSignerFactory = Object.assign(signWithNode, { publicPointOf });
