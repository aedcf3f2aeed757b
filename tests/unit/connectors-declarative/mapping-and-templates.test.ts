import { describe, expect, it } from 'vitest';
import { mapAnswer, parseAnswer, readFact } from '../../../connectors/declarative/answer-mapping.ts';
import { isPerSubject, renderRequest } from '../../../connectors/declarative/request-template.ts';
import { ConnectorManifest, isBuiltInKind } from '../../../schemas/connector-manifest.ts';
import { DEPOSITOR, NOBODY, restManifest, SEALED, soapManifest } from './manifests.ts';

const rest = restManifest(8443);
const soap = soapManifest(8443);

function mapped(manifest: ConnectorManifest, body: string, asked = [DEPOSITOR, SEALED]) {
  const parsed = parseAnswer(body, manifest.endpoint.protocol);
  if (!parsed.ok) return parsed;
  return mapAnswer(manifest, parsed.value, new Set(asked));
}

describe('mapping a JSON answer', () => {
  const answer = (accounts: unknown[]) => JSON.stringify({ retCode: '0000', data: { accounts } });

  it('follows JSON Pointers, value maps, divideBy and compact dates to typed facts', () => {
    const result = mapped(
      rest,
      answer([
        { zjhm: DEPOSITOR, zhzt: '01', yjce: 123450, zjjcrq: '20250615' },
        { zjhm: SEALED, zhzt: '02', yjce: '0', zjjcrq: '2023-11-30' },
      ]),
    );
    expect(result).toEqual({
      ok: true,
      value: new Map([
        [
          DEPOSITOR,
          [
            {
              idNumber: DEPOSITOR,
              facts: { accountStatus: 'active', monthlyDeposit: 1234.5, lastDepositDate: '2025-06-15' },
            },
          ],
        ],
        [
          SEALED,
          [
            {
              idNumber: SEALED,
              facts: { accountStatus: 'sealed', monthlyDeposit: 0, lastDepositDate: '2023-11-30' },
            },
          ],
        ],
      ]),
    });
  });

  it('reads an empty or absent record list as nobody found', () => {
    expect(mapped(rest, answer([]))).toEqual({ ok: true, value: new Map() });
    expect(mapped(rest, JSON.stringify({ retCode: '0000', data: { accounts: null } }))).toEqual({
      ok: true,
      value: new Map(),
    });
  });

  it.each([
    [
      'a record about someone not asked',
      [{ zjhm: NOBODY, zhzt: '01', yjce: 1, zjjcrq: '20250101' }],
      /not asked about/,
    ],
    [
      'a raw value missing from the value map',
      [{ zjhm: DEPOSITOR, zhzt: '09', yjce: 1, zjjcrq: '20250101' }],
      /accountStatus is value not in the value map/,
    ],
    [
      'a number that is text',
      [{ zjhm: DEPOSITOR, zhzt: '01', yjce: 'lots', zjjcrq: '20250101' }],
      /monthlyDeposit is not a number/,
    ],
    [
      'an impossible date',
      [{ zjhm: DEPOSITOR, zhzt: '01', yjce: 1, zjjcrq: '20250231' }],
      /lastDepositDate is not a date/,
    ],
    [
      'a missing required fact',
      [{ zjhm: DEPOSITOR, zhzt: '01', yjce: 1 }],
      /required fact lastDepositDate is missing/,
    ],
    ['a record without a subject', [{ zhzt: '01', yjce: 1, zjjcrq: '20250101' }], /no subject/],
  ])('refuses %s as malformed, naming the fact but not the value', (_name, accounts, reason) => {
    const result = mapped(rest, answer(accounts));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure.code).toBe('ERR_REGISTRY_MALFORMED');
    expect(result.failure.detail).toMatch(reason);
    expect(result.failure.detail).not.toContain(DEPOSITOR);
    expect(result.failure.detail).not.toContain('lots');
  });

  it('refuses a body that is not JSON', () => {
    const result = parseAnswer('<html>', 'rest_json');
    expect(result.ok).toBe(false);
  });
});

describe('mapping a SOAP/XML answer', () => {
  const envelope = (items: string) =>
    `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:g="urn:gjj:account:v1"><soap:Body><g:QueryAccountResponse>${items}</g:QueryAccountResponse></soap:Body></soap:Envelope>`;

  it('selects repeated elements by local name and reads attributes with @', () => {
    const result = mapped(
      soap,
      envelope(
        `<g:Account zhzt="02"><g:Zjhm>${SEALED}</g:Zjhm><g:Yjce>100</g:Yjce><g:Zjjcrq>20231130</g:Zjjcrq></g:Account>`,
      ),
    );
    expect(result).toEqual({
      ok: true,
      value: new Map([
        [
          SEALED,
          [
            {
              idNumber: SEALED,
              facts: { accountStatus: 'sealed', monthlyDeposit: 1, lastDepositDate: '2023-11-30' },
            },
          ],
        ],
      ]),
    });
  });

  it('refuses XML with a DOCTYPE (no entity tricks)', () => {
    const result = parseAnswer('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', 'soap_xml');
    expect(result.ok).toBe(false);
  });
});

describe('readFact', () => {
  it('reads booleans and integers strictly', () => {
    expect(readFact('true', { path: '' }, { type: 'boolean' })).toEqual({ ok: true, value: true });
    expect(readFact('yes', { path: '' }, { type: 'boolean' })).toEqual({
      ok: false,
      reason: 'not true or false',
    });
    expect(readFact(150, { path: '', divideBy: 100 }, { type: 'integer' })).toEqual({
      ok: false,
      reason: 'not a whole number',
    });
    expect(readFact(undefined, { path: '' }, { type: 'string' })).toEqual({ ok: true, value: undefined });
  });
});

describe('request templates', () => {
  const values = {
    subjects: [DEPOSITOR, SEALED],
    purpose: 'legal_aid_eligibility',
    consentReference: 'C<1>&"x"',
    requestId: 'r-1',
  };

  it('renders a JSON body: {{subjects}} becomes the list, other placeholders text', () => {
    const out = renderRequest(rest, values);
    expect(out.method).toBe('POST');
    expect(out.path).toBe('/api/v2/accounts/query');
    expect(out.headers['content-type']).toBe('application/json');
    expect(JSON.parse(String(out.body))).toEqual({
      reqNo: 'r-1',
      yt: 'legal_aid_eligibility',
      sqbh: 'C<1>&"x"',
      zjhmList: [DEPOSITOR, SEALED],
    });
    expect(isPerSubject(rest.request)).toBe(false);
  });

  it('renders a SOAP envelope with every value XML-escaped, one subject per call', () => {
    const out = renderRequest(soap, { ...values, subjects: [DEPOSITOR] });
    expect(out.body).toContain(`<gjj:Zjhm>${DEPOSITOR}</gjj:Zjhm>`);
    expect(out.body).toContain('<gjj:Sqbh>C&lt;1&gt;&amp;&quot;x&quot;</gjj:Sqbh>');
    expect(out.headers.soapaction).toBe('"urn:gjj:account:v1#QueryAccount"');
    expect(isPerSubject(soap.request)).toBe(true);
  });

  it('URL-encodes query values and strips control characters from headers', () => {
    const manifest = restManifest(8443, {
      request: {
        method: 'GET',
        path: '/accounts',
        query: { id: '{{subject}}', ref: '{{consentReference}}' },
        headers: { 'x-consent': '{{consentReference}}' },
      },
    });
    const out = renderRequest(manifest, {
      ...values,
      subjects: [DEPOSITOR],
      consentReference: 'a b&c\r\nX-Evil: 1',
    });
    expect(out.path).toBe(`/accounts?id=${DEPOSITOR}&ref=a%20b%26c%0D%0AX-Evil%3A%201`);
    expect(out.headers['x-consent']).toBe('a b&cX-Evil: 1');
    expect(out.body).toBeUndefined();
  });
});

describe('the manifest schema', () => {
  it('accepts both dialects and knows the built-in kinds', () => {
    expect(rest.registry.kind).toBe('housing_fund');
    expect(soap.endpoint.protocol).toBe('soap_xml');
    expect(isBuiltInKind('hrss')).toBe(true);
    expect(isBuiltInKind('housing_fund')).toBe(false);
  });

  it('lets a built-in kind map to the built-in record, without declaring facts', () => {
    const parsed = ConnectorManifest.safeParse({
      ...restManifest(8443),
      id: 'district-hrss',
      registry: { kind: 'hrss', name: 'District HRSS' },
      mapping: {
        records: '/rows',
        subject: '/sfzh',
        facts: { employment: { path: '/jyzt' }, asOf: { path: '/rq' } },
      },
      conformance: {
        cases: [{ name: 'employed', subject: DEPOSITOR, expect: 'found', facts: { employment: 'employed' } }],
      },
    });
    expect(parsed.success).toBe(true);
  });

  it('refuses cross-field mistakes with their paths', () => {
    const parsed = ConnectorManifest.safeParse({
      ...restManifest(8443),
      registry: { kind: 'housing_fund', name: 'HPF' },
      request: { method: 'GET', path: '/q', body: { x: '{{subject}}' }, envelope: '<x/>' },
    });
    expect(parsed.success).toBe(false);
    const paths = parsed.error?.issues.map((i) => i.path.join('/')) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['registry/facts', 'request/envelope', 'request/body']));
  });

  it('refuses a JWKS carrying a private key', () => {
    const parsed = ConnectorManifest.safeParse({
      ...restManifest(8443),
      authentication: {
        type: 'jwks',
        jwks: {
          keys: [
            { kty: 'EC', crv: 'P-256', x: 'a'.repeat(43), y: 'b'.repeat(43), d: 'c'.repeat(43), kid: 'k' },
          ],
        },
      },
    });
    expect(parsed.success).toBe(false);
  });
});
