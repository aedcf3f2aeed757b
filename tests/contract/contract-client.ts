/**
 * The contract suites' HTTP client: requests as an intake system sends them, and the
 * checks every problem response must pass whatever provoked it.
 */
import { expect } from 'vitest';
import { Decision } from '../../schemas/decision.ts';
import { Problem } from '../../schemas/problem.ts';
import type { ContractTarget, FetchLike } from './contract-target.ts';
import { findPersonalData } from './personal-data.ts';

export type Language = 'zh-CN' | 'en';

export interface PostInit {
  /** Bearer token; `null` sends no Authorization header. */
  readonly token: string | null;
  /** Default a fresh key; `null` sends none. */
  readonly key?: string | null;
  /** Default `en`; `null` sends no Accept-Language. */
  readonly language?: Language | null;
  /** Default `application/json`; `null` sends none. */
  readonly contentType?: string | null;
  /** Raw Authorization header value, instead of `Bearer <token>`. */
  readonly authorization?: string;
}

export interface GetInit {
  readonly token: string | null;
  readonly language?: Language;
  /** Raw Authorization header value, instead of `Bearer <token>`. */
  readonly authorization?: string;
}

export interface TextResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

const CJK = /[\u3400-\u9fff]/;

/** True when the text holds Chinese characters. */
export function hasChinese(text: string): boolean {
  return CJK.test(text);
}

/** A key no other run of the suites uses. */
export function freshKey(label: string): string {
  return `contract-${label}-${crypto.randomUUID()}`;
}

export interface ContractClient {
  /** POST /v1/verifications with `body` serialised as JSON unless it is already a string. */
  post(body: unknown, init: PostInit): Promise<TextResponse>;
  get(path: string, init: GetInit): Promise<TextResponse>;
  /** Any method on any path, with the token and language sent as `get` sends them. */
  request(method: string, path: string, init: GetInit): Promise<TextResponse>;
  /** Any method with a JSON body (serialised unless it is already a string). */
  sendJson(method: string, path: string, body: unknown, init: GetInit): Promise<TextResponse>;
}

function headersOf(init: GetInit): Record<string, string> {
  const headers: Record<string, string> = { 'accept-language': init.language ?? 'en' };
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  else if (init.token !== null) headers.authorization = `Bearer ${init.token}`;
  return headers;
}

/** @example const client = contractClient(target); const r = await client.post(body, { token }); */
export function contractClient(target: ContractTarget): ContractClient {
  const fetchFn: FetchLike = target.fetch ?? ((input, init) => fetch(input, init));
  const send = async (path: string, init: RequestInit): Promise<TextResponse> => {
    const response = await fetchFn(`${target.baseUrl}${path}`, init);
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  return {
    post(body, init) {
      const headers: Record<string, string> = {};
      if (init.authorization !== undefined) headers.authorization = init.authorization;
      else if (init.token !== null) headers.authorization = `Bearer ${init.token}`;
      const key = init.key === undefined ? freshKey('post') : init.key;
      if (key !== null) headers['idempotency-key'] = key;
      const language = init.language === undefined ? 'en' : init.language;
      if (language !== null) headers['accept-language'] = language;
      const contentType = init.contentType === undefined ? 'application/json' : init.contentType;
      if (contentType !== null) headers['content-type'] = contentType;
      return send('/v1/verifications', {
        method: 'POST',
        headers,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
    get(path, init) {
      return this.request('GET', path, init);
    },
    request(method, path, init) {
      return send(path, { method, headers: headersOf(init) });
    },
    sendJson(method, path, body, init) {
      return send(path, {
        method,
        headers: { ...headersOf(init), 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
  };
}

/**
 * Asserts the response is an RFC 9457 problem of `status` and `code`, in the language asked
 * for, with no stack trace and no personal data; hands it to `target.onProblem`.
 * @example const problem = expectProblem(target, response, 409, 'ERR_IDEMPOTENCY_CONFLICT');
 */
export function expectProblem(
  target: ContractTarget,
  response: TextResponse,
  status: number,
  code: string,
  language: Language = 'en',
): Problem {
  target.onProblem?.({ status: response.status, text: response.text });
  expect({ status: response.status, text: response.text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
  const problem = Problem.parse(JSON.parse(response.text));
  expect(problem).toMatchObject({ status, code });
  expect(problem.type).toMatch(/^https?:\/\/\S+$/);
  expect(problem.title.length).toBeGreaterThan(0);
  expect(problem.detail.length).toBeGreaterThan(10);
  expect(hasChinese(problem.detail), `detail in ${language}: ${problem.detail}`).toBe(language === 'zh-CN');
  for (const e of problem.errors ?? []) {
    expect(e.path).toMatch(/^(?:\/[^/]*)*$/);
    expect(hasChinese(e.message), `errors message in ${language}: ${e.message}`).toBe(language === 'zh-CN');
  }
  expect(response.text).not.toMatch(/\bat .+:\d+:\d+|Error:|stack/);
  expect(findPersonalData(response.text, target.people)).toEqual([]);
  return problem;
}

/** Asserts a 201/200 decision response and parses it against the contract schema. */
export function expectDecision(response: TextResponse, status: 200 | 201): Decision {
  expect({ status: response.status, text: response.status === status ? '' : response.text }).toEqual({
    status,
    text: '',
  });
  expect(response.headers.get('content-type')).toMatch(/^application\/json\b/);
  return Decision.parse(JSON.parse(response.text));
}
