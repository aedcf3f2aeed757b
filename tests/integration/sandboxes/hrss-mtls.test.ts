/** The HRSS sandbox speaks only to the gateway's client certificate, over TLS it can verify. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HrssConnectorConfig } from '../../../connectors/built-in-config.ts';
import {
  buildLookupEnvelope,
  HRSS_SERVICE_PATH,
  HRSS_SOAP_ACTION,
} from '../../../connectors/hrss/hrss-dialect.ts';
import {
  createHrssConnector,
  createHttpTransport,
  createSandboxPki,
  type HrssSandbox,
  issueClientCertificate,
  loadFixtures,
  type SandboxPki,
  startHrssSandbox,
} from '../../../connectors/index.ts';
import type { Connector } from '../../../src/core/ports.ts';
import { BASIC_FIXTURES, CONSENT, expectUnavailable, PEOPLE, PURPOSE, query, recordsOf } from './helpers.ts';

let sandbox: HrssSandbox;
let foreign: SandboxPki;
const opened: { close?(): Promise<void> }[] = [];

beforeAll(async () => {
  const [fixtures, other] = await Promise.all([
    loadFixtures(BASIC_FIXTURES),
    createSandboxPki({ clientCommonName: 'egw-gateway' }),
  ]);
  foreign = other;
  sandbox = await startHrssSandbox({ fixtures });
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close?.()));
  await sandbox.close();
});
beforeEach(() => sandbox.clearRequestLog());

function config(overrides: Partial<HrssConnectorConfig> = {}): HrssConnectorConfig {
  return {
    baseUrl: sandbox.url,
    caPem: sandbox.pki.caCertPem,
    clientCertPem: sandbox.pki.clientCertPem,
    clientKeyPem: sandbox.pki.clientKeyPem,
    ...overrides,
  };
}

function connector(overrides: Partial<HrssConnectorConfig> = {}): Connector<'hrss'> {
  const c = createHrssConnector(config(overrides));
  opened.push(c);
  return c;
}

const envelope = buildLookupEnvelope({
  purpose: PURPOSE,
  consentReference: CONSENT,
  requestId: 'raw',
  subjects: [PEOPLE.wang],
});

describe('HRSS sandbox: mutual TLS', () => {
  it('serves the gateway certificate issued by its CA', async () => {
    const records = recordsOf(await connector().query(query([PEOPLE.wang])));
    expect(records[PEOPLE.wang]).toEqual([
      {
        idNumber: PEOPLE.wang,
        employment: 'employed',
        insuredCategory: 'migrant_worker',
        monthlyContributionBase: 2300,
        asOf: '2025-06-30',
      },
    ]);
  });

  it('refuses a client without a certificate during the handshake: nothing reaches the service', async () => {
    const transport = createHttpTransport({ baseUrl: sandbox.url, tls: { caPem: sandbox.pki.caCertPem } });
    opened.push(transport);
    const result = await transport.send(
      () => ({
        method: 'POST',
        path: HRSS_SERVICE_PATH,
        headers: { 'content-type': 'text/xml', soapaction: HRSS_SOAP_ACTION },
        body: envelope,
      }),
      { signal: AbortSignal.timeout(3_000), idempotent: true },
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.failure.code).toBe('ERR_REGISTRY_UNREACHABLE');
    expect(sandbox.requestLog()).toEqual([]);
  });

  it('refuses a certificate from another CA, even with the right subject: nothing reaches the service', async () => {
    const answer = await connector({
      clientCertPem: foreign.clientCertPem,
      clientKeyPem: foreign.clientKeyPem,
    }).query(query([PEOPLE.wang]));
    expectUnavailable(answer, 'ERR_REGISTRY_UNREACHABLE');
    expect(sandbox.requestLog()).toEqual([]);
  });

  it('refuses a certificate from its CA for another subject (403), recorded as refused', async () => {
    const intruder = await issueClientCertificate(sandbox.pki, 'intruder');
    const answer = await connector({ clientCertPem: intruder.certPem, clientKeyPem: intruder.keyPem }).query(
      query([PEOPLE.wang]),
    );
    expectUnavailable(answer, 'ERR_REGISTRY_ERROR', false);
    expect(answer.status === 'unavailable' && answer.detail).toBe(
      "registry refused the gateway's credentials (HTTP 403)",
    );
    expect(sandbox.requestLog()).toMatchObject([
      { outcome: 'refused', status: 403, reason: 'client certificate subject not authorised', subjects: [] },
    ]);
  });

  it('will not talk to a server its CA did not certify', async () => {
    const answer = await connector({ caPem: foreign.caCertPem }).query(query([PEOPLE.wang]));
    expectUnavailable(answer, 'ERR_REGISTRY_UNREACHABLE', false);
    expect(answer.status === 'unavailable' && answer.detail).toMatch(/^TLS handshake failed \(/);
    expect(sandbox.requestLog()).toEqual([]);
  });

  it('rejects a request with the wrong SOAPAction, and one carrying a DOCTYPE', async () => {
    const transport = createHttpTransport({
      baseUrl: sandbox.url,
      tls: {
        caPem: sandbox.pki.caCertPem,
        certPem: sandbox.pki.clientCertPem,
        keyPem: sandbox.pki.clientKeyPem,
      },
    });
    opened.push(transport);
    const send = (soapaction: string, body: string) =>
      transport.send(
        () => ({
          method: 'POST',
          path: HRSS_SERVICE_PATH,
          headers: { 'content-type': 'text/xml', soapaction },
          body,
        }),
        {
          signal: AbortSignal.timeout(3_000),
          idempotent: true,
        },
      );
    const wrongAction = await send('"urn:other#Op"', envelope);
    const doctype = await send(HRSS_SOAP_ACTION, envelope.replace('?>', '?><!DOCTYPE x [<!ENTITY a "b">]>'));
    expect(wrongAction.ok && wrongAction.response.status).toBe(500);
    expect(doctype.ok && doctype.response.status).toBe(500);
    expect(sandbox.requestLog().map((e) => [e.outcome, e.reason])).toEqual([
      ['rejected', 'wrong SOAPAction or content type'],
      ['rejected', 'invalid lookup envelope'],
    ]);
  });

  it('refuses a configuration whose PEMs do not parse, at construction', () => {
    const broken = `-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`;
    expect(() => createHrssConnector(config({ clientCertPem: broken }))).toThrow(
      'invalid HRSS connector configuration: caPem, clientCertPem or clientKeyPem does not parse',
    );
    expect(() => createHrssConnector(config({ baseUrl: sandbox.url.replace('https', 'http') }))).toThrow(
      /baseUrl/,
    );
  });
});
