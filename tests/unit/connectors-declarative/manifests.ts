/** Manifests of the housing fund sandbox's two dialects, for the declarative connector's unit tests. */
import { ConnectorManifest } from '../../../schemas/connector-manifest.ts';
import { makeIdNumber } from '../../../schemas/id-number.ts';

export const DEPOSITOR = makeIdNumber('320102', '1985-03-14', 17);
export const SEALED = makeIdNumber('320105', '1979-11-02', 23);
export const NOBODY = makeIdNumber('320106', '1990-01-09', 31);
export const HOST = 'hpf.unit.test';

const facts = {
  accountStatus: { type: 'string', values: ['active', 'sealed', 'closed'] },
  monthlyDeposit: { type: 'number' },
  lastDepositDate: { type: 'date' },
} as const;

const cases = [
  {
    name: 'active_depositor',
    subject: DEPOSITOR,
    expect: 'found',
    facts: { accountStatus: 'active', monthlyDeposit: 1234.5, lastDepositDate: '2025-06-15' },
  },
  { name: 'no_account', subject: NOBODY, expect: 'not_found' },
] as const;

const common = {
  manifestVersion: 1,
  version: '1.0.0',
  agency: { id: 'nanjing-hpf', name: 'Nanjing HPF' },
  registry: { kind: 'housing_fund', name: 'HPF', facts },
  dataCategories: ['housing_fund_account'],
  purposes: ['legal_aid_eligibility'],
  timeoutMs: 2000,
  quota: { requestsPerMinute: 600 },
  regions: ['320100'],
  conformance: { cases },
};

/** The REST/JSON dialect, batched with `{{subjects}}`. */
export function restManifest(port: number, overrides: Record<string, unknown> = {}): ConnectorManifest {
  return ConnectorManifest.parse({
    ...common,
    id: 'hpf-rest',
    endpoint: { url: `https://${HOST}:${port}/gjj`, protocol: 'rest_json' },
    request: {
      method: 'POST',
      path: '/api/v2/accounts/query',
      body: {
        reqNo: '{{requestId}}',
        yt: '{{purpose}}',
        sqbh: '{{consentReference}}',
        zjhmList: '{{subjects}}',
      },
    },
    authentication: { type: 'mtls' },
    mapping: {
      records: '/data/accounts',
      subject: '/zjhm',
      facts: {
        accountStatus: { path: '/zhzt', values: { '01': 'active', '02': 'sealed', '03': 'closed' } },
        monthlyDeposit: { path: '/yjce', divideBy: 100 },
        lastDepositDate: { path: '/zjjcrq' },
      },
    },
    ...overrides,
  });
}

/** The SOAP/XML dialect, one subject per call. */
export function soapManifest(port: number, overrides: Record<string, unknown> = {}): ConnectorManifest {
  return ConnectorManifest.parse({
    ...common,
    id: 'hpf-soap',
    endpoint: { url: `https://${HOST}:${port}/gjj/ws`, protocol: 'soap_xml' },
    request: {
      method: 'POST',
      path: '/AccountService',
      soapAction: 'urn:gjj:account:v1#QueryAccount',
      envelope:
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:gjj="urn:gjj:account:v1"><soap:Body><gjj:QueryAccount><gjj:Yt>{{purpose}}</gjj:Yt><gjj:Sqbh>{{consentReference}}</gjj:Sqbh><gjj:Zjhm>{{subject}}</gjj:Zjhm></gjj:QueryAccount></soap:Body></soap:Envelope>',
    },
    authentication: { type: 'mtls' },
    mapping: {
      records: '/Envelope/Body/QueryAccountResponse/Account',
      subject: '/Zjhm',
      facts: {
        accountStatus: { path: '/@zhzt', values: { '01': 'active', '02': 'sealed', '03': 'closed' } },
        monthlyDeposit: { path: '/Yjce', divideBy: 100 },
        lastDepositDate: { path: '/Zjjcrq' },
      },
    },
    ...overrides,
  });
}
