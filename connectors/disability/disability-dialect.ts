/**
 * The disability federation (残联) registry's dialect: REST/JSON with snake_case fields,
 * national category codes (1 视力 … 7 多重), grades as numbers, dates as YYYY/MM/DD, and a
 * short-lived ES256 JWT bearer the gateway signs with the key the federation issued it.
 * Shared by the connector and the sandbox.
 *
 * Request  POST /openapi/v1/certificates:batchGet  { query_purpose, consent_ref, trace_id, id_card_nos }
 *          Authorization: Bearer <JWT: alg ES256, kid; iss, aud, iat, exp (≤ 5 min), jti (single use)>
 * Answer   { result: 'OK', certificates: [{ id_card_no, cert_no, disability_type, disability_level,
 *            issue_date, valid_until, cert_status: 'VALID' | 'REVOKED' }] }
 */
import { z } from 'zod';
import type { DisabilityRecord } from '../../schemas/registry-records.ts';
import { decodeJsonDialect } from '../shared/json-dialect.ts';
import { type Decoded, registryFailure } from '../shared/registry-failure.ts';

/** The batch lookup path. */
export const DISABILITY_LOOKUP_PATH = '/openapi/v1/certificates:batchGet';
/** The authenticated liveness path. */
export const DISABILITY_HEALTH_PATH = '/openapi/v1/health';
/** Most identity numbers one lookup may carry. */
export const DISABILITY_MAX_BATCH = 100;
/** Longest lifetime the federation accepts for a bearer token, in seconds. */
export const DISABILITY_MAX_TOKEN_SECONDS = 300;

const CATEGORY_CODES = {
  visual: 1,
  hearing: 2,
  speech: 3,
  physical: 4,
  intellectual: 5,
  mental: 6,
  multiple: 7,
} as const satisfies Record<DisabilityRecord['category'], number>;
const CATEGORY_BY_CODE: Readonly<Record<number, DisabilityRecord['category']>> = Object.fromEntries(
  Object.entries(CATEGORY_CODES).map(([k, v]) => [v, k as DisabilityRecord['category']]),
);

const SlashDate = z.string().regex(/^\d{4}\/\d{2}\/\d{2}$/);

/** The lookup request body. */
export const DisabilityLookup = z.strictObject({
  query_purpose: z.string().min(1).max(64),
  consent_ref: z.string().min(1).max(128),
  trace_id: z.string().max(128),
  id_card_nos: z.array(z.string().min(1).max(32)).min(1).max(DISABILITY_MAX_BATCH),
});
export type DisabilityLookup = z.infer<typeof DisabilityLookup>;

/** One certificate as the federation writes it. */
export const DisabilityCertificate = z.looseObject({
  id_card_no: z.string(),
  cert_no: z.string(),
  disability_type: z.number().int().min(1).max(7),
  disability_level: z.number().int().min(1).max(4),
  issue_date: SlashDate,
  valid_until: SlashDate,
  cert_status: z.enum(['VALID', 'REVOKED']),
});
export type DisabilityCertificate = z.infer<typeof DisabilityCertificate>;

/** The answer envelope. */
export const DisabilityResponse = z.looseObject({
  result: z.string(),
  certificates: z.array(DisabilityCertificate),
});

const slash = (iso: string): string => iso.replaceAll('-', '/');
const dashed = (d: string): string => d.replaceAll('/', '-');

/** Writes a gateway record in the federation's vocabulary (the sandbox's side). @example toCertificate(record) */
export function toCertificate(record: DisabilityRecord): DisabilityCertificate {
  return {
    id_card_no: record.idNumber,
    cert_no: record.certificateNo,
    disability_type: CATEGORY_CODES[record.category],
    disability_level: record.grade,
    issue_date: slash(record.issuedAt),
    valid_until: slash(record.validUntil),
    cert_status: record.revoked ? 'REVOKED' : 'VALID',
  };
}

/** Maps a certificate to the gateway's vocabulary; the caller validates the result. @example fromCertificate(c) */
export function fromCertificate(c: DisabilityCertificate): Record<string, unknown> {
  return {
    idNumber: c.id_card_no,
    certificateNo: c.cert_no,
    category: CATEGORY_BY_CODE[c.disability_type],
    grade: c.disability_level,
    issuedAt: dashed(c.issue_date),
    validUntil: dashed(c.valid_until),
    ...(c.cert_status === 'REVOKED' ? { revoked: true } : {}),
  };
}

/**
 * Decodes an answer body to unvalidated gateway-shaped records.
 * @example decodeAnswer(bytes) // { ok: true, value: [{ idNumber, category: 'visual', grade: 2, ... }] }
 */
export function decodeAnswer(body: Uint8Array): Decoded<Record<string, unknown>[]> {
  const parsed = decodeJsonDialect(body, DisabilityResponse, 'disability federation');
  if (!parsed.ok) return parsed;
  if (parsed.value.result !== 'OK') {
    return { ok: false, failure: registryFailure('ERR_REGISTRY_ERROR', 'registry answered a non-OK result') };
  }
  return { ok: true, value: parsed.value.certificates.map(fromCertificate) };
}
