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

export type ProblemLanguage = 'zh-CN' | 'en';
export type Localized = Readonly<Record<ProblemLanguage, string>>;

export interface ProblemEntry {
  readonly status: number;
  /** Stable URI; it names the problem kind and MUST NOT change once published. */
  readonly type: string;
  readonly title: Localized;
  /** Written for an intake clerk: what happened and what to do next. */
  readonly detail: Localized;
}

export interface FieldError {
  /** JSON Pointer (RFC 6901) into the request body, e.g. `/applicant/idNumber`. */
  readonly path: string;
  readonly message: string;
}

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
}

export const PROBLEM_TYPE_BASE = 'https://eligibility-gateway.dev/problems/';

const entry = (status: number, slug: string, title: Localized, detail: Localized): ProblemEntry =>
  Object.freeze({ status, type: `${PROBLEM_TYPE_BASE}${slug}`, title, detail });

const TRY_LATER_SUPPORT = {
  en: 'Try again later; if it keeps happening, contact technical support.',
  zh: '请稍后重试；如持续出现，请联系技术支持。',
} as const;

/**
 * Every code's problem. `ERR_IDEMPOTENCY_KEY_MISSING` is 400, not 428: the
 * Idempotency-Key draft (draft-ietf-httpapi-idempotency-key-header §2.7) asks for 400,
 * and 428 means a missing *conditional* header (If-Match), which this is not.
 * Registry codes (502/504) normally become evidence `unavailable`, not a response.
 * @example
 * PROBLEM_CATALOGUE.ERR_FORBIDDEN.status; // 403
 */
export const PROBLEM_CATALOGUE: Readonly<Record<ErrorCode, ProblemEntry>> = Object.freeze({
  ERR_VALIDATION: entry(
    400,
    'validation',
    { en: 'The request is not valid', 'zh-CN': '请求内容有误' },
    {
      en: 'Some fields are missing or not filled in correctly. Correct the fields listed under "errors" and send the request again.',
      'zh-CN': '请求中有字段缺失或填写不正确。请按"errors"中列出的字段逐项更正后重新提交。',
    },
  ),
  ERR_UNAUTHENTICATED: entry(
    401,
    'unauthenticated',
    { en: 'Authentication failed', 'zh-CN': '身份认证失败' },
    {
      en: 'The request did not carry a valid access token, or the token has expired. Sign in again or ask your system administrator for a new token.',
      'zh-CN': '请求未携带有效的访问令牌，或令牌已过期。请重新登录，或联系系统管理员获取新令牌。',
    },
  ),
  ERR_FORBIDDEN: entry(
    403,
    'forbidden',
    { en: 'Not permitted', 'zh-CN': '无权执行此操作' },
    {
      en: "Your system's account is not allowed to do this. Ask your administrator to grant the permission it needs.",
      'zh-CN': '您所用系统的账号无权执行此操作。请联系管理员开通相应权限。',
    },
  ),
  ERR_NOT_FOUND: entry(
    404,
    'not-found',
    { en: 'Not found', 'zh-CN': '未找到' },
    {
      en: 'The record does not exist, or your account may not see it. Check the reference and try again.',
      'zh-CN': '所查记录不存在，或您的账号无权查看。请核对编号后重试。',
    },
  ),
  ERR_IDEMPOTENCY_CONFLICT: entry(
    409,
    'idempotency-conflict',
    { en: 'Request number already used', 'zh-CN': '请求编号已被使用' },
    {
      en: 'This request number (Idempotency-Key) was already used for a different application. Give each new application a new request number; reuse a number only to resend exactly the same application.',
      'zh-CN':
        '该请求编号（Idempotency-Key）已用于另一份内容不同的申请。新的申请请使用新的编号；只有重新发送完全相同的申请时才可沿用原编号。',
    },
  ),
  ERR_IDEMPOTENCY_KEY_MISSING: entry(
    400,
    'idempotency-key-missing',
    { en: 'Request number missing', 'zh-CN': '缺少请求编号' },
    {
      en: 'The request has no Idempotency-Key header. Every application needs a unique request number so that sending it twice never creates two decisions.',
      'zh-CN':
        '请求缺少 Idempotency-Key 请求头。每份申请都须带有唯一的请求编号，以免重复发送时产生两份决定。',
    },
  ),
  ERR_PAYLOAD_TOO_LARGE: entry(
    413,
    'payload-too-large',
    { en: 'Request too large', 'zh-CN': '请求内容过大' },
    {
      en: 'The request is larger than the gateway accepts. Check that no attachments or unneeded data were included.',
      'zh-CN': '请求内容超过网关允许的大小。请检查是否附带了附件或不需要的数据。',
    },
  ),
  ERR_UNSUPPORTED_MEDIA_TYPE: entry(
    415,
    'unsupported-media-type',
    { en: 'Unsupported format', 'zh-CN': '不支持的内容格式' },
    {
      en: 'The request must be sent as JSON (Content-Type: application/json).',
      'zh-CN': '请求须以 JSON 格式发送（Content-Type: application/json）。',
    },
  ),
  ERR_UNKNOWN_REGION: entry(
    422,
    'unknown-region',
    { en: 'Region not covered', 'zh-CN': '地区不在服务范围内' },
    {
      en: 'No eligibility standard is configured for this administrative division code. Check the region code.',
      'zh-CN': '本网关尚未配置该行政区划代码所属地区的经济困难标准。请核对地区代码。',
    },
  ),
  ERR_UNKNOWN_CATEGORY: entry(
    422,
    'unknown-category',
    { en: 'Unknown matter category', 'zh-CN': '未知的事项类别' },
    {
      en: 'The matter category is not on this region\'s list of legal-aid matters. Check the category code, or use "other".',
      'zh-CN': '该事项类别不在本地区法律援助事项清单中。请核对类别代码，或使用 other。',
    },
  ),
  ERR_REGISTRY_TIMEOUT: entry(
    504,
    'registry-timeout',
    { en: 'Registry did not answer in time', 'zh-CN': '部门数据查询超时' },
    {
      en: 'A government registry did not answer in time. Try again in a few minutes.',
      'zh-CN': '有关部门的数据系统未能及时响应。请几分钟后重试。',
    },
  ),
  ERR_REGISTRY_ERROR: entry(
    502,
    'registry-error',
    { en: 'Registry error', 'zh-CN': '部门数据系统出错' },
    {
      en: `A government registry reported an error. ${TRY_LATER_SUPPORT.en}`,
      'zh-CN': `有关部门的数据系统返回错误。${TRY_LATER_SUPPORT.zh}`,
    },
  ),
  ERR_REGISTRY_MALFORMED: entry(
    502,
    'registry-malformed',
    { en: 'Registry answer unreadable', 'zh-CN': '部门数据无法识别' },
    {
      en: `A government registry answered with data the gateway could not read. ${TRY_LATER_SUPPORT.en}`,
      'zh-CN': `有关部门的数据系统返回了无法识别的数据。${TRY_LATER_SUPPORT.zh}`,
    },
  ),
  ERR_REGISTRY_UNREACHABLE: entry(
    502,
    'registry-unreachable',
    { en: 'Registry unreachable', 'zh-CN': '无法连接部门数据系统' },
    {
      en: `The gateway could not reach a government registry. ${TRY_LATER_SUPPORT.en}`,
      'zh-CN': `网关无法连接有关部门的数据系统。${TRY_LATER_SUPPORT.zh}`,
    },
  ),
  ERR_STORE_UNAVAILABLE: entry(
    503,
    'store-unavailable',
    { en: 'Service temporarily unavailable', 'zh-CN': '服务暂时不可用' },
    {
      en: 'The gateway cannot save records right now, so the request was not completed. Try again in a few minutes.',
      'zh-CN': '网关暂时无法保存记录，本次请求未完成。请几分钟后重试。',
    },
  ),
  ERR_LOG_INTEGRITY: entry(
    500,
    'log-integrity',
    { en: 'Record-keeping check failed', 'zh-CN': '存证校验失败' },
    {
      en: 'The gateway stopped because its tamper-evident record failed a consistency check. The request was not completed. Contact technical support.',
      'zh-CN': '网关的防篡改存证未通过一致性校验，已停止处理，本次请求未完成。请联系技术支持。',
    },
  ),
  ERR_NOT_READY: entry(
    503,
    'not-ready',
    { en: 'Service not ready', 'zh-CN': '服务尚未就绪' },
    {
      en: 'The gateway is not ready to take requests yet. Try again shortly.',
      'zh-CN': '网关尚未就绪，暂不能受理请求。请稍后重试。',
    },
  ),
  ERR_ISSUER_UNAVAILABLE: entry(
    503,
    'issuer-unavailable',
    { en: 'Sign-in service unavailable', 'zh-CN': '认证服务暂时不可用' },
    {
      en: 'The gateway could not reach the sign-in service to check the access token. The token was not rejected; try again shortly.',
      'zh-CN': '网关暂时无法连接认证服务以核验访问令牌。令牌本身并未被拒绝，请稍后重试。',
    },
  ),
  ERR_SIGNATURE_INVALID: entry(
    422,
    'signature-invalid',
    { en: 'Signature not valid', 'zh-CN': '签名无效' },
    {
      en: "The decision's signature does not match the gateway's published keys, so it cannot be trusted as issued.",
      'zh-CN': '该决定的签名与网关公布的密钥不符，无法确认其为网关出具的原件。',
    },
  ),
  ERR_INTERNAL: entry(
    500,
    'internal',
    { en: 'Internal error', 'zh-CN': '系统内部错误' },
    {
      en: `Something went wrong inside the gateway and the request was not completed. ${TRY_LATER_SUPPORT.en}`,
      'zh-CN': `网关内部出现错误，本次请求未完成。${TRY_LATER_SUPPORT.zh}`,
    },
  ),
});

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
};

/** Hand-made messages with a non-personal variable part (a date, a policy id), and their Chinese. */
const KNOWN_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/^must be a date on or after (\d{4}-\d{2}-\d{2})$/, '须为 $1 或之后的日期'],
  [/^not in the matter list of policy ([\w.-]{1,64})$/, '不在政策 $1 的法律援助事项清单中'],
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
  options: { readonly instance?: string; readonly headers?: Readonly<Record<string, string>> } = {},
): Response {
  const lang = languageOf(c.req.header('Accept-Language'));
  const { status, body } = problemFor(err, lang, options.instance);
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
