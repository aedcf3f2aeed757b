/**
 * RFC 9457 problem details rendered from a catalogue keyed by {@link ErrorCode}, in
 * zh-CN and en. Bodies never come from `err.message`, a stack or the request: the only
 * variable parts are the code's catalogue entry, an `instance` the caller chooses and,
 * for validation, JSON Pointer paths with messages built here from zod issue kinds.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { $ZodIssue } from 'zod/v4/core';
import { ERROR_CODES, type ErrorCode, GatewayError } from '../core/errors.ts';
import {
  type FieldError,
  type Localized,
  PROBLEM_CATALOGUE,
  type ProblemBody,
  type ProblemLanguage,
} from './problem-catalogue.ts';

export {
  type FieldError,
  type Localized,
  PROBLEM_CATALOGUE,
  PROBLEM_TYPE_BASE,
  type ProblemBody,
  type ProblemEntry,
  type ProblemLanguage,
} from './problem-catalogue.ts';

/**
 * The language to answer in: `zh-CN` when the caller's highest-weighted supported
 * language is any Chinese tag (zh, zh-CN, zh-Hans, zh-TW…: simplified Chinese serves
 * them better than English), else `en`. Ties keep header order; `q=0` means "not this".
 * @example
 * languageOf('en;q=0.5, zh-CN;q=0.9'); // 'zh-CN'
 * languageOf(undefined); // 'en'
 */
export function languageOf(acceptLanguage: string | null | undefined): ProblemLanguage {
  if (!acceptLanguage) return 'en';
  let best: { lang: ProblemLanguage; q: number } | undefined;
  for (const part of acceptLanguage.split(',').slice(0, 32)) {
    const [rawTag = '', ...params] = part.split(';');
    const tag = rawTag.trim().toLowerCase();
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (match?.[1] !== undefined) q = Number(match[1]);
    }
    const lang: ProblemLanguage | undefined =
      tag === 'zh' || tag.startsWith('zh-')
        ? 'zh-CN'
        : tag === 'en' || tag.startsWith('en-') || tag === '*'
          ? 'en'
          : undefined;
    if (lang !== undefined && q > 0 && (best === undefined || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'en';
}

/** English custom messages from schemas/ and their Chinese; unknown ones fall back generically. */
const KNOWN_MESSAGES: Readonly<Record<string, string>> = {
  'must be 17 digits followed by a digit or X': '须为 17 位数字加 1 位数字或 X',
  'the birth date it encodes is not a valid date': '其中包含的出生日期不是有效日期',
  'the check character (GB 11643) does not match': '校验码（GB 11643）不正确',
  'at most two decimal places': '最多保留两位小数',
  'must be a six-digit administrative division code': '须为六位行政区划代码',
  'must be a category code such as wage_claim': '须为事项类别代码，如 wage_claim',
  'appears twice in the household': '在家庭成员中重复出现',
  'is required': '为必填项',
  'is not an allowed field': '不是允许的字段',
  'is not valid': '无效',
  'the body is not valid JSON': '请求体不是有效的 JSON',
  'must not contain control characters': '不得包含控制字符',
  'must not list a scope twice': '不得重复列出同一授权范围',
  'encodes a birth date after the decision date': '其中包含的出生日期晚于决定日期',
  'must not be in the future': '不得晚于当前时间',
  'must not be after the decision date': '不得晚于决定日期',
  'must be an RFC 3339 date-time': '须为 RFC 3339 日期时间',
  'not a cursor this gateway issued': '不是本网关签发的游标',
  'is not a URL': '不是有效的 URL',
  'https required': '须使用 https',
  'must not carry credentials': '不得包含用户名或密码',
  'must be a date YYYY-MM-DD': '须为 YYYY-MM-DD 格式的日期',
  'must not be before from': '不得早于 from',
  'at most 366 days after from': '不得晚于 from 之后第 366 天',
};

/** Hand-made messages with a non-personal variable part (a date, a policy id), and their Chinese. */
const KNOWN_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/^must be a date on or after (\d{4}-\d{2}-\d{2})$/, '须为 $1 或之后的日期'],
  [/^must not be after today \((\d{4}-\d{2}-\d{2}), Asia\/Shanghai\)$/, '不得晚于今天（北京时间 $1）'],
  [/^not in the matter list of policy ([\w.-]{1,64})$/, '不在政策 $1 的法律援助事项清单中'],
  // Address policy refusals (webhook URLs): the kind and the address are not personal.
  [/^an? ([a-z-]{1,16}) address \(([^)]{1,64})\) is not allowed$/, '不允许的 $1 地址（$2）'],
  [/^host (\S{1,64}) does not resolve$/, '主机 $1 无法解析'],
  [
    /^host (\S{1,64}) resolves to an? ([a-z-]{1,16}) address \(([^)]{1,64})\) is not allowed$/,
    '主机 $1 解析到不允许的 $2 地址（$3）',
  ],
  [
    /^end must be greater than start and at most start \+ (\d{1,9})$/,
    'end 须大于 start，且不超过 start + $1',
  ],
];

/** A hand-made error message in `lang`; unknown ones stay as written. */
function translated(message: string, lang: ProblemLanguage): string {
  if (lang === 'en') return message;
  const known = KNOWN_MESSAGES[message];
  if (known !== undefined) return known;
  for (const [pattern, zh] of KNOWN_PATTERNS) if (pattern.test(message)) return message.replace(pattern, zh);
  return message;
}

const TYPE_NOUNS: Readonly<Record<string, Localized>> = {
  string: { en: 'text', 'zh-CN': '文本' },
  number: { en: 'a number', 'zh-CN': '数字' },
  int: { en: 'a whole number', 'zh-CN': '整数' },
  bigint: { en: 'a whole number', 'zh-CN': '整数' },
  boolean: { en: 'true or false', 'zh-CN': '布尔值（true 或 false）' },
  array: { en: 'a list', 'zh-CN': '列表' },
  tuple: { en: 'a list', 'zh-CN': '列表' },
  object: { en: 'an object', 'zh-CN': '对象' },
  record: { en: 'an object', 'zh-CN': '对象' },
  date: { en: 'a date', 'zh-CN': '日期' },
  null: { en: 'null', 'zh-CN': 'null' },
};

const both = (en: string, zh: string): Localized => ({ en, 'zh-CN': zh });

// Every message is built from the issue's kind and the schema's limits; zod's own text
// is used only when a schema author wrote it (custom), because only then is it meant for people.
function describeIssue(issue: $ZodIssue): Localized {
  const known = KNOWN_MESSAGES[issue.message];
  if (known !== undefined) return both(issue.message, known);
  switch (issue.code) {
    case 'invalid_type': {
      const missing =
        ('input' in issue && issue.input === undefined) || /received undefined$/.test(issue.message);
      if (missing) return both('is required', '为必填项');
      const noun = TYPE_NOUNS[issue.expected];
      return noun
        ? both(`must be ${noun.en}`, `应为${noun['zh-CN']}`)
        : both('has the wrong type', '类型不正确');
    }
    case 'too_small':
    case 'too_big':
      return describeRange(issue);
    case 'invalid_format':
      if (issue.format === 'date')
        return both('must be a date written YYYY-MM-DD', '须为 YYYY-MM-DD 格式的有效日期');
      if (issue.format === 'datetime')
        return both(
          'must be a date and time with its UTC offset, e.g. 2025-01-31T09:30:00+08:00',
          '须为带时区的日期时间，如 2025-01-31T09:30:00+08:00',
        );
      return both('is not in the expected format', '格式不正确');
    case 'invalid_value': {
      const values = issue.values.map((v) => (typeof v === 'string' ? v : String(v)));
      return values.length === 1
        ? both(`must be ${values[0]}`, `须为 ${values[0]}`)
        : both(`must be one of: ${values.join(', ')}`, `须为以下之一：${values.join('、')}`);
    }
    case 'not_multiple_of':
      return both(`must be a multiple of ${String(issue.divisor)}`, `须为 ${String(issue.divisor)} 的倍数`);
    case 'unrecognized_keys':
      return both('is not an allowed field', '不是允许的字段');
    case 'invalid_union':
      return both('does not match any allowed form', '不符合任何允许的格式');
    case 'invalid_key':
      return both('has an invalid key', '含有无效的键');
    case 'invalid_element':
      return both('has an invalid entry', '含有无效的元素');
    case 'custom':
      // A schema's own sentence; refuse it if it looks like it carries an echoed value.
      return /\d{6,}/.test(issue.message) || issue.message.length > 200
        ? both('is not valid', '无效')
        : both(issue.message, `不符合要求（${issue.message}）`);
    default:
      return both('is not valid', '无效');
  }
}

function describeRange(issue: Extract<$ZodIssue, { code: 'too_small' | 'too_big' }>): Localized {
  const small = issue.code === 'too_small';
  const n = String(small ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  const chars = n === '1' ? 'character' : 'characters';
  const entries = n === '1' ? 'entry' : 'entries';
  if (issue.origin === 'string') {
    if (small && inclusive && n === '1') return both('must not be empty', '不能为空');
    if (small)
      return inclusive
        ? both(`must have at least ${n} ${chars}`, `至少需 ${n} 个字符`)
        : both(`must have more than ${n} ${chars}`, `须多于 ${n} 个字符`);
    return inclusive
      ? both(`must have at most ${n} ${chars}`, `最多 ${n} 个字符`)
      : both(`must have fewer than ${n} ${chars}`, `须少于 ${n} 个字符`);
  }
  if (issue.origin === 'array' || issue.origin === 'set') {
    if (small)
      return inclusive
        ? both(`must have at least ${n} ${entries}`, `至少需 ${n} 项`)
        : both(`must have more than ${n} ${entries}`, `须多于 ${n} 项`);
    return inclusive
      ? both(`must have at most ${n} ${entries}`, `最多 ${n} 项`)
      : both(`must have fewer than ${n} ${entries}`, `须少于 ${n} 项`);
  }
  if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
    if (small)
      return inclusive
        ? both(`must be at least ${n}`, `不得小于 ${n}`)
        : both(`must be greater than ${n}`, `须大于 ${n}`);
    return inclusive
      ? both(`must be at most ${n}`, `不得大于 ${n}`)
      : both(`must be less than ${n}`, `须小于 ${n}`);
  }
  return small ? both('is too small', '过小') : both('is too large', '过大');
}

// A key the caller invented could itself be personal data (an identity number as a key),
// so only identifier-like segments are echoed into paths.
const SAFE_SEGMENT = /^[A-Za-z_$][A-Za-z0-9_$.~/-]{0,63}$/;

function pointer(path: readonly PropertyKey[]): string {
  return path
    .map((segment) => {
      if (typeof segment === 'number') return `/${segment}`;
      const text =
        typeof segment === 'string' && SAFE_SEGMENT.test(segment) && !/\d{6}/.test(segment) ? segment : '*';
      return `/${text.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    })
    .join('');
}

/**
 * Zod 4 issues as `[{ path, message }]`: `path` is a JSON Pointer, `message` is built from
 * the issue kind and never contains the input (not even for enum, regex or unknown keys).
 * @example
 * const r = VerificationRequest.safeParse(body);
 * if (!r.success) zodIssuesToErrors(r.error.issues, 'zh-CN'); // [{ path: '/region', message: '须为六位行政区划代码' }]
 */
export function zodIssuesToErrors(issues: readonly $ZodIssue[], lang: ProblemLanguage = 'en'): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ path: pointer([...issue.path, key]), message: describeIssue(issue)[lang] });
    } else {
      out.push({ path: pointer(issue.path), message: describeIssue(issue)[lang] });
    }
  }
  return out;
}

/**
 * An `ERR_VALIDATION` error that keeps the zod issues, so the problem can be rendered in
 * the caller's language later.
 * @example
 * if (!r.success) throw validationError(r.error.issues);
 */
export function validationError(issues: readonly $ZodIssue[]): GatewayError {
  return new GatewayError('ERR_VALIDATION', `request failed validation (${issues.length} issues)`, {
    errors: zodIssuesToErrors(issues, 'en'),
    facts: { issues: issues.length },
    cause: { issues },
  });
}

function issuesOf(value: unknown): readonly $ZodIssue[] | undefined {
  if (typeof value !== 'object' || value === null || !('issues' in value)) return undefined;
  const { issues } = value;
  return Array.isArray(issues) &&
    issues.every((i) => typeof i === 'object' && i !== null && 'code' in i && 'path' in i)
    ? (issues as $ZodIssue[])
    : undefined;
}

const HTTP_EXCEPTION_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'ERR_VALIDATION',
  401: 'ERR_UNAUTHENTICATED',
  403: 'ERR_FORBIDDEN',
  404: 'ERR_NOT_FOUND',
  413: 'ERR_PAYLOAD_TOO_LARGE',
  415: 'ERR_UNSUPPORTED_MEDIA_TYPE',
};

/**
 * The problem for any thrown value. A GatewayError renders its code's entry; a ZodError
 * (or anything carrying zod `issues`) is `ERR_VALIDATION`; hono's HTTPException (body
 * limit, validator) maps by status; everything else is `ERR_INTERNAL`, and no message,
 * stack or fact of the original error reaches the body.
 * @example
 * const { status, body } = problemFor(new GatewayError('ERR_FORBIDDEN', 'no scope'), 'en'); // 403
 */
export function problemFor(
  err: unknown,
  lang: ProblemLanguage,
  instance?: string,
): { status: number; body: ProblemBody } {
  let code: ErrorCode = 'ERR_INTERNAL';
  let errors: readonly FieldError[] | undefined;
  if (err instanceof GatewayError && (ERROR_CODES as readonly string[]).includes(err.code)) {
    code = err.code;
    const issues = code === 'ERR_VALIDATION' ? issuesOf(err.cause) : undefined;
    // Any code may point at fields (an unknown matter category is 422 at /matter/category).
    errors = issues
      ? zodIssuesToErrors(issues, lang)
      : err.errors?.map((e) => ({ path: e.path, message: translated(e.message, lang) }));
  } else if (err instanceof HTTPException) {
    code = HTTP_EXCEPTION_CODES[err.status] ?? 'ERR_INTERNAL';
  } else {
    const issues = issuesOf(err);
    if (issues && err instanceof Error && err.name === 'ZodError') {
      code = 'ERR_VALIDATION';
      errors = zodIssuesToErrors(issues, lang);
    }
  }
  const e = PROBLEM_CATALOGUE[code];
  const body: ProblemBody = {
    type: e.type,
    title: e.title[lang],
    status: e.status,
    detail: e.detail[lang],
    code,
    ...(instance === undefined ? {} : { instance }),
    ...(errors === undefined ? {} : { errors }),
  };
  return { status: e.status, body };
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/**
 * A problem+json Response in the language of the request's Accept-Language, usable as
 * `app.onError`. `instance` is never derived from the URL: query strings can hold an
 * identity number (`/v1/subjects/access?idNumber=…`).
 * @example
 * app.onError((err, c) => problemResponse(c, err));
 */
export function problemResponse(
  c: Context,
  err: unknown,
  options: {
    readonly instance?: string;
    readonly headers?: Readonly<Record<string, string>>;
    /** A more precise detail than the code's catalogue entry (the body limit, a route that does not exist). */
    readonly detail?: Localized;
  } = {},
): Response {
  const lang = languageOf(c.req.header('Accept-Language'));
  const problem = problemFor(err, lang, options.instance);
  const { status } = problem;
  const body = options.detail ? { ...problem.body, detail: options.detail[lang] } : problem.body;
  const headers = new Headers({
    'Content-Type': PROBLEM_MEDIA_TYPE,
    'Content-Language': lang,
    Vary: 'Accept-Language',
    'Cache-Control': 'no-store',
  });
  if (status === 401) headers.set('WWW-Authenticate', 'Bearer error="invalid_token"');
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
  return new Response(JSON.stringify(body), { status, headers });
}
