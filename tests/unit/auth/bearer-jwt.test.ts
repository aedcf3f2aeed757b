import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Hono } from 'hono';
import { base64url, type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Problem } from '../../../schemas/problem.ts';
import { isHighS, toLowS } from '../../../src/core/ecdsa-low-s.ts';
import {
  type AuthEnv,
  type AuthRejectReason,
  type BearerJwtOptions,
  bearerJwt,
  requireScope,
} from '../../../src/http/auth.ts';
import { PROBLEM_CATALOGUE, PROBLEM_MEDIA_TYPE } from '../../../src/http/problems.ts';

const ISS = 'https://idp.example.test';
const AUD = 'eligibility-gateway';
// Synthetic identity number (valid check digit): must never surface in a problem body.
const SYNTHETIC_ID = '11010519491231002X';

let signingKey: CryptoKey;
let otherKey: CryptoKey;
let publicJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  otherKey = (await generateKeyPair('ES256')).privateKey;
});

const now = () => Math.floor(Date.now() / 1000);

interface MintOptions {
  claims?: Record<string, unknown>;
  iss?: string;
  aud?: string;
  exp?: number | null;
  nbf?: number;
  key?: CryptoKey;
}

function mint(o: MintOptions = {}): Promise<string> {
  const jwt = new SignJWT({
    scope: 'verifications:write verifications:read',
    client_id: 'intake-a',
    ...o.claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
    .setIssuer(o.iss ?? ISS)
    .setAudience(o.aud ?? AUD)
    .setIssuedAt();
  if (o.exp !== null) jwt.setExpirationTime(o.exp ?? now() + 300);
  if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
  return jwt.sign(o.key ?? signingKey).then(toLowS);
}

function unsigned(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  const enc = (v: Record<string, unknown>) => base64url.encode(JSON.stringify(v));
  return `${enc(header)}.${enc(payload)}.${signature}`;
}

function makeApp(overrides: Partial<BearerJwtOptions> = {}) {
  const reasons: AuthRejectReason[] = [];
  const app = new Hono<AuthEnv>();
  app.use(
    '/v1/*',
    bearerJwt({
      issuers: [{ issuer: ISS, audience: AUD, jwks: { keys: [publicJwk] } }],
      onReject: (r) => reasons.push(r),
      ...overrides,
    }),
  );
  app.get('/v1/whoami', (c) => c.json(c.var.principal));
  app.post('/v1/verifications', requireScope('verifications:write'), (c) => c.json({ ok: true }, 201));
  app.get('/v1/subjects/access', requireScope('subjects:read', 'audit:read'), (c) => c.json({ ok: true }));
  return { app, reasons };
}

const bearer = (token: string, extra: Record<string, string> = {}) => ({
  headers: { Authorization: `Bearer ${token}`, ...extra },
});

async function expectProblem(res: Response, status: number, code: string): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe(PROBLEM_MEDIA_TYPE);
  const body = Problem.parse(await res.json());
  expect(body.status).toBe(status);
  expect(body.code).toBe(code);
  return body;
}

describe('bearerJwt', () => {
  it('lets a valid token through and exposes the principal', async () => {
    const { app } = makeApp();
    const res = await app.request('/v1/whoami', bearer(await mint()));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      clientId: 'intake-a',
      scopes: ['verifications:write', 'verifications:read'],
      issuer: ISS,
    });
  });

  it('falls back to sub for the client and reads scp arrays', async () => {
    const { app } = makeApp();
    const token = await mint({
      claims: { client_id: undefined, scope: undefined, sub: 'hotline-12348', scp: ['audit:read', 7] },
    });
    const res = await app.request('/v1/whoami', bearer(token));
    expect(await res.json()).toEqual({ clientId: 'hotline-12348', scopes: ['audit:read'], issuer: ISS });
  });

  it('accepts expiry within the clock tolerance', async () => {
    const { app } = makeApp({ clockToleranceSeconds: 30 });
    const res = await app.request('/v1/whoami', bearer(await mint({ exp: now() - 5 })));
    expect(res.status).toBe(200);
  });

  it('answers a missing header with 401 and a bare challenge', async () => {
    const { app, reasons } = makeApp();
    const res = await app.request('/v1/whoami');
    await expectProblem(res, 401, 'ERR_UNAUTHENTICATED');
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="eligibility-gateway"');
    expect(reasons).toEqual(['missing']);
  });

  const rejections: [string, () => Promise<string>, AuthRejectReason][] = [
    ['a non-bearer scheme', async () => `Basic ${btoa('a:b')}`, 'malformed'],
    ['a bearer without a JWT', async () => 'Bearer not-a-jwt', 'malformed'],
    ['a JWT with garbage segments', async () => 'Bearer aaaa.bbbb.cccc', 'malformed'],
    ['an expired token', async () => `Bearer ${await mint({ exp: now() - 120 })}`, 'expired'],
    ['a token not yet valid', async () => `Bearer ${await mint({ nbf: now() + 600 })}`, 'not_yet_valid'],
    ['a token without exp', async () => `Bearer ${await mint({ exp: null })}`, 'claims'],
    ['the wrong audience', async () => `Bearer ${await mint({ aud: 'another-service' })}`, 'audience'],
    ['an unknown issuer', async () => `Bearer ${await mint({ iss: 'https://evil.example' })}`, 'issuer'],
    ['a signature by another key', async () => `Bearer ${await mint({ key: otherKey })}`, 'signature'],
    [
      'a token without a client',
      async () => `Bearer ${await mint({ claims: { client_id: undefined } })}`,
      'claims',
    ],
    [
      'alg none (empty signature)',
      async () =>
        `Bearer ${unsigned({ alg: 'none', typ: 'JWT' }, { iss: ISS, aud: AUD, exp: now() + 300, client_id: 'x' })}`,
      'malformed',
    ],
    [
      'alg none (with a signature part)',
      async () =>
        `Bearer ${unsigned({ alg: 'none' }, { iss: ISS, aud: AUD, exp: now() + 300, client_id: 'x' }, 'AAAA')}`,
      'algorithm',
    ],
    [
      'HS256 keyed with the public JWK',
      async () =>
        `Bearer ${await new SignJWT({ client_id: 'x', scope: 'verifications:write' })
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .setIssuer(ISS)
          .setAudience(AUD)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(JSON.stringify(publicJwk)))}`,
      'algorithm',
    ],
  ];

  it.each(rejections)('refuses %s with 401 ERR_UNAUTHENTICATED', async (_name, header, reason) => {
    const { app, reasons } = makeApp();
    const res = await app.request('/v1/whoami', { headers: { Authorization: await header() } });
    const body = await expectProblem(res, 401, 'ERR_UNAUTHENTICATED');
    expect(body.type).toBe(PROBLEM_CATALOGUE.ERR_UNAUTHENTICATED.type);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="eligibility-gateway", error="invalid_token"',
    );
    expect(reasons).toEqual([reason]);
  });

  it('refuses HS256 keyed with the public key PEM', async () => {
    const { app } = makeApp();
    const pem = await exportSPKI((await generateKeyPair('ES256', { extractable: true })).publicKey);
    const token = await new SignJWT({ client_id: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(pem));
    await expectProblem(await app.request('/v1/whoami', bearer(token)), 401, 'ERR_UNAUTHENTICATED');
  });

  it('refuses to be configured with none, HS* or no algorithms', () => {
    const issuers = [{ issuer: ISS, audience: AUD, jwks: { keys: [publicJwk] } }];
    for (const alg of ['none', 'HS256', 'HS512']) {
      // @ts-expect-error: the type forbids them; the runtime check guards untyped config.
      expect(() => bearerJwt({ issuers, algorithms: [alg] })).toThrow(TypeError);
    }
    expect(() => bearerJwt({ issuers, algorithms: [] })).toThrow(TypeError);
    expect(() => bearerJwt({ issuers: [] })).toThrow(TypeError);
    expect(() => bearerJwt({ issuers: [...issuers, ...issuers] })).toThrow(/twice/);
    expect(() => bearerJwt({ issuers: [{ issuer: ISS, audience: AUD }] })).toThrow(/exactly one/);
    expect(() =>
      bearerJwt({ issuers: [{ issuer: ISS, audience: AUD, jwksUrl: 'http://idp.example/jwks' }] }),
    ).toThrow(/https/);
    expect(() => bearerJwt({ issuers, clockToleranceSeconds: -1 })).toThrow(TypeError);
  });

  it('answers in Chinese when asked, English otherwise', async () => {
    const { app } = makeApp();
    const zh = await app.request('/v1/whoami', { headers: { 'Accept-Language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
    const zhBody = await expectProblem(zh, 401, 'ERR_UNAUTHENTICATED');
    expect(zh.headers.get('content-language')).toBe('zh-CN');
    expect(zhBody.detail).toBe(PROBLEM_CATALOGUE.ERR_UNAUTHENTICATED.detail['zh-CN']);
    expect(zhBody.title).toBe('身份认证失败');
    const en = await app.request('/v1/whoami', { headers: { 'Accept-Language': 'en-GB' } });
    const enBody = await expectProblem(en, 401, 'ERR_UNAUTHENTICATED');
    expect(en.headers.get('content-language')).toBe('en');
    expect(enBody.detail).toBe(PROBLEM_CATALOGUE.ERR_UNAUTHENTICATED.detail.en);
  });

  it('never echoes the token or its claims in the problem', async () => {
    const { app } = makeApp();
    const token = await mint({
      aud: 'wrong',
      claims: { sub: SYNTHETIC_ID, client_id: SYNTHETIC_ID, name: '张三' },
    });
    const res = await app.request('/v1/whoami', bearer(token, { 'Accept-Language': 'zh-CN' }));
    const text = await res.text();
    expect(res.status).toBe(401);
    for (const needle of [SYNTHETIC_ID, '张三', token, token.split('.')[1] ?? '', 'wrong', ISS])
      expect(text).not.toContain(needle);
    expect([...res.headers.values()].join(' ')).not.toContain(SYNTHETIC_ID);
  });
});

describe('bearerJwt remembering verified tokens', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  async function verifyCalls(options: Partial<BearerJwtOptions>, requests: number): Promise<number> {
    const { app } = makeApp(options);
    const token = await mint();
    const verify = vi.spyOn(crypto.subtle, 'verify');
    for (let i = 0; i < requests; i++)
      expect((await app.request('/v1/whoami', bearer(token))).status).toBe(200);
    return verify.mock.calls.length;
  }

  it('checks a reused token’s signature once, not on every request', async () => {
    expect(await verifyCalls({}, 3)).toBe(1);
  });

  it('checks it every time when the memory is off', async () => {
    expect(await verifyCalls({ verifiedTokenSeconds: 0 }, 3)).toBe(3);
  });

  it('still refuses a remembered token once it has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { app, reasons } = makeApp({ clockToleranceSeconds: 0 });
    const token = await mint({ exp: now() + 10 });
    expect((await app.request('/v1/whoami', bearer(token))).status).toBe(200);
    vi.setSystemTime(Date.now() + 11_000);
    await expectProblem(await app.request('/v1/whoami', bearer(token)), 401, 'ERR_UNAUTHENTICATED');
    expect(reasons).toEqual(['expired']);
  });

  it('forgets a token after verifiedTokenSeconds and verifies it again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { app } = makeApp({ verifiedTokenSeconds: 5 });
    const token = await mint({ exp: now() + 300 });
    const verify = vi.spyOn(crypto.subtle, 'verify');
    expect((await app.request('/v1/whoami', bearer(token))).status).toBe(200);
    vi.setSystemTime(Date.now() + 6_000);
    expect((await app.request('/v1/whoami', bearer(token))).status).toBe(200);
    expect(verify.mock.calls.length).toBe(2);
  });

  it('does not remember a refused token', async () => {
    const { app, reasons } = makeApp();
    const forged = await mint({ key: otherKey });
    for (let i = 0; i < 2; i++)
      await expectProblem(await app.request('/v1/whoami', bearer(forged)), 401, 'ERR_UNAUTHENTICATED');
    expect(reasons).toEqual(['signature', 'signature']);
  });

  it('refuses an out-of-range memory setting', () => {
    expect(() => makeApp({ verifiedTokenSeconds: -1 })).toThrow(/verifiedTokenSeconds/);
    expect(() => makeApp({ verifiedTokenSeconds: Number.NaN })).toThrow(/verifiedTokenSeconds/);
  });
});

describe('requireScope', () => {
  it('passes with the scope', async () => {
    const { app } = makeApp();
    const res = await app.request('/v1/verifications', { method: 'POST', ...bearer(await mint()) });
    expect(res.status).toBe(201);
  });

  it('answers a missing scope with 403 ERR_FORBIDDEN and an insufficient_scope challenge', async () => {
    const { app } = makeApp();
    const res = await app.request('/v1/verifications', {
      method: 'POST',
      ...bearer(await mint({ claims: { scope: 'verifications:read' } })),
    });
    const body = await expectProblem(res, 403, 'ERR_FORBIDDEN');
    expect(body.type).toBe(PROBLEM_CATALOGUE.ERR_FORBIDDEN.type);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="verifications:write"',
    );
  });

  it('has any-of semantics', async () => {
    const { app } = makeApp();
    const audit = await app.request(
      '/v1/subjects/access',
      bearer(await mint({ claims: { scope: 'audit:read' } })),
    );
    expect(audit.status).toBe(200);
    const none = await app.request(
      '/v1/subjects/access',
      bearer(await mint({ claims: { scope: 'verifications:write' } })),
    );
    await expectProblem(none, 403, 'ERR_FORBIDDEN');
  });

  it('does not treat a scope prefix as the scope', async () => {
    const { app } = makeApp();
    const res = await app.request('/v1/verifications', {
      method: 'POST',
      ...bearer(await mint({ claims: { scope: 'verifications:writer' } })),
    });
    expect(res.status).toBe(403);
  });

  it('fails closed when no principal was set', async () => {
    const app = new Hono<AuthEnv>();
    app.get('/open', requireScope('audit:read'), (c) => c.text('leaked'));
    await expectProblem(await app.request('/open'), 401, 'ERR_UNAUTHENTICATED');
  });
});

describe('bearerJwt with a remote JWKS', () => {
  let server: Server;
  let fetches = 0;
  let failing = false;
  let url = '';

  beforeAll(async () => {
    server = createServer((_req, res) => {
      fetches += 1;
      if (failing) {
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches the key set once and caches it across requests', async () => {
    fetches = 0;
    failing = false;
    const { app } = makeApp({ issuers: [{ issuer: ISS, audience: AUD, jwksUrl: url }] });
    expect(fetches).toBe(0);
    for (let i = 0; i < 3; i++)
      expect((await app.request('/v1/whoami', bearer(await mint()))).status).toBe(200);
    expect(fetches).toBe(1);
  });

  it('answers 503 ERR_ISSUER_UNAVAILABLE, not 401, when the key set cannot be fetched', async () => {
    failing = true;
    const { app, reasons } = makeApp({ issuers: [{ issuer: ISS, audience: AUD, jwksUrl: url }] });
    const res = await app.request('/v1/whoami', bearer(await mint()));
    await expectProblem(res, 503, 'ERR_ISSUER_UNAVAILABLE');
    expect(res.headers.get('retry-after')).toBe('5');
    expect(reasons).toEqual(['issuer_unavailable']);
  });
});

describe('strict tokens (issue 11)', () => {
  /** A token whose claims and header are exactly as given, signed by the trusted key, low-S. */
  async function signed(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
    return toLowS(
      await new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'k1', ...header }).sign(signingKey),
    );
  }
  const claims = () => ({ iss: ISS, aud: AUD, iat: now(), exp: now() + 300, scope: 'verifications:read' });

  const refused: [string, () => Promise<string>, AuthRejectReason][] = [
    ['sub a number', () => signed({ typ: 'at+jwt' }, { ...claims(), sub: 12345 }), 'claims'],
    [
      'client_id a number beside a string sub',
      () => signed({ typ: 'at+jwt' }, { ...claims(), client_id: 7, sub: 'x' }),
      'claims',
    ],
    [
      'client_id an object',
      () => signed({ typ: 'at+jwt' }, { ...claims(), client_id: { id: 'a' } }),
      'claims',
    ],
    [
      'client_id with a line break',
      () => signed({ typ: 'at+jwt' }, { ...claims(), client_id: 'a\nb' }),
      'claims',
    ],
    [
      'client_id carrying an identity number and a name',
      () => signed({ typ: 'at+jwt' }, { ...claims(), client_id: `${SYNTHETIC_ID} 测试` }),
      'claims',
    ],
    ['no typ', () => signed({}, { ...claims(), client_id: 'intake-a' }), 'claims'],
    ['typ JWT', () => signed({ typ: 'JWT' }, { ...claims(), client_id: 'intake-a' }), 'claims'],
    [
      'no iat',
      () => signed({ typ: 'at+jwt' }, { ...claims(), iat: undefined, client_id: 'intake-a' }),
      'claims',
    ],
    [
      'iat ten minutes ahead',
      () => signed({ typ: 'at+jwt' }, { ...claims(), iat: now() + 600, client_id: 'intake-a' }),
      'not_yet_valid',
    ],
    [
      'a lifetime above a day',
      () => signed({ typ: 'at+jwt' }, { ...claims(), exp: now() + 2 * 86_400, client_id: 'intake-a' }),
      'claims',
    ],
  ];
  for (const [name, token, reason] of refused) {
    it(`refuses ${name} with 401, never a 500 or a coerced client`, async () => {
      const { app, reasons } = makeApp();
      const res = await app.request('/v1/whoami', bearer(await token()));
      const body = await expectProblem(res, 401, 'ERR_UNAUTHENTICATED');
      expect(JSON.stringify(body)).not.toContain(SYNTHETIC_ID);
      expect(reasons).toEqual([reason]);
    });
  }

  it('accepts application/at+jwt, and per issuer another typ and a longer lifetime', async () => {
    expect(
      (
        await makeApp().app.request(
          '/v1/whoami',
          bearer(await signed({ typ: 'application/at+jwt' }, { ...claims(), client_id: 'intake-a' })),
        )
      ).status,
    ).toBe(200);
    const { app } = makeApp({
      issuers: [
        {
          issuer: ISS,
          audience: AUD,
          jwks: { keys: [publicJwk] },
          typ: 'JWT',
          maxLifetimeSeconds: 7 * 86_400,
        },
      ],
    });
    const token = await signed(
      { typ: 'JWT' },
      { ...claims(), exp: now() + 2 * 86_400, client_id: 'intake-a' },
    );
    expect((await app.request('/v1/whoami', bearer(token))).status).toBe(200);
  });

  it('refuses the high-S twin of a valid ECDSA token, unless the issuer allows it', async () => {
    const good = await mint();
    const [h, p, sig] = good.split('.') as [string, string, string];
    const bytes = Buffer.from(sig, 'base64url');
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
    const twin = `${h}.${p}.${Buffer.concat([bytes.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]).toString('base64url')}`;
    expect(isHighS('ES256', sig)).toBe(false);
    expect(isHighS('ES256', twin.split('.')[2] ?? '')).toBe(true);
    const { app, reasons } = makeApp();
    expect((await app.request('/v1/whoami', bearer(good))).status).toBe(200);
    await expectProblem(await app.request('/v1/whoami', bearer(twin)), 401, 'ERR_UNAUTHENTICATED');
    expect(reasons).toEqual(['signature']);
    const lenient = makeApp({
      issuers: [{ issuer: ISS, audience: AUD, jwks: { keys: [publicJwk] }, allowHighS: true }],
    });
    expect((await lenient.app.request('/v1/whoami', bearer(twin))).status).toBe(200);
  });

  it('toLowS gives a token that verifies and is low-S, for any message (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 64 }), async (text) => {
        const raw = await new SignJWT({ ...claims(), client_id: 'intake-a', note: text })
          .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
          .sign(signingKey);
        const low = toLowS(raw);
        expect(isHighS('ES256', low.split('.')[2] ?? '')).toBe(false);
        expect((await makeApp().app.request('/v1/whoami', bearer(low))).status).toBe(200);
        // Either it was low already (unchanged) or exactly one of the pair is high.
        expect(low === raw || isHighS('ES256', raw.split('.')[2] ?? '')).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
