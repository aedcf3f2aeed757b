/**
 * The two JWS signing functions (WebCrypto, portable; node:crypto, the Node adapter) make
 * compact JWSs that jose verifies under the public key, for ES256 and EdDSA alike; the decision
 * signer built on either verifies with the auditors' verifier; a key of the wrong kind is refused.
 */
import { compactVerify, exportJWK, generateKeyPair, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { nodeJws } from '../../../src/adapters/node/node-jws.ts';
import { createJoseSigner, verifyDecisionJws } from '../../../src/adapters/portable/jose-signer.ts';
import { compactJws, type JwsAlgorithm, webCryptoJws } from '../../../src/adapters/portable/jws.ts';

async function keyPair(alg: JwsAlgorithm) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateJwk: await exportJWK(privateKey), publicKey };
}

const FACTORIES = [
  ['WebCrypto', webCryptoJws],
  ['node:crypto', nodeJws],
] as const;
const payload = new TextEncoder().encode('{"outcome":"eligible","名":"测试"}');

describe.each(FACTORIES)('%s', (_, factory) => {
  it.each(['ES256', 'EdDSA'] as const)(
    'signs %s that jose verifies, header and payload intact',
    async (alg) => {
      const { privateJwk, publicKey } = await keyPair(alg);
      const sign = await factory(privateJwk, alg);
      const jws = await compactJws({ alg, kid: 'k1', typ: 'JWT' }, payload, sign);
      const verified = await compactVerify(jws, publicKey, { algorithms: [alg] });
      expect(verified.payload).toEqual(payload);
      expect(verified.protectedHeader).toEqual({ alg, kid: 'k1', typ: 'JWT' });
      const tampered = `${jws.slice(0, -4)}${jws.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
      await expect(compactVerify(tampered, publicKey, { algorithms: [alg] })).rejects.toThrow();
    },
  );

  it('backs a decision signer whose JWS the auditors’ verifier accepts', async () => {
    const { privateJwk } = await keyPair('ES256');
    const signer = await createJoseSigner(
      { privateJwk: { ...privateJwk, kid: 'd1' }, alg: 'ES256' },
      factory,
    );
    expect(await verifyDecisionJws(await signer.sign(payload), signer.jwks())).toEqual(payload);
  });

  it('refuses a key of the other algorithm', async () => {
    const { privateJwk } = await keyPair('EdDSA');
    await expect(factory(privateJwk as JWK, 'ES256')).rejects.toThrow();
  });
});
