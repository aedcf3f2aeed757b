import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_AUDIENCE,
  DEV_ISSUER,
  devIssuerConfig,
  issueDevToken,
  keysDir,
  loadDevIssuerKey,
  loadSigningKey,
  rotateSigningKey,
} from '../../../src/adapters/node/key-files.ts';
import { createJoseSigner, verifyDecisionJws } from '../../../src/adapters/portable/jose-signer.ts';
import { type AuthEnv, bearerJwt, requireScope } from '../../../src/http/auth.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'egw-keys-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
const posix = process.platform !== 'win32';

describe('decision signing key files', () => {
  it('creates the key once, 0600 in a 0700 directory, and reuses it', async () => {
    const first = await loadSigningKey(dataDir);
    const file = join(keysDir(dataDir), 'decision-signing.jwk.json');
    const before = await readFile(file, 'utf8');
    if (posix) {
      expect(await modeOf(file)).toBe(0o600);
      expect(await modeOf(keysDir(dataDir))).toBe(0o700);
    }
    const second = await loadSigningKey(dataDir);
    expect(second.kid).toBe(first.kid);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(first.alg).toBe('ES256');
    expect(first.privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: first.kid });
    expect(first.retiredPublicJwks).toEqual([]);
  });

  it('settles on one key when several processes start at once', async () => {
    const kids = await Promise.all(
      Array.from({ length: 8 }, async () => (await loadSigningKey(dataDir)).kid),
    );
    expect(new Set(kids).size).toBe(1);
    expect((await readdir(keysDir(dataDir))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('feeds createJoseSigner directly', async () => {
    const signer = await createJoseSigner(await loadSigningKey(dataDir));
    const jws = await signer.sign(new Uint8Array([9, 8, 7]));
    expect([...(await verifyDecisionJws(jws, signer.jwks()))]).toEqual([9, 8, 7]);
  });

  it('rotates: a new current key, the old one published as retired, old decisions still verify', async () => {
    const before = await createJoseSigner(await loadSigningKey(dataDir));
    const oldJws = await before.sign(new Uint8Array([1]));
    const { kid, retiredKid } = await rotateSigningKey(dataDir);
    expect(retiredKid).toBe(before.keyId);
    expect(kid).not.toBe(retiredKid);

    const material = await loadSigningKey(dataDir);
    expect(material.kid).toBe(kid);
    expect(material.retiredPublicJwks?.map((k) => k.kid)).toEqual([retiredKid]);
    expect(material.retiredPublicJwks?.[0]).not.toHaveProperty('d');
    const after = await createJoseSigner(material);
    expect(after.jwks().keys.map((k) => k.kid)).toEqual([kid, retiredKid]);
    expect([...(await verifyDecisionJws(oldJws, after.jwks()))]).toEqual([1]);

    const again = await rotateSigningKey(dataDir);
    expect((await loadSigningKey(dataDir)).retiredPublicJwks?.map((k) => k.kid)).toEqual([kid, retiredKid]);
    expect(again.retiredKid).toBe(kid);
    if (posix) {
      for (const f of await readdir(keysDir(dataDir)))
        expect(await modeOf(join(keysDir(dataDir), f))).toBe(0o600);
    }
    expect((await readdir(keysDir(dataDir))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.runIf(posix)('tightens a key file someone made readable to others', async () => {
    await loadSigningKey(dataDir);
    const file = join(keysDir(dataDir), 'decision-signing.jwk.json');
    await chmod(file, 0o644);
    await loadSigningKey(dataDir);
    expect(await modeOf(file)).toBe(0o600);
  });

  it('refuses a key file whose kid is not its thumbprint', async () => {
    await loadSigningKey(dataDir);
    const file = join(keysDir(dataDir), 'decision-signing.jwk.json');
    const jwk = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...jwk, kid: 'edited' }), { mode: 0o600 });
    await expect(loadSigningKey(dataDir)).rejects.toThrow(/thumbprint/);
  });
});

describe('development issuer', () => {
  function gateway(issuer: Awaited<ReturnType<typeof devIssuerConfig>>) {
    const app = new Hono<AuthEnv>();
    app.use('/v1/*', bearerJwt({ issuers: [issuer] }));
    app.post('/v1/verifications', requireScope('verifications:write'), (c) => c.json(c.var.principal));
    return app;
  }

  it('issues tokens a gateway on the same data directory accepts', async () => {
    const app = gateway(await devIssuerConfig(dataDir));
    const token = await issueDevToken({
      dataDir,
      scopes: 'verifications:write,verifications:read',
      clientId: 'intake-dev',
    });
    const res = await app.request('/v1/verifications', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      clientId: 'intake-dev',
      scopes: ['verifications:write', 'verifications:read'],
      issuer: DEV_ISSUER,
    });
  });

  it('works whichever side creates the key first', async () => {
    const token = await issueDevToken({ dataDir, scopes: ['verifications:write'] });
    const app = gateway(await devIssuerConfig(dataDir));
    const res = await app.request('/v1/verifications', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
  });

  it('sets iss, aud, exp, kid and keeps the issuer key 0600', async () => {
    const token = await issueDevToken({ dataDir, scopes: 'audit:read  subjects:read', ttlSeconds: 60 });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: DEV_ISSUER,
      aud: DEFAULT_AUDIENCE,
      scope: 'audit:read subjects:read',
      client_id: 'egw-dev-client',
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
    const { kid } = await loadDevIssuerKey(dataDir);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid });
    if (posix) expect(await modeOf(join(keysDir(dataDir), 'dev-issuer.jwk.json'))).toBe(0o600);
  });

  it('is a different key from the decision signing key', async () => {
    expect((await loadDevIssuerKey(dataDir)).kid).not.toBe((await loadSigningKey(dataDir)).kid);
  });

  it('is not accepted by a gateway with another data directory', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'egw-keys-other-'));
    try {
      const app = gateway(await devIssuerConfig(otherDir));
      const token = await issueDevToken({ dataDir, scopes: 'verifications:write' });
      const res = await app.request('/v1/verifications', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(401);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('checks ttlSeconds', async () => {
    await expect(issueDevToken({ dataDir, scopes: 'x', ttlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(issueDevToken({ dataDir, scopes: 'x', ttlSeconds: 1.5 })).rejects.toThrow(RangeError);
  });
});
