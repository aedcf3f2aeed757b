import { describe, expect, it } from 'vitest';
import {
  buildAnswerEnvelope,
  buildFaultEnvelope,
  buildLookupEnvelope,
  decodeAnswerEnvelope,
  HRSS_MAX_BATCH,
  HRSS_NS,
  parseLookupEnvelope,
  SOAP_NS,
} from '../../../connectors/hrss/hrss-dialect.ts';
import { xmlElement } from '../../../connectors/shared/xml.ts';
import { makeIdNumber } from '../../../schemas/id-number.ts';
import { HrssRecord } from '../../../schemas/registry-records.ts';

const A = makeIdNumber('320102', '1980-05-17', 123);
const B = makeIdNumber('320117', '1958-11-02', 24);
const bytes = (s: string) => new TextEncoder().encode(s);

const envelope = (body: string, ns = SOAP_NS) =>
  `<soap:Envelope xmlns:soap="${ns}" xmlns:rs="${HRSS_NS}"><soap:Body>${body}</soap:Body></soap:Envelope>`;
const response = (inner: string[]) => envelope(xmlElement('rs:QueryInsuredResponse', inner));
const person = (fields: Record<string, string>) =>
  xmlElement('rs:Persons', [
    xmlElement(
      'rs:Person',
      Object.entries(fields).map(([k, v]) => xmlElement(`rs:${k}`, v)),
    ),
  ]);

describe('HRSS lookup envelope', () => {
  it('round-trips purpose, consent, trace id and subjects, escaping what needs it', () => {
    const lookup = {
      purpose: 'legal_aid <&> "x"',
      consentReference: '授权-2025/0042',
      requestId: 'r-1',
      subjects: [A, B],
    };
    const xml = buildLookupEnvelope(lookup);
    expect(xml).toContain('legal_aid &lt;&amp;&gt; &quot;x&quot;');
    expect(parseLookupEnvelope(xml)).toEqual(lookup);
  });

  it('refuses an envelope without caller, without subjects, or with too many', () => {
    const base = { purpose: 'p', consentReference: 'c', requestId: 'r' };
    expect(parseLookupEnvelope(buildLookupEnvelope({ ...base, subjects: [] }))).toBeUndefined();
    expect(
      parseLookupEnvelope(buildLookupEnvelope({ ...base, subjects: Array(HRSS_MAX_BATCH + 1).fill(A) })),
    ).toBeUndefined();
    expect(
      parseLookupEnvelope(envelope(xmlElement('rs:QueryInsuredRequest', [xmlElement('rs:AAC002', A)]))),
    ).toBeUndefined();
    expect(parseLookupEnvelope('not xml')).toBeUndefined();
  });
});

describe('HRSS answer envelope', () => {
  const records: HrssRecord[] = [
    {
      idNumber: A,
      employment: 'employed',
      insuredCategory: 'migrant_worker',
      monthlyContributionBase: 2300,
      asOf: '2025-06-30',
    },
    {
      idNumber: B,
      employment: 'retired',
      insuredCategory: 'urban_employee',
      monthlyPension: 3200.55,
      asOf: '2025-06-30',
    },
    { idNumber: B, employment: 'unemployed_registered', asOf: '2025-06-30' },
    {
      idNumber: A,
      employment: 'none',
      insuredCategory: 'flexible',
      monthlyContributionBase: 0,
      monthlyPension: 170.5,
      asOf: '2024-12-31',
    },
  ];

  it('writes codes and two-decimal amounts', () => {
    const xml = buildAnswerEnvelope([records[1] as HrssRecord]);
    expect(xml).toContain(
      `<rs:Person><rs:AAC002>${B}</rs:AAC002><rs:AAC008>3</rs:AAC008><rs:AAC013>11</rs:AAC013><rs:AIC166>3200.55</rs:AIC166><rs:AAE036>2025-06-30</rs:AAE036></rs:Person>`,
    );
  });

  it('round-trips every record shape through build and decode', () => {
    const decoded = decodeAnswerEnvelope(bytes(buildAnswerEnvelope(records)));
    expect(decoded.ok && decoded.value.map((r) => HrssRecord.parse(r))).toEqual(records);
  });

  it('decodes an empty answer as no records', () => {
    expect(decodeAnswerEnvelope(bytes(buildAnswerEnvelope([])))).toEqual({ ok: true, value: [] });
  });

  it('reports a SOAP fault and a non-zero result code as registry errors', () => {
    expect(decodeAnswerEnvelope(bytes(buildFaultEnvelope('soap:Server', `boom ${A}`)))).toEqual({
      ok: false,
      failure: { code: 'ERR_REGISTRY_ERROR', retryable: true, detail: 'registry answered a SOAP fault' },
    });
    const failed = decodeAnswerEnvelope(
      bytes(response([xmlElement('rs:ResultCode', '17'), xmlElement('rs:Persons', [])])),
    );
    expect(!failed.ok && failed.failure).toEqual({
      code: 'ERR_REGISTRY_ERROR',
      retryable: true,
      detail: 'registry answered result code 17',
    });
  });

  const ok = xmlElement('rs:ResultCode', '0');
  it.each([
    ['a body that is not XML', '{"json":true}', /^response is not acceptable XML: /],
    ['a DOCTYPE', `<!DOCTYPE x>${buildAnswerEnvelope([])}`, /^response is not acceptable XML: DOCTYPE/],
    [
      'another envelope namespace',
      envelope('', 'http://www.w3.org/2003/05/soap-envelope'),
      /^response is not a SOAP 1.1 envelope$/,
    ],
    ['no response element', envelope(''), /^Body lacks QueryInsuredResponse$/],
    ['no ResultCode', response([xmlElement('rs:Persons', [])]), /^response lacks ResultCode$/],
    ['no Persons', response([ok]), /^response lacks Persons$/],
    [
      'a person without AAC002',
      response([ok, person({ AAC008: '1', AAE036: '2025-06-30' })]),
      /^person 0 lacks a required element$/,
    ],
    [
      'a person without AAE036',
      response([ok, person({ AAC002: A, AAC008: '1' })]),
      /^person 0 lacks a required element$/,
    ],
    [
      'an unknown status code',
      response([ok, person({ AAC002: A, AAC008: '7', AAE036: '2025-06-30' })]),
      /unknown employment status code$/,
    ],
    [
      'an unknown category code',
      response([ok, person({ AAC002: A, AAC008: '1', AAC013: '99', AAE036: '2025-06-30' })]),
      /unknown insured category code$/,
    ],
    [
      'an amount that is not decimal',
      response([ok, person({ AAC002: A, AAC008: '1', AAE180: '2,300', AAE036: '2025-06-30' })]),
      /non-decimal amount$/,
    ],
  ])('calls %s malformed', (_what, xml, detail) => {
    const decoded = decodeAnswerEnvelope(bytes(xml));
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.failure.code).toBe('ERR_REGISTRY_MALFORMED');
    expect(!decoded.ok && decoded.failure.detail).toMatch(detail);
  });
});
