/**
 * The problem catalogue: for each error code, the HTTP status, a stable type URI, and a title
 * and detail an intake clerk can read, in Chinese and English. Problem bodies are rendered from
 * here by code, never from an error's message.
 */
import type { ErrorCode } from '../core/errors.ts';

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
  ERR_METHOD_NOT_ALLOWED: entry(
    405,
    'method-not-allowed',
    { en: 'Operation not supported here', 'zh-CN': '此地址不支持该操作' },
    {
      en: 'This address does not support that kind of request. The Allow header lists the ones it supports; check your system’s configuration.',
      'zh-CN': '此地址不支持该类请求。响应头 Allow 列出了它支持的请求方式；请检查您所用系统的配置。',
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
  ERR_ALREADY_SUPERSEDED: entry(
    409,
    'already-superseded',
    { en: 'Decision already replaced', 'zh-CN': '该决定已被取代' },
    {
      en: 'This decision was already reviewed and replaced by a newer one. Read the decision again: its "supersededBy" field names the one that replaced it, and a review applies to that one.',
      'zh-CN':
        '该决定已经审查并被新的决定取代。请重新读取该决定：其"supersededBy"字段给出了取代它的决定，审查应针对新的决定进行。',
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

/** The 404 detail for an address no route serves (ERR_NOT_FOUND otherwise speaks of records). */
export const ROUTE_NOT_FOUND_DETAIL: Localized = Object.freeze({
  en: 'This address does not exist on the gateway. Check the path; the operations are listed at /docs and /openapi.json.',
  'zh-CN': '网关上没有这个地址。请核对路径；全部接口见 /docs 与 /openapi.json。',
});

/**
 * The 413 detail, naming the limit.
 * @example payloadTooLargeDetail(65536).en // 'The request is larger than the 64 KiB the gateway accepts. …'
 */
export function payloadTooLargeDetail(limitBytes: number): Localized {
  const size = limitBytes % 1024 === 0 ? `${limitBytes / 1024} KiB` : `${limitBytes} bytes`;
  return {
    en: `The request is larger than the ${size} the gateway accepts. Check that no attachments or unneeded data were included.`,
    'zh-CN': `请求内容超过网关允许的 ${size}。请检查是否附带了附件或不需要的数据。`,
  };
}
