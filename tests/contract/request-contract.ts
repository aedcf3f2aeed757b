/**
 * Contract: what a malformed intake request gets. Missing Idempotency-Key 400, wrong media
 * type 415, oversized body 413, malformed JSON 400, schema violations 400 with
 * `errors[{ path, message }]`, an unknown region or matter category 422; the `detail` is
 * Chinese for `Accept-Language: zh-CN` and English otherwise; nothing echoes the input.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeIdNumber, type VerificationRequest } from '../../schemas/index.ts';
import { shanghaiDate } from '../../src/core/request-dates.ts';
import {
  type ContractClient,
  contractClient,
  expectDecision,
  expectProblem,
  freshKey,
  type Language,
} from './contract-client.ts';
import type { ContractTarget, TargetSource } from './contract-target.ts';

const LANGUAGES = ['en', 'zh-CN'] as const satisfies readonly Language[];

/** The same number with another (wrong) check character. */
function wrongCheckDigit(idNumber: string): string {
  const last = idNumber.charAt(17);
  return idNumber.slice(0, 17) + (last === '1' ? '2' : '1');
}

interface SchemaCase {
  readonly name: string;
  readonly body: (valid: VerificationRequest) => unknown;
  readonly errors: readonly { path: string; en: string; zh: string }[];
}

const SCHEMA_CASES: readonly SchemaCase[] = [
  {
    name: 'identity number with a wrong check character',
    body: (v) => ({ ...v, applicant: { ...v.applicant, idNumber: wrongCheckDigit(v.applicant.idNumber) } }),
    errors: [
      {
        path: '/applicant/idNumber',
        en: 'the check character (GB 11643) does not match',
        zh: '校验码（GB 11643）不正确',
      },
    ],
  },
  {
    name: 'identity number with an impossible birth date',
    body: (v) => ({ ...v, applicant: { ...v.applicant, idNumber: '32010219990231001X' } }),
    errors: [
      {
        path: '/applicant/idNumber',
        en: 'the birth date it encodes is not a valid date',
        zh: '其中包含的出生日期不是有效日期',
      },
    ],
  },
  {
    name: 'the applicant repeated in the household',
    body: (v) => ({ ...v, household: [{ ...v.applicant, relation: 'sibling' }] }),
    errors: [
      { path: '/household/0/idNumber', en: 'appears twice in the household', zh: '在家庭成员中重复出现' },
    ],
  },
  {
    name: 'region missing and an unknown field',
    body: (v) => {
      const { region: _region, ...rest } = v;
      return { ...rest, nickname: 'x' };
    },
    errors: [
      { path: '/region', en: 'is required', zh: '为必填项' },
      { path: '/nickname', en: 'is not an allowed field', zh: '不是允许的字段' },
    ],
  },
  {
    name: 'a decision date before the Legal Aid Law was in force',
    body: (v) => ({ ...v, decisionDate: '2021-12-31' }),
    errors: [
      {
        path: '/decisionDate',
        en: 'must be a date on or after 2022-01-01',
        zh: '须为 2022-01-01 或之后的日期',
      },
    ],
  },
  {
    name: 'money with three decimals and a scope outside the list',
    body: (v) => ({
      ...v,
      declaration: { ...v.declaration, monthlyHouseholdIncome: 1000.001 },
      consent: { ...v.consent, scopes: ['tax_bureau'] },
    }),
    errors: [
      {
        path: '/declaration/monthlyHouseholdIncome',
        en: 'at most two decimal places',
        zh: '最多保留两位小数',
      },
      {
        path: '/consent/scopes/0',
        en: 'must be one of: civil_affairs, hrss, disability',
        zh: '须为以下之一：civil_affairs、hrss、disability',
      },
    ],
  },
  // Issue 11: dates the caller chooses must not change the outcome.
  {
    name: 'a decision date after today in Asia/Shanghai',
    body: (v) => ({ ...v, decisionDate: '2099-01-01' }),
    errors: [
      {
        path: '/decisionDate',
        en: `must not be after today (${shanghaiDate(new Date())}, Asia/Shanghai)`,
        zh: `不得晚于今天（北京时间 ${shanghaiDate(new Date())}）`,
      },
    ],
  },
  {
    name: 'a household member born after the decision date (a valid number)',
    body: (v) => ({
      ...v,
      household: [
        { idNumber: makeIdNumber('320102', nextDay(v.decisionDate), 7), name: '测试丙', relation: 'child' },
      ],
    }),
    errors: [
      {
        path: '/household/0/idNumber',
        en: 'encodes a birth date after the decision date',
        zh: '其中包含的出生日期晚于决定日期',
      },
    ],
  },
  {
    name: 'consent granted in the future',
    body: (v) => ({ ...v, consent: { ...v.consent, grantedAt: '2099-01-01T09:00:00+08:00' } }),
    errors: [{ path: '/consent/grantedAt', en: 'must not be in the future', zh: '不得晚于当前时间' }],
  },
  {
    name: 'consent granted after the decision date',
    body: (v) => ({
      ...v,
      consent: { ...v.consent, grantedAt: `${nextDay(v.decisionDate)}T09:00:00+08:00` },
    }),
    errors: [
      { path: '/consent/grantedAt', en: 'must not be after the decision date', zh: '不得晚于决定日期' },
    ],
  },
  {
    name: 'a consent scope listed twice',
    body: (v) => ({ ...v, consent: { ...v.consent, scopes: ['hrss', 'hrss'] } }),
    errors: [{ path: '/consent/scopes', en: 'must not list a scope twice', zh: '不得重复列出同一授权范围' }],
  },
  {
    name: 'control characters in a name and in the consent reference',
    body: (v) => ({
      ...v,
      applicant: { ...v.applicant, name: '测试\u0007甲' },
      consent: { ...v.consent, reference: 'REF-\u202E1' },
    }),
    errors: [
      { path: '/applicant/name', en: 'must not contain control characters', zh: '不得包含控制字符' },
      { path: '/consent/reference', en: 'must not contain control characters', zh: '不得包含控制字符' },
    ],
  },
];

/** The day after a decision date (YYYY-MM-DD); today when the request has none. */
function nextDay(date: string | undefined): string {
  const base = date ?? shanghaiDate(new Date());
  return new Date(Date.parse(`${base}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** @example describeRequestContract(() => target); */
export function describeRequestContract(source: TargetSource): void {
  describe('contract: request errors as RFC 9457 problems', () => {
    let target: ContractTarget;
    let client: ContractClient;
    let token: string;
    let valid: VerificationRequest;

    beforeAll(async () => {
      target = source();
      client = contractClient(target);
      token = await target.mintToken(['verifications:write'], `contract-request-${crypto.randomUUID()}`);
      const request = target.requests[3];
      if (!request) throw new Error('the target needs at least four requests');
      valid = request;
    });

    it('a request without Idempotency-Key is 400', async () => {
      for (const language of LANGUAGES) {
        const r = await client.post(valid, { token, key: null, language });
        expectProblem(target, r, 400, 'ERR_IDEMPOTENCY_KEY_MISSING', language);
      }
    });

    it('a body that is not application/json is 415, and does not use up the key', async () => {
      const key = freshKey('media');
      for (const language of LANGUAGES) {
        for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', null]) {
          const r = await client.post(JSON.stringify(valid), { token, key, language, contentType });
          expectProblem(target, r, 415, 'ERR_UNSUPPORTED_MEDIA_TYPE', language);
        }
      }
      expectDecision(await client.post(valid, { token, key }), 201);
    });

    it('a known address asked with a method it does not serve is 405 naming the ones it does; an unknown one 404', async () => {
      const cases = [
        ['DELETE', '/v1/verifications', 'GET, HEAD, POST'],
        ['PUT', '/v1/verifications/some-id', 'GET, HEAD'],
        ['POST', '/v1/log/checkpoint', 'GET, HEAD'],
        ['PATCH', '/v1/log/entries', 'GET, HEAD'],
      ] as const;
      for (const language of LANGUAGES) {
        for (const [method, path, allow] of cases) {
          const r = await client.request(method, path, { token, language });
          expectProblem(target, r, 405, 'ERR_METHOD_NOT_ALLOWED', language);
          expect(r.headers.get('allow'), `${method} ${path}`).toBe(allow);
        }
        expectProblem(
          target,
          await client.request('GET', '/v1/no-such-thing', { token, language }),
          404,
          'ERR_NOT_FOUND',
          language,
        );
      }
    });

    it('a body over the limit is 413', async () => {
      const limit = target.bodyLimitBytes ?? 64 * 1024;
      const oversized = JSON.stringify({ ...valid, padding: 'x'.repeat(limit) });
      for (const language of LANGUAGES) {
        const r = await client.post(oversized, { token, language });
        expectProblem(target, r, 413, 'ERR_PAYLOAD_TOO_LARGE', language);
      }
    });

    it('malformed JSON is 400 with an errors list, and does not echo the body', async () => {
      const broken = `${JSON.stringify(valid).slice(0, -10)} oops`;
      for (const language of LANGUAGES) {
        const r = await client.post(broken, { token, language });
        const problem = expectProblem(target, r, 400, 'ERR_VALIDATION', language);
        expect(problem.errors?.length).toBeGreaterThan(0);
        expect(r.text).not.toContain('oops');
      }
    });

    for (const c of SCHEMA_CASES) {
      it(`schema violation: ${c.name} → 400 with errors[{ path, message }] in the language asked for`, async () => {
        for (const language of LANGUAGES) {
          const r = await client.post(c.body(valid), { token, language });
          const problem = expectProblem(target, r, 400, 'ERR_VALIDATION', language);
          const expected = c.errors.map((e) => ({ path: e.path, message: language === 'en' ? e.en : e.zh }));
          expect(problem.errors).toEqual(expect.arrayContaining(expected));
          expect(problem.errors?.length).toBe(expected.length);
        }
      });
    }

    it('a region no policy covers, or an unknown matter category, is 422', async () => {
      for (const language of LANGUAGES) {
        const region = await client.post({ ...valid, region: '110101' }, { token, language });
        expectProblem(target, region, 422, 'ERR_UNKNOWN_REGION', language);
        const category = await client.post(
          { ...valid, matter: { kind: 'civil', category: 'space_mining' } },
          { token, language },
        );
        const problem = expectProblem(target, category, 422, 'ERR_UNKNOWN_CATEGORY', language);
        expect(problem.errors?.map((e) => e.path)).toEqual(['/matter/category']);
      }
    });

    it('without Accept-Language the detail is English', async () => {
      const r = await client.post(valid, { token, key: null, language: null });
      expectProblem(target, r, 400, 'ERR_IDEMPOTENCY_KEY_MISSING', 'en');
    });
  });
}
