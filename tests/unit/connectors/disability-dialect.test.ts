import { describe, expect, it } from 'vitest';
import {
  decodeAnswer,
  fromCertificate,
  toCertificate,
} from '../../../connectors/disability/disability-dialect.ts';
import { makeIdNumber } from '../../../schemas/id-number.ts';
import { DisabilityRecord } from '../../../schemas/registry-records.ts';

const ID = makeIdNumber('320117', '1958-11-02', 24);
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const record: DisabilityRecord = {
  idNumber: ID,
  certificateNo: 'CDPF32011700000001',
  category: 'mental',
  grade: 3,
  issuedAt: '2019-03-01',
  validUntil: '2029-02-28',
};

describe('disability federation dialect', () => {
  it('writes national category codes, numeric grades, slash dates and a status', () => {
    expect(toCertificate(record)).toEqual({
      id_card_no: ID,
      cert_no: 'CDPF32011700000001',
      disability_type: 6,
      disability_level: 3,
      issue_date: '2019/03/01',
      valid_until: '2029/02/28',
      cert_status: 'VALID',
    });
    expect(toCertificate({ ...record, revoked: true }).cert_status).toBe('REVOKED');
  });

  it.each(['visual', 'hearing', 'speech', 'physical', 'intellectual', 'mental', 'multiple'] as const)(
    'round-trips category %s',
    (category) => {
      expect(DisabilityRecord.parse(fromCertificate(toCertificate({ ...record, category })))).toEqual({
        ...record,
        category,
      });
    },
  );

  it('round-trips a revoked certificate, and leaves `revoked` out of a valid one', () => {
    expect(fromCertificate(toCertificate({ ...record, revoked: true }))).toEqual({
      ...record,
      revoked: true,
    });
    expect(fromCertificate(toCertificate(record))).not.toHaveProperty('revoked');
  });

  it('decodes a successful answer', () => {
    expect(decodeAnswer(bytes({ result: 'OK', certificates: [toCertificate(record)] }))).toEqual({
      ok: true,
      value: [record],
    });
  });

  it.each([
    ['truncated JSON', '{"result":"OK","certificates":[', 'response is not valid UTF-8 JSON'],
    [
      'certificates as an object',
      { result: 'OK', certificates: { id_card_no: 0 } },
      'response does not follow the disability federation dialect at certificates',
    ],
    [
      'a grade as text',
      { result: 'OK', certificates: [{ ...toCertificate(record), disability_level: '一级' }] },
      'response does not follow the disability federation dialect at certificates.0.disability_level',
    ],
    [
      'a category code out of range',
      { result: 'OK', certificates: [{ ...toCertificate(record), disability_type: 8 }] },
      'response does not follow the disability federation dialect at certificates.0.disability_type',
    ],
    [
      'a date with dashes',
      { result: 'OK', certificates: [{ ...toCertificate(record), valid_until: '2029-02-28' }] },
      'response does not follow the disability federation dialect at certificates.0.valid_until',
    ],
  ])('calls %s malformed', (_what, body, detail) => {
    expect(decodeAnswer(bytes(body))).toEqual({
      ok: false,
      failure: { code: 'ERR_REGISTRY_MALFORMED', retryable: false, detail },
    });
  });

  it('reports a non-OK result as a registry error', () => {
    expect(decodeAnswer(bytes({ result: 'BUSY', certificates: [] }))).toEqual({
      ok: false,
      failure: { code: 'ERR_REGISTRY_ERROR', retryable: true, detail: 'registry answered a non-OK result' },
    });
  });
});
