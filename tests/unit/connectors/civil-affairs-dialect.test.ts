import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeAnswer,
  fromItem,
  sign,
  signingString,
  toItem,
} from '../../../connectors/civil-affairs/civil-affairs-dialect.ts';
import { makeIdNumber } from '../../../schemas/id-number.ts';
import { CivilAffairsRecord } from '../../../schemas/registry-records.ts';

const ID = makeIdNumber('320102', '1980-05-17', 123);
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

describe('civil affairs signature', () => {
  const parts = {
    method: 'post',
    path: '/api/v2/mz/jzxx/plcx',
    timestamp: '1700000000000',
    nonce: 'n-0123456789abcdef',
    body: '{"a":1}',
  };

  it('covers method, path, timestamp, nonce and the body digest, one per line', () => {
    const digest = createHash('sha256').update('{"a":1}').digest('hex');
    expect(signingString(parts)).toBe(
      `POST\n/api/v2/mz/jzxx/plcx\n1700000000000\nn-0123456789abcdef\n${digest}`,
    );
  });

  it('is base64 HMAC-SHA256 under the app secret, as an independent implementation computes it', () => {
    const expected = createHmac('sha256', 'app-secret-0123456789')
      .update(signingString(parts))
      .digest('base64');
    expect(sign('app-secret-0123456789', parts)).toBe(expected);
    expect(sign('app-secret-0123456780', parts)).not.toBe(expected);
  });
});

describe('civil affairs mapping', () => {
  const records: CivilAffairsRecord[] = [
    { idNumber: ID, programme: 'minimum_living_allowance', status: 'active', since: '2023-03-01' },
    {
      idNumber: ID,
      programme: 'household_economic_check',
      status: 'active',
      since: '2025-01-10',
      householdSize: 2,
      householdMonthlyIncome: 4300.5,
    },
    {
      idNumber: ID,
      programme: 'temporary_assistance',
      status: 'ended',
      since: '2024-02-01',
      until: '2024-05-01',
      reason: 'illness',
    },
    { idNumber: ID, programme: 'extreme_poverty', status: 'active', since: '2020-02-29' },
    { idNumber: ID, programme: 'low_income_family', status: 'active', since: '2021-01-01' },
    {
      idNumber: ID,
      programme: 'orphan',
      status: 'active',
      since: '2019-09-09',
      householdMonthlyIncome: 0.01,
    },
  ];

  it('writes the agency codes, YYYYMMDD dates and income in fen', () => {
    expect(toItem(records[1] as CivilAffairsRecord)).toEqual({
      zjhm: ID,
      jzlb: 'JJHD',
      zt: 'ZB',
      ksrq: '20250110',
      jtrk: 2,
      jtyzsr: 430050,
    });
    expect(toItem(records[2] as CivilAffairsRecord)).toEqual({
      zjhm: ID,
      jzlb: 'LSJZ',
      zt: 'TB',
      ksrq: '20240201',
      jsrq: '20240501',
      jzyy: 'JB',
    });
  });

  it.each(records)('round-trips $programme', (record) => {
    expect(CivilAffairsRecord.parse(fromItem(toItem(record)))).toEqual(record);
  });
});

describe('civil affairs answer decoding', () => {
  it('decodes a successful answer', () => {
    const answer = decodeAnswer(
      bytes({
        code: '0000',
        msg: '成功',
        data: { jzxx: [{ zjhm: ID, jzlb: 'DB', zt: 'ZB', ksrq: '20230301', extra: 'tolerated' }] },
      }),
    );
    expect(answer).toEqual({
      ok: true,
      value: [{ idNumber: ID, programme: 'minimum_living_allowance', status: 'active', since: '2023-03-01' }],
    });
  });

  it.each([
    ['truncated JSON', '{"code":"0000","data":{"jzxx":[', 'response is not valid UTF-8 JSON'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'response is not valid UTF-8 JSON'],
    [
      'an unknown programme code',
      { code: '0000', data: { jzxx: [{ zjhm: ID, jzlb: 'XX', zt: 'ZB', ksrq: '20230301' }] } },
      'response does not follow the civil affairs dialect at data.jzxx.0.jzlb',
    ],
    [
      'a date in the wrong format',
      { code: '0000', data: { jzxx: [{ zjhm: ID, jzlb: 'DB', zt: 'ZB', ksrq: '2023-03-01' }] } },
      'response does not follow the civil affairs dialect at data.jzxx.0.ksrq',
    ],
    [
      'income as text',
      { code: '0000', data: { jzxx: [{ zjhm: ID, jzlb: 'DB', zt: 'ZB', ksrq: '20230301', jtyzsr: '100' }] } },
      'response does not follow the civil affairs dialect at data.jzxx.0.jtyzsr',
    ],
    ['no data', { code: '0000' }, 'response lacks data'],
  ])('calls %s malformed', (_what, body, detail) => {
    expect(decodeAnswer(body instanceof Uint8Array ? body : bytes(body))).toEqual({
      ok: false,
      failure: { code: 'ERR_REGISTRY_MALFORMED', retryable: false, detail },
    });
  });

  it('reports an agency business code as a registry error, without copying its message or odd codes', () => {
    expect(decodeAnswer(bytes({ code: '5001', msg: `查询失败 ${ID}` }))).toEqual({
      ok: false,
      failure: {
        code: 'ERR_REGISTRY_ERROR',
        retryable: true,
        detail: 'registry answered business code 5001',
      },
    });
    const odd = decodeAnswer(bytes({ code: ID }));
    expect(!odd.ok && odd.failure.detail).toBe('registry answered business code unknown');
  });
});
