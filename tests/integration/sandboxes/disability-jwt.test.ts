/** The disability sandbox accepts only short-lived, single-use ES256 tokens signed with the key it issued. */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DisabilityConnectorConfig } from '../../../connectors/built-in-config.ts';
import { DISABILITY_LOOKUP_PATH } from '../../../connectors/disability/disability-dialect.ts';
import {
  createDisabilityConnector,
  type DisabilitySandbox,
  loadFixtures,
  startDisabilitySandbox,
} from '../../../connectors/index.ts';
import { nodeJws } from '../../../src/adapters/node/node-jws.ts';
import type { JwsSignerFactory } from '../../../src/core/jws.ts';
import type { Connector } from '../../../src/core/ports.ts';
import { BASIC_FIXTURES, CONSENT, expectUnavailable, PEOPLE, PURPOSE, query } from './helpers.ts';

let sandbox: DisabilitySandbox;
let otherJwk: JWK & { kty: 'EC'; crv: 'P-256'; x: string; y: string; d: string };
const opened: Connector[] = [];

beforeAll(async () => {
  sandbox = await startDisabilitySandbox({ fixtures: await loadFixtures(BASIC_FIXTURES) });
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  otherJwk = (await exportJWK(privateKey)) as typeof otherJwk;
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close?.()));
  await sandbox.close();
});
beforeEach(() => sandbox.clearRequestLog());

function config(overrides: Partial<DisabilityConnectorConfig> = {}): DisabilityConnectorConfig {
  return {
    baseUrl: sandbox.url,
    issuer: sandbox.issuer,
    audience: sandbox.audience,
    kid: sandbox.kid,
    privateJwk: sandbox.privateJwk,
    ...overrides,
  };
}

async function refusedWith(overrides: Partial<DisabilityConnectorConfig>, reason: string): Promise<void> {
  const c = createDisabilityConnector(config(overrides), nodeJws);
  opened.push(c);
  const answer = await c.query(query([PEOPLE.li]));
  expectUnavailable(answer, 'ERR_REGISTRY_ERROR', false);
  expect(answer.status === 'unavailable' && answer.detail).toBe(
    "registry refused the gateway's credentials (HTTP 401)",
  );
  expect(sandbox.requestLog()).toMatchObject([{ outcome: 'refused', status: 401, reason, subjects: [] }]);
}

const lookupBody = JSON.stringify({
  query_purpose: PURPOSE,
  consent_ref: CONSENT,
  trace_id: 't',
  id_card_nos: [PEOPLE.li],
});

async function token(claims: { exp?: string; alg?: 'ES256' | 'HS256'; jti?: string } = {}): Promise<string> {
  const alg = claims.alg ?? 'ES256';
  const key =
    alg === 'ES256'
      ? await importJWK(sandbox.privateJwk as JWK, 'ES256')
      : new TextEncoder().encode('x'.repeat(32));
  return new SignJWT({})
    .setProtectedHeader({ alg, kid: sandbox.kid })
    .setIssuer(sandbox.issuer)
    .setAudience(sandbox.audience)
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? '60s')
    .setJti(claims.jti ?? randomUUID())
    .sign(key);
}

async function raw(authorization: string | undefined) {
  const res = await request(`${sandbox.url}${DISABILITY_LOOKUP_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: lookupBody,
  });
  return {
    status: res.statusCode,
    headers: res.headers,
    json: (await res.body.json()) as Record<string, unknown>,
  };
}

describe('disability sandbox: JWT bearer', () => {
  it('serves a token signed with the issued key', async () => {
    const res = await raw(`Bearer ${await token()}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      result: 'OK',
      certificates: [
        {
          id_card_no: PEOPLE.li,
          cert_no: 'CDPF32011700000001',
          disability_type: 1,
          disability_level: 2,
          issue_date: '2019/03/01',
          valid_until: '2029/02/28',
          cert_status: 'VALID',
        },
      ],
    });
  });

  it('refuses a token signed with another key (same kid)', async () => {
    await refusedWith({ privateJwk: otherJwk }, 'token does not verify');
  });

  it('refuses a token for another audience, and one from another issuer', async () => {
    await refusedWith({ audience: 'someone-else' }, 'token does not verify');
    sandbox.clearRequestLog();
    await refusedWith({ issuer: 'not-the-gateway' }, 'token does not verify');
  });

  it('refuses a token naming an unknown key id', async () => {
    await refusedWith({ kid: 'cdpf-unknown' }, 'unknown key id');
  });

  it('refuses a request without a bearer token, saying so in WWW-Authenticate', async () => {
    const res = await raw(undefined);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(res.json).not.toHaveProperty('certificates');
  });

  it('refuses a replayed token', async () => {
    const t = await token();
    expect((await raw(`Bearer ${t}`)).status).toBe(200);
    expect((await raw(`Bearer ${t}`)).status).toBe(401);
    expect(sandbox.requestLog().map((e) => e.reason)).toEqual([undefined, 'replayed token']);
  });

  it('refuses a token that lives too long, and an HS256 token', async () => {
    expect((await raw(`Bearer ${await token({ exp: '1h' })}`)).status).toBe(401);
    expect((await raw(`Bearer ${await token({ alg: 'HS256' })}`)).status).toBe(401);
    expect(sandbox.requestLog().map((e) => e.reason)).toEqual([
      'token lifetime too long',
      'token does not verify',
    ]);
  });

  it('refuses a configuration whose key is not an EC private key, at construction', () => {
    const { d: _d, ...publicOnly } = sandbox.privateJwk;
    expect(() =>
      createDisabilityConnector(config({ privateJwk: { ...publicOnly, d: 'AAAA' } }), nodeJws),
    ).toThrow(
      'invalid disability federation connector configuration: privateJwk is not a usable EC private key',
    );
  });

  it('refuses a key whose d belongs to another point, whether the runtime or @noble derives it', async () => {
    const other = (await generateKeyPair('ES256', { extractable: true })).privateKey;
    const { d } = await exportJWK(other);
    const mismatched = { ...sandbox.privateJwk, d: String(d) };
    // The same signer without `publicPointOf`: the connector derives the point with @noble.
    const portable: JwsSignerFactory = (jwk, alg) => nodeJws(jwk, alg);
    for (const signWith of [nodeJws, portable]) {
      expect(() => createDisabilityConnector(config({ privateJwk: mismatched }), signWith)).toThrow(
        'privateJwk is not a usable EC private key',
      );
      expect(() =>
        createDisabilityConnector(config({ privateJwk: sandbox.privateJwk }), signWith),
      ).not.toThrow();
    }
  });
});
