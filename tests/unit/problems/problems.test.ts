import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Problem } from '../../../schemas/problem.ts';
import { VerificationRequest } from '../../../schemas/verification-request.ts';
import { ERROR_CODES, type ErrorCode, GatewayError } from '../../../src/core/errors.ts';
import {
  languageOf,
  PROBLEM_CATALOGUE,
  PROBLEM_MEDIA_TYPE,
  PROBLEM_TYPE_BASE,
  problemFor,
  problemResponse,
  validationError,
  zodIssuesToErrors,
} from '../../../src/http/problems.ts';

// Synthetic identity numbers: valid check digits, nobody's.
const SYNTHETIC_ID = '11010519491231002X';
const OTHER_ID = '110101199003077777';

const EXPECTED_STATUS: Record<ErrorCode, number> = {
  ERR_VALIDATION: 400,
  ERR_UNAUTHENTICATED: 401,
  ERR_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_IDEMPOTENCY_CONFLICT: 409,
  ERR_ALREADY_SUPERSEDED: 409,
  ERR_IDEMPOTENCY_KEY_MISSING: 400,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_UNKNOWN_REGION: 422,
  ERR_UNKNOWN_CATEGORY: 422,
  ERR_REGISTRY_TIMEOUT: 504,
  ERR_REGISTRY_ERROR: 502,
  ERR_REGISTRY_MALFORMED: 502,
  ERR_REGISTRY_UNREACHABLE: 502,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_LOG_INTEGRITY: 500,
  ERR_NOT_READY: 503,
  ERR_ISSUER_UNAVAILABLE: 503,
  ERR_SIGNATURE_INVALID: 422,
  ERR_INTERNAL: 500,
};

const CJK = /[\u4e00-\u9fff]/;

describe('the catalogue', () => {
  it('has exactly one entry per error code', () => {
    expect(Object.keys(PROBLEM_CATALOGUE).sort()).toEqual([...ERROR_CODES].sort());
  });

  it.each(ERROR_CODES.map((c) => [c]))(
    '%s has a status, a stable type and text in both languages',
    (code) => {
      const e = PROBLEM_CATALOGUE[code];
      expect(e.status).toBe(EXPECTED_STATUS[code]);
      expect(e.type.startsWith(PROBLEM_TYPE_BASE)).toBe(true);
      expect(e.type).toMatch(/^https:\/\/[a-z.-]+\/problems\/[a-z]+(-[a-z]+)*$/);
      expect(e.title.en.length).toBeGreaterThan(3);
      expect(e.detail.en.length).toBeGreaterThan(20);
      expect(e.title['zh-CN']).toMatch(CJK);
      expect(e.detail['zh-CN']).toMatch(CJK);
      expect(e.detail.en).not.toMatch(CJK);
    },
  );

  it('gives every code its own type URI', () => {
    const types = Object.values(PROBLEM_CATALOGUE).map((e) => e.type);
    expect(new Set(types).size).toBe(types.length);
  });
});

describe('problemFor', () => {
  it('renders a GatewayError from its code, not its message or facts', () => {
    const err = new GatewayError('ERR_IDEMPOTENCY_CONFLICT', `key reused for ${SYNTHETIC_ID}`, {
      facts: { subject: SYNTHETIC_ID },
    });
    const { status, body } = problemFor(err, 'en', 'urn:egw:request:abc');
    expect(status).toBe(409);
    expect(Problem.parse(body)).toEqual({
      type: `${PROBLEM_TYPE_BASE}idempotency-conflict`,
      title: PROBLEM_CATALOGUE.ERR_IDEMPOTENCY_CONFLICT.title.en,
      status: 409,
      detail: PROBLEM_CATALOGUE.ERR_IDEMPOTENCY_CONFLICT.detail.en,
      code: 'ERR_IDEMPOTENCY_CONFLICT',
      instance: 'urn:egw:request:abc',
    });
    expect(JSON.stringify(body)).not.toContain(SYNTHETIC_ID);
  });

  it.each([
    ['an Error', new Error(`db failed for ${SYNTHETIC_ID}`)],
    ['a TypeError', new TypeError(`cannot read ${SYNTHETIC_ID}`)],
    ['a string', `boom ${SYNTHETIC_ID}`],
    ['null', null],
    ['an object', { message: SYNTHETIC_ID, status: 404, code: 'ERR_NOT_FOUND' }],
    [
      'a forged code',
      Object.assign(new GatewayError('ERR_NOT_FOUND', SYNTHETIC_ID), { code: 'ERR_MADE_UP' }),
    ],
  ])('turns %s into 500 ERR_INTERNAL without leaking', (_name, thrown) => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const { status, body } = problemFor(thrown, lang);
      expect(status).toBe(500);
      expect(body.code).toBe('ERR_INTERNAL');
      const text = JSON.stringify(body);
      expect(text).not.toContain(SYNTHETIC_ID);
      expect(text).not.toMatch(/at .+\.ts:\d+/);
      expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
    }
  });

  it("maps hono's HTTPException by status and never uses its message", () => {
    const { status, body } = problemFor(new HTTPException(413, { message: SYNTHETIC_ID }), 'en');
    expect(status).toBe(413);
    expect(body.code).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect(problemFor(new HTTPException(418), 'en').body.code).toBe('ERR_INTERNAL');
    expect(JSON.stringify(body)).not.toContain(SYNTHETIC_ID);
  });

  it('renders validation errors with JSON Pointer paths, from a ZodError or a validationError', () => {
    const bad = {
      applicant: { idNumber: '110105194912310021', name: '' },
      household: [{ idNumber: OTHER_ID, name: '李四', relation: 'cousin' }],
      matter: { kind: 'civil', category: 'Wage Claim!' },
      declaration: { integrityCommitment: 'yes' },
      consent: { reference: 'c-1', grantedAt: '2025-01-01', scopes: ['police'] },
      region: '32010',
      [SYNTHETIC_ID]: 'x',
      extraField: 1,
    };
    const result = VerificationRequest.safeParse(bad);
    if (result.success) throw new Error('expected failure');
    for (const err of [result.error, validationError(result.error.issues)]) {
      const { status, body } = problemFor(err, 'en');
      expect(status).toBe(400);
      expect(body.code).toBe('ERR_VALIDATION');
      const byPath = Object.fromEntries((body.errors ?? []).map((e) => [e.path, e.message]));
      expect(byPath).toMatchObject({
        '/applicant/idNumber': 'the check character (GB 11643) does not match',
        '/applicant/name': 'must not be empty',
        '/household/0/relation': 'must be one of: spouse, child, parent, sibling, other',
        '/matter/category': 'must be a category code such as wage_claim',
        '/declaration/monthlyHouseholdIncome': 'is required',
        '/declaration/integrityCommitment': 'must be true or false',
        '/consent/grantedAt': 'must be a date and time with its UTC offset, e.g. 2025-01-31T09:30:00+08:00',
        '/consent/scopes/0': 'must be one of: civil_affairs, hrss, disability',
        '/region': 'must be a six-digit administrative division code',
        '/extraField': 'is not an allowed field',
        '/*': 'is not an allowed field',
      });
      const text = JSON.stringify(body);
      for (const input of [
        SYNTHETIC_ID,
        OTHER_ID,
        '110105194912310021',
        '李四',
        'cousin',
        'Wage Claim!',
        'police',
        '32010',
      ]) {
        expect(text).not.toContain(input);
      }
    }
  });

  it('renders validation messages in Chinese when asked', () => {
    const result = VerificationRequest.safeParse({
      applicant: { idNumber: '123', name: '王五' },
      region: 'x',
    });
    if (result.success) throw new Error('expected failure');
    const { body } = problemFor(validationError(result.error.issues), 'zh-CN');
    const byPath = Object.fromEntries((body.errors ?? []).map((e) => [e.path, e.message]));
    expect(byPath['/applicant/idNumber']).toBe('须为 17 位数字加 1 位数字或 X');
    expect(byPath['/region']).toBe('须为六位行政区划代码');
    expect(byPath['/household']).toBe('为必填项');
    expect(body.detail).toBe(PROBLEM_CATALOGUE.ERR_VALIDATION.detail['zh-CN']);
    for (const e of body.errors ?? []) expect(e.message).toMatch(CJK);
  });

  it('translates known messages of a hand-made validation error', () => {
    const err = new GatewayError('ERR_VALIDATION', 'bad', {
      errors: [
        { path: '/household/1/idNumber', message: 'appears twice in the household' },
        { path: '/x', message: 'something bespoke' },
      ],
    });
    expect(problemFor(err, 'zh-CN').body.errors).toEqual([
      { path: '/household/1/idNumber', message: '在家庭成员中重复出现' },
      { path: '/x', message: 'something bespoke' },
    ]);
  });
});

describe('zodIssuesToErrors', () => {
  const schema = z.strictObject({
    s: z.string().min(2).max(3),
    n: z.number().gt(0).lte(10),
    list: z.array(z.string()).min(1).max(2),
    code: z.string().regex(/^[a-z]+$/),
    day: z.iso.date(),
    e: z.enum(['a', 'b']),
    one: z.literal('only'),
    m: z.number().multipleOf(5),
    u: z.union([z.string(), z.number()]),
    r: z.record(z.string(), z.number()),
    c: z.string().refine((v) => v.length > 100, { message: `value ${SYNTHETIC_ID} rejected` }),
    'a~b/c': z.string(),
  });

  it('describes each issue kind without echoing the input', () => {
    const input = {
      s: 'S3CRETS',
      n: 99,
      list: [],
      code: 'ZHANG-SAN',
      day: '1949-13-01',
      e: 'secret-choice',
      one: 'nope',
      m: 7,
      u: true,
      r: { [SYNTHETIC_ID]: 'not-a-number' },
      c: 'short',
      'a~b/c': 1,
    };
    const errors = zodIssuesToErrors(schema.safeParse(input).error?.issues ?? []);
    expect(errors).toEqual([
      { path: '/s', message: 'must have at most 3 characters' },
      { path: '/n', message: 'must be at most 10' },
      { path: '/list', message: 'must have at least 1 entry' },
      { path: '/code', message: 'is not in the expected format' },
      { path: '/day', message: 'must be a date written YYYY-MM-DD' },
      { path: '/e', message: 'must be one of: a, b' },
      { path: '/one', message: 'must be only' },
      { path: '/m', message: 'must be a multiple of 5' },
      { path: '/u', message: 'does not match any allowed form' },
      { path: '/r/*', message: 'must be a number' },
      { path: '/c', message: 'is not valid' },
      { path: '/a~0b~1c', message: 'must be text' },
    ]);
    const text = JSON.stringify(zodIssuesToErrors(schema.safeParse(input).error?.issues ?? [], 'zh-CN'));
    for (const secret of [
      'S3CRETS',
      'ZHANG-SAN',
      '1949-13-01',
      'secret-choice',
      'nope',
      SYNTHETIC_ID,
      'not-a-number',
      'short',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('uses the root pointer for whole-body issues', () => {
    expect(zodIssuesToErrors(z.object({}).safeParse('x').error?.issues ?? [])).toEqual([
      { path: '', message: 'must be an object' },
    ]);
  });
});

describe('languageOf', () => {
  it.each([
    [undefined, 'en'],
    [null, 'en'],
    ['', 'en'],
    ['zh', 'zh-CN'],
    ['zh-CN', 'zh-CN'],
    ['ZH-cn', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['zh-TW', 'zh-CN'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN'],
    ['en-US,zh;q=0.9', 'en'],
    ['zh;q=0.5, en;q=0.8', 'en'],
    ['en;q=0.5, zh-CN;q=0.9', 'zh-CN'],
    ['fr-FR, zh;q=0.1', 'zh-CN'],
    ['zh;q=0, en', 'en'],
    ['zh;q=0', 'en'],
    ['*', 'en'],
    ['de', 'en'],
    ['zhx, chinese', 'en'],
    [';;;,,q=', 'en'],
  ] as const)('%j → %s', (header, lang) => {
    expect(languageOf(header)).toBe(lang);
  });
});

describe('problemResponse', () => {
  const app = new Hono();
  app.get('/fail/:code', (c) => {
    throw new GatewayError(c.req.param('code') as ErrorCode, 'x');
  });
  app.get('/crash', () => {
    throw new Error(`crash ${SYNTHETIC_ID}`);
  });
  app.onError((err, c) => problemResponse(c, err, { instance: 'urn:egw:request:1' }));

  it('serves application/problem+json with Content-Language and a bearer challenge on 401', async () => {
    const res = await app.request('/fail/ERR_UNAUTHENTICATED', { headers: { 'Accept-Language': 'zh-CN' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe(PROBLEM_MEDIA_TYPE);
    expect(res.headers.get('content-language')).toBe('zh-CN');
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const body = Problem.parse(await res.json());
    expect(body).toMatchObject({
      status: 401,
      code: 'ERR_UNAUTHENTICATED',
      instance: 'urn:egw:request:1',
      title: '身份认证失败',
    });
  });

  it('adds no challenge to other statuses', async () => {
    const res = await app.request('/fail/ERR_NOT_FOUND');
    expect(res.status).toBe(404);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.headers.get('content-language')).toBe('en');
  });

  it('hides a crash behind ERR_INTERNAL', async () => {
    const res = await app.request('/crash');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain(SYNTHETIC_ID);
    expect(JSON.parse(text)).toMatchObject({ code: 'ERR_INTERNAL', status: 500 });
  });
});
