/**
 * Contract: a missing, expired, wrong-audience, `alg: none`, HS-signed or foreign-key token
 * is 401 (problem+json with a Bearer challenge) and creates nothing; a good token without
 * the scope is 403.
 */
import {
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ContractClient,
  contractClient,
  expectDecision,
  expectProblem,
  freshKey,
  type Language,
} from './contract-client.ts';
import type { ContractTarget, TargetSource } from './contract-target.ts';

const encoder = new TextEncoder();
const segment = (value: unknown) => base64url.encode(encoder.encode(JSON.stringify(value)));

/** The same claims signed by a key nobody trusts, under the trusted key's `kid`. */
async function reSigned(token: string, claims: Partial<JWTPayload> = {}): Promise<string> {
  const header = decodeProtectedHeader(token);
  const payload = decodeJwt(token);
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return new SignJWT({ ...payload, ...claims })
    .setProtectedHeader({ alg: 'ES256', ...(header.kid === undefined ? {} : { kid: header.kid }) })
    .sign(privateKey);
}

/** HS256 with a secret the attacker chose (a public JWK's text is the classic one). */
async function hmacSigned(token: string): Promise<string> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const secret = encoder.encode(JSON.stringify(await exportJWK(publicKey)));
  return new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'HS256' }).sign(secret);
}

/** @example describeAuthContract(() => target); */
export function describeAuthContract(source: TargetSource): void {
  describe('contract: authentication and scopes', () => {
    let target: ContractTarget;
    let client: ContractClient;
    let clientId: string;
    let good: string;
    let reader: string;
    const bad: Record<string, { authorization: string }> = {};

    beforeAll(async () => {
      target = source();
      client = contractClient(target);
      clientId = `contract-auth-${crypto.randomUUID()}`;
      const scopes = ['verifications:write', 'verifications:read'] as const;
      good = await target.mintToken(scopes, clientId);
      reader = await target.mintToken(['verifications:read'], clientId);
      const [h, p] = good.split('.');
      const noneHeader = segment({ alg: 'none', typ: 'JWT' });
      const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
      Object.assign(bad, {
        'no Authorization header': { authorization: '' },
        'another scheme (Basic)': { authorization: `Basic ${base64url.encode(encoder.encode('a:b'))}` },
        'not a JWT': bearer('not-a-token'),
        expired: bearer(await target.mintToken(scopes, clientId, { expiresInSeconds: -3600 })),
        'wrong audience': bearer(await target.mintToken(scopes, clientId, { audience: 'another-service' })),
        'alg none, empty signature': bearer(`${noneHeader}.${p}.`),
        'alg none, signature kept': bearer(`${noneHeader}.${p}.${good.split('.')[2]}`),
        'HS256 with a chosen secret': bearer(await hmacSigned(good)),
        'signed by an unknown key under the trusted kid': bearer(await reSigned(good)),
        'unknown issuer': bearer(await reSigned(good, { iss: 'https://issuer.invalid' })),
        'payload altered after signing': bearer(
          `${h}.${segment({ ...decodeJwt(good), scope: 'verifications:write audit:read' })}.${good.split('.')[2]}`,
        ),
      });
    });

    it('every bad token is 401 problem+json with a Bearer challenge, on POST and GET, and creates nothing', async () => {
      const key = freshKey('auth');
      const request = target.requests[2];
      for (const [name, { authorization }] of Object.entries(bad)) {
        for (const language of ['en', 'zh-CN'] as const satisfies readonly Language[]) {
          const post = await client.post(request, {
            token: null,
            key,
            language,
            ...(authorization === '' ? {} : { authorization }),
          });
          expect({ name, status: post.status }).toEqual({ name, status: 401 });
          expectProblem(target, post, 401, 'ERR_UNAUTHENTICATED', language);
          expect(post.headers.get('www-authenticate'), name).toMatch(/^Bearer\b/);
          if (authorization !== '') expect(post.text).not.toContain(authorization.slice(7));
        }
        const get = await client.get(`/v1/verifications/${crypto.randomUUID()}`, {
          token: null,
          ...(authorization === '' ? {} : { authorization }),
        });
        expect({ name, status: get.status }).toEqual({ name, status: 401 });
        expectProblem(target, get, 401, 'ERR_UNAUTHENTICATED');
      }
      // None of the refused requests used up the key: the first accepted one creates.
      expectDecision(await client.post(request, { token: good, key }), 201);
    });

    it('a good token without the scope is 403, in both languages', async () => {
      for (const language of ['en', 'zh-CN'] as const) {
        const post = await client.post(target.requests[2], { token: reader, language });
        expectProblem(target, post, 403, 'ERR_FORBIDDEN', language);
        const writerOnly = await target.mintToken(['verifications:write'], clientId);
        const get = await client.get(`/v1/verifications/${crypto.randomUUID()}`, {
          token: writerOnly,
          language,
        });
        expectProblem(target, get, 403, 'ERR_FORBIDDEN', language);
        const subjectsOnly = await target.mintToken(['subjects:read'], clientId);
        const post2 = await client.post(target.requests[2], { token: subjectsOnly, language });
        expectProblem(target, post2, 403, 'ERR_FORBIDDEN', language);
      }
    });
  });
}
