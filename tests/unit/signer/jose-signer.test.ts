import {
  CompactSign,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createJoseSigner,
  DECISION_JWS_TYPE,
  verifyDecisionJws,
} from '../../../src/adapters/portable/jose-signer.ts';
import { GatewayError } from '../../../src/core/errors.ts';

async function privateJwk(alg: 'ES256' | 'EdDSA'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return exportJWK(privateKey);
}

function publicOnly(jwk: JWK): JWK {
  const { d: _d, ...rest } = jwk;
  return rest;
}

async function expectInvalid(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  expect(err instanceof GatewayError && err.code).toBe('ERR_SIGNATURE_INVALID');
}

const bytes = (...values: number[]) => new Uint8Array(values);

describe.each(['ES256', 'EdDSA'] as const)('createJoseSigner (%s)', (alg) => {
  let jwk: JWK;
  beforeAll(async () => {
    jwk = await privateJwk(alg);
  });

  it('signs a compact JWS whose payload is exactly the input bytes', async () => {
    const signer = await createJoseSigner({ privateJwk: jwk, alg });
    // Not valid UTF-8 on purpose: the payload must travel as bytes, not text.
    const payload = bytes(0, 255, 128, 10, 0x7b, 0x7d);
    const jws = await signer.sign(payload);
    expect(jws.split('.')).toHaveLength(3);
    expect(decodeProtectedHeader(jws)).toEqual({ alg, kid: signer.keyId, typ: DECISION_JWS_TYPE });
    expect(signer.algorithm).toBe(alg);
    const out = await verifyDecisionJws(jws, signer.jwks());
    expect([...out]).toEqual([...payload]);
  });

  it('names the key by its RFC 7638 thumbprint unless told otherwise', async () => {
    const signer = await createJoseSigner({ privateJwk: jwk, alg });
    expect(signer.keyId).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
    expect((await createJoseSigner({ privateJwk: jwk, alg, kid: 'decision-2025' })).keyId).toBe(
      'decision-2025',
    );
  });

  it('publishes the public key with kid, alg and use, and nothing private', async () => {
    const signer = await createJoseSigner({ privateJwk: jwk, alg, kid: 'k-now' });
    const { keys } = signer.jwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kid: 'k-now', alg, use: 'sig', kty: jwk.kty, crv: jwk.crv, x: jwk.x });
    expect(keys[0]).not.toHaveProperty('d');
    expect(Object.isFrozen(keys)).toBe(true);
  });
});

describe('retired keys', () => {
  it('are listed after the current key and keep old decisions verifiable', async () => {
    const oldJwk = await privateJwk('ES256');
    const oldSigner = await createJoseSigner({ privateJwk: oldJwk, alg: 'ES256' });
    const oldJws = await oldSigner.sign(bytes(1, 2, 3));

    const edRetired = { ...publicOnly(await privateJwk('EdDSA')), kid: 'ed-2024' };
    const signer = await createJoseSigner({
      privateJwk: await privateJwk('ES256'),
      alg: 'ES256',
      retiredPublicJwks: [{ ...publicOnly(oldJwk), kid: oldSigner.keyId }, edRetired],
    });
    const kids = signer.jwks().keys.map((k) => k.kid);
    expect(kids).toEqual([signer.keyId, oldSigner.keyId, 'ed-2024']);
    expect(signer.jwks().keys[2]).toMatchObject({ alg: 'EdDSA', use: 'sig' });
    expect([...(await verifyDecisionJws(oldJws, signer.jwks()))]).toEqual([1, 2, 3]);
  });

  it('publishes a key that is both current and retired once', async () => {
    const jwk = await privateJwk('ES256');
    const signer = await createJoseSigner({
      privateJwk: jwk,
      alg: 'ES256',
      retiredPublicJwks: [publicOnly(jwk)],
    });
    expect(signer.jwks().keys).toHaveLength(1);
  });

  it('refuses private material among retired keys', async () => {
    const jwk = await privateJwk('ES256');
    await expect(
      createJoseSigner({ privateJwk: jwk, alg: 'ES256', retiredPublicJwks: [await privateJwk('ES256')] }),
    ).rejects.toThrow(/private/);
  });
});

describe('createJoseSigner checks its options eagerly', () => {
  it('refuses a curve that does not match alg', async () => {
    await expect(createJoseSigner({ privateJwk: await privateJwk('EdDSA'), alg: 'ES256' })).rejects.toThrow(
      TypeError,
    );
    await expect(createJoseSigner({ privateJwk: await privateJwk('ES256'), alg: 'EdDSA' })).rejects.toThrow(
      TypeError,
    );
  });

  it('refuses a public key', async () => {
    await expect(
      createJoseSigner({ privateJwk: publicOnly(await privateJwk('ES256')), alg: 'ES256' }),
    ).rejects.toThrow(/private/);
  });

  it('refuses a private key paired with another key’s public coordinates', async () => {
    const a = await privateJwk('ES256');
    const b = await privateJwk('ES256');
    await expect(createJoseSigner({ privateJwk: { ...a, x: b.x, y: b.y }, alg: 'ES256' })).rejects.toThrow();
  });

  it('refuses a kid that contradicts the JWK', async () => {
    await expect(
      createJoseSigner({ privateJwk: { ...(await privateJwk('ES256')), kid: 'a' }, kid: 'b', alg: 'ES256' }),
    ).rejects.toThrow(/kid/);
  });
});

describe('verifyDecisionJws', () => {
  let jws: string;
  let jwks: { keys: readonly Record<string, unknown>[] };
  let jwk: JWK;
  beforeAll(async () => {
    jwk = await privateJwk('ES256');
    const signer = await createJoseSigner({ privateJwk: jwk, alg: 'ES256' });
    jws = await signer.sign(new TextEncoder().encode('{"outcome":"eligible"}'));
    jwks = signer.jwks();
  });

  const flip = (text: string, at: number) => {
    const c = text[at] === 'A' ? 'B' : 'A';
    return `${text.slice(0, at)}${c}${text.slice(at + 1)}`;
  };

  it('rejects a tampered payload', async () => {
    const [h, p, s] = jws.split('.');
    await expectInvalid(verifyDecisionJws(`${h}.${flip(p ?? '', 3)}.${s}`, jwks));
  });

  it('rejects a tampered signature', async () => {
    const [h, p, s] = jws.split('.');
    await expectInvalid(verifyDecisionJws(`${h}.${p}.${flip(s ?? '', 10)}`, jwks));
  });

  it('rejects a signature by a key not in the set', async () => {
    const other = await createJoseSigner({ privateJwk: await privateJwk('ES256'), alg: 'ES256' });
    await expectInvalid(verifyDecisionJws(jws, other.jwks()));
  });

  it('rejects a JWS that is not a decision, even from the right key', async () => {
    const kid = String(jwks.keys[0]?.kid);
    const token = await new CompactSign(bytes(1))
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .sign(jwk);
    await expectInvalid(verifyDecisionJws(token, jwks));
  });

  it('rejects garbage', async () => {
    await expectInvalid(verifyDecisionJws('not.a.jws', jwks));
    await expectInvalid(verifyDecisionJws('', jwks));
  });
});
