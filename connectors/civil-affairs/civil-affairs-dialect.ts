/**
 * The civil affairs (民政) registry's dialect: REST/JSON with pinyin-initial field names
 * and agency codes, requests signed with an app key and HMAC-SHA256. Shared by the
 * connector (which speaks it) and the sandbox (which imitates the agency), so the two
 * cannot drift apart silently.
 *
 * Request  POST /api/v2/mz/jzxx/plcx  { cxmd, sqbh, qqlsh, zjhmList }
 *   cxmd 查询目的 purpose · sqbh 授权编号 consent reference · qqlsh 请求流水号 request id ·
 *   zjhmList 证件号码列表 identity numbers
 * Answer   { code: '0000', msg, data: { jzxx: [{ zjhm, jzlb, zt, ksrq, jsrq?, jtrk?, jtyzsr?, jzyy? }] } }
 *   jzlb 救助类别 programme code · zt 状态 ZB 在保 / TB 退保 · ksrq/jsrq 开始/结束日期 YYYYMMDD ·
 *   jtrk 家庭人口 household size · jtyzsr 家庭月总收入 in fen (分) · jzyy 救助原因 reason code
 * Signature X-Signature = base64(HMAC-SHA256(secret, METHOD \n PATH \n X-Timestamp \n X-Nonce \n hex(sha256(body))))
 */
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import type { CivilAffairsRecord } from '../../schemas/registry-records.ts';
import { base64 } from '../../src/core/encoding.ts';
import { hmacSha256, sha256 } from '../../src/core/log/hashes.ts';
import { decodeJsonDialect } from '../shared/json-dialect.ts';
import { type Decoded, malformed, registryFailure } from '../shared/registry-failure.ts';

/** The batch lookup path. */
export const CIVIL_AFFAIRS_LOOKUP_PATH = '/api/v2/mz/jzxx/plcx';
/** The signed liveness path. */
export const CIVIL_AFFAIRS_PING_PATH = '/api/v2/mz/ping';
/** Most identity numbers one lookup may carry. */
export const CIVIL_AFFAIRS_MAX_BATCH = 100;
/** How far a request's timestamp may be from the registry's clock. */
export const CIVIL_AFFAIRS_CLOCK_SKEW_MS = 300_000;
/** The agency's success code. */
export const CIVIL_AFFAIRS_OK = '0000';

/** Header names of the signature scheme. */
export const CIVIL_AFFAIRS_HEADERS = Object.freeze({
  appKey: 'x-app-key',
  timestamp: 'x-timestamp',
  nonce: 'x-nonce',
  signature: 'x-signature',
});

const PROGRAMME_CODES = {
  minimum_living_allowance: 'DB',
  extreme_poverty: 'TK',
  low_income_family: 'DSR',
  orphan: 'GE',
  temporary_assistance: 'LSJZ',
  household_economic_check: 'JJHD',
} as const satisfies Record<CivilAffairsRecord['programme'], string>;
const STATUS_CODES = { active: 'ZB', ended: 'TB' } as const satisfies Record<
  CivilAffairsRecord['status'],
  string
>;
const REASON_CODES = { disaster: 'ZH', illness: 'JB', other: 'QT' } as const satisfies Record<
  NonNullable<CivilAffairsRecord['reason']>,
  string
>;

const invert = <K extends string, V extends string>(m: Record<K, V>): Record<V, K> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k])) as Record<V, K>;
const PROGRAMME_BY_CODE = invert(PROGRAMME_CODES);
const STATUS_BY_CODE = invert(STATUS_CODES);
const REASON_BY_CODE = invert(REASON_CODES);

const Ymd = z.string().regex(/^\d{8}$/);

/** The lookup request body. */
export const CivilAffairsLookup = z.strictObject({
  cxmd: z.string().min(1).max(64),
  sqbh: z.string().min(1).max(128),
  qqlsh: z.string().min(1).max(128),
  zjhmList: z.array(z.string().min(1).max(32)).min(1).max(CIVIL_AFFAIRS_MAX_BATCH),
});
export type CivilAffairsLookup = z.infer<typeof CivilAffairsLookup>;

/** One assistance entry as the agency writes it. Extra fields are tolerated: agencies add them. */
export const CivilAffairsItem = z.looseObject({
  zjhm: z.string(),
  jzlb: z.enum(Object.values(PROGRAMME_CODES) as [string, ...string[]]),
  zt: z.enum(Object.values(STATUS_CODES) as [string, ...string[]]),
  ksrq: Ymd,
  jsrq: Ymd.optional(),
  jtrk: z.number().int().optional(),
  jtyzsr: z.number().int().nonnegative().optional(),
  jzyy: z.enum(Object.values(REASON_CODES) as [string, ...string[]]).optional(),
});
export type CivilAffairsItem = z.infer<typeof CivilAffairsItem>;

/** The answer envelope. */
export const CivilAffairsResponse = z.looseObject({
  code: z.string(),
  msg: z.string().optional(),
  data: z.looseObject({ jzxx: z.array(CivilAffairsItem) }).optional(),
});

/** The parts a signature covers. */
export interface SignedParts {
  readonly method: string;
  readonly path: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly body: string;
}

/**
 * The string the HMAC is computed over.
 * @example signingString({ method: 'POST', path: '/p', timestamp: '1', nonce: 'n', body: '' })
 */
export function signingString(parts: SignedParts): string {
  return [
    parts.method.toUpperCase(),
    parts.path,
    parts.timestamp,
    parts.nonce,
    bytesToHex(sha256(utf8ToBytes(parts.body))),
  ].join('\n');
}

/**
 * The base64 HMAC-SHA256 signature of a request under the app secret.
 * @example sign(secret, { method: 'POST', path, timestamp: String(Date.now()), nonce, body })
 */
export function sign(appSecret: string, parts: SignedParts): string {
  return base64(hmacSha256(utf8ToBytes(appSecret), utf8ToBytes(signingString(parts))));
}

const ymd = (iso: string): string => iso.replaceAll('-', '');
const iso = (d: string): string => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;

/** Writes a gateway record in the agency's vocabulary (the sandbox's side). @example toItem(record) */
export function toItem(record: CivilAffairsRecord): CivilAffairsItem {
  return {
    zjhm: record.idNumber,
    jzlb: PROGRAMME_CODES[record.programme],
    zt: STATUS_CODES[record.status],
    ksrq: ymd(record.since),
    ...(record.until === undefined ? {} : { jsrq: ymd(record.until) }),
    ...(record.householdSize === undefined ? {} : { jtrk: record.householdSize }),
    ...(record.householdMonthlyIncome === undefined
      ? {}
      : { jtyzsr: Math.round(record.householdMonthlyIncome * 100) }),
    ...(record.reason === undefined ? {} : { jzyy: REASON_CODES[record.reason] }),
  };
}

/** Maps an agency entry to the gateway's vocabulary; the caller validates the result. @example fromItem(item) */
export function fromItem(item: CivilAffairsItem): Record<string, unknown> {
  return {
    idNumber: item.zjhm,
    programme: PROGRAMME_BY_CODE[item.jzlb as keyof typeof PROGRAMME_BY_CODE],
    status: STATUS_BY_CODE[item.zt as keyof typeof STATUS_BY_CODE],
    since: iso(item.ksrq),
    ...(item.jsrq === undefined ? {} : { until: iso(item.jsrq) }),
    ...(item.jtrk === undefined ? {} : { householdSize: item.jtrk }),
    ...(item.jtyzsr === undefined ? {} : { householdMonthlyIncome: item.jtyzsr / 100 }),
    ...(item.jzyy === undefined ? {} : { reason: REASON_BY_CODE[item.jzyy as keyof typeof REASON_BY_CODE] }),
  };
}

/**
 * Decodes an answer body to unvalidated gateway-shaped records.
 * @example decodeAnswer(bytes) // { ok: true, value: [{ idNumber, programme: 'minimum_living_allowance', ... }] }
 */
export function decodeAnswer(body: Uint8Array): Decoded<Record<string, unknown>[]> {
  const parsed = decodeJsonDialect(body, CivilAffairsResponse, 'civil affairs');
  if (!parsed.ok) return parsed;
  if (parsed.value.code !== CIVIL_AFFAIRS_OK) {
    // Agency codes are short and non-personal; the message is not copied.
    const code = /^\d{4}$/.test(parsed.value.code) ? parsed.value.code : 'unknown';
    return {
      ok: false,
      failure: registryFailure('ERR_REGISTRY_ERROR', `registry answered business code ${code}`),
    };
  }
  if (!parsed.value.data) return malformed('response lacks data');
  return { ok: true, value: parsed.value.data.jzxx.map(fromItem) };
}
