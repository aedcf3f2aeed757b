/**
 * Acceptance (issue 5), end to end: a housing provident fund nobody wrote a connector for is
 * registered from its manifest alone, certified by the gateway CA, passes conformance over
 * mutual TLS, is activated without a restart, shows up in decisions' evidence, and is gone
 * again once deactivated. Every step is a log leaf with no personal data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HousingFundSandbox,
  startHousingFundSandbox,
} from '../../../connectors/declarative/test-sandboxes/housing-fund-sandbox.ts';
import type { Decision } from '../../../schemas/decision.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';
import {
  ACCOUNTS,
  AGENCY,
  agencyToken,
  CONNECTOR_ID,
  call,
  csrFor,
  DEPOSITOR,
  HPF_HOST,
  housingFundManifest,
  NOBODY,
  OTHER_AGENCY,
  opensslVerify,
  SEALED,
  testResolver,
} from './partner-support.ts';

const fixtures = {
  persons: [
    { idNumber: DEPOSITOR, name: '周敏', district: '320102' },
    { idNumber: SEALED, name: '吴强', district: '320105' },
  ],
};

let gw: InProcessGateway;
let hpf: HousingFundSandbox;
let agency: string;
let other: string;
let chainPem = '';
const dir = mkdtempSync(join(tmpdir(), 'egw-partner-'));

beforeAll(async () => {
  gw = await startInProcess({
    fixtures,
    connectors: {
      allowedHosts: [HPF_HOST],
      allowLoopback: true,
      resolver: testResolver({ [HPF_HOST]: '127.0.0.1' }),
    },
  });
  const ca = (await (await fetch(`${gw.url}/v1/connectors/ca`)).json()) as { certificate: string };
  hpf = await startHousingFundSandbox({ accounts: ACCOUNTS, caPem: ca.certificate });
  agency = await agencyToken(gw.dataDir, { agency: AGENCY });
  other = await agencyToken(gw.dataDir, { agency: OTHER_AGENCY });
});

afterAll(async () => {
  await hpf?.close();
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

const api = (method: 'GET' | 'POST', path: string, body?: unknown, token = agency) =>
  call(
    gw.url,
    token,
    method,
    path,
    body,
    typeof body === 'string' ? 'application/pkcs10' : 'application/json',
  );

function evidenceOf(decision: Decision, source: string) {
  return decision.evidence.find((e) => e.source === source);
}

const withFund = (applicant = 0) => {
  const request = requestFor(fixtures, applicant);
  return { ...request, consent: { ...request.consent, partnerScopes: ['housing_fund'] } };
};

describe('a fourth registry joins from a manifest alone', () => {
  it('registers the housing fund connector as pending', async () => {
    const res = await api('POST', '/v1/connectors', housingFundManifest(hpf.port));
    expect(res.status).toBe(201);
    const view = (await res.json()) as {
      id: string;
      status: string;
      kind: string;
      versions: { state: string }[];
    };
    expect(view).toMatchObject({ id: CONNECTOR_ID, status: 'pending', kind: 'housing_fund', agency: AGENCY });
    expect(view.versions.map((v) => v.state)).toEqual(['registered']);
  });

  it('hides it from another agency (404) and refuses a manifest naming someone else’s agency (403)', async () => {
    for (const [method, path] of [
      ['GET', `/v1/connectors/${CONNECTOR_ID}`],
      ['POST', `/v1/connectors/${CONNECTOR_ID}/conformance`],
      ['POST', `/v1/connectors/${CONNECTOR_ID}/activate`],
      ['POST', `/v1/connectors/${CONNECTOR_ID}/deactivate`],
      ['POST', `/v1/connectors/${CONNECTOR_ID}/credentials`],
    ] as const) {
      const res = await api(method, path, undefined, other);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const csr = await api(
      'POST',
      `/v1/connectors/${CONNECTOR_ID}/csr`,
      csrFor(hpf.privateKey, HPF_HOST, AGENCY),
      other,
    );
    expect(csr.status).toBe(404);
    const version = await api(
      'POST',
      `/v1/connectors/${CONNECTOR_ID}/versions`,
      housingFundManifest(hpf.port, { version: '9' }),
      other,
    );
    expect(version.status).toBe(404);
    const list = (await (await api('GET', '/v1/connectors', undefined, other)).json()) as {
      connectors: unknown[];
    };
    expect(list.connectors).toEqual([]);
    const hijack = await api(
      'POST',
      '/v1/connectors',
      housingFundManifest(hpf.port, { id: 'hijack-hpf' }),
      other,
    );
    expect(hijack.status).toBe(403);
    const noAgency = await api(
      'POST',
      '/v1/connectors',
      housingFundManifest(hpf.port, { id: 'no-agency' }),
      await agencyToken(gw.dataDir),
    );
    expect(noAgency.status).toBe(403);
    const intake = await api('GET', '/v1/connectors', undefined, await gw.token('verifications:write'));
    expect(intake.status).toBe(403);
    expect((await call(gw.url, undefined, 'GET', '/v1/connectors')).status).toBe(401);
  });

  it('refuses a CSR whose subject and names do not match the manifest, saying where', async () => {
    const res = await api(
      'POST',
      `/v1/connectors/${CONNECTOR_ID}/csr`,
      csrFor(hpf.privateKey, 'evil.sandbox.test', OTHER_AGENCY),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path).sort()).toEqual([
      '/csr/subject/CN',
      '/csr/subject/O',
      '/csr/subjectAltName',
    ]);
  });

  it('certifies the endpoint: the chain verifies with openssl against the gateway CA', async () => {
    const res = await api(
      'POST',
      `/v1/connectors/${CONNECTOR_ID}/csr`,
      csrFor(hpf.privateKey, HPF_HOST, AGENCY),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/pem-certificate-chain');
    chainPem = await res.text();
    const [leaf = '', caPem = ''] = chainPem.split(/(?<=-----END CERTIFICATE-----\n)/);
    const verified = await opensslVerify(dir, { 'leaf.pem': leaf, 'ca.pem': caPem }, [
      '-CAfile',
      'ca.pem',
      'leaf.pem',
    ]);
    expect(verified).toEqual({ ok: true, output: 'leaf.pem: OK\n' });
    const view = (await (await api('GET', `/v1/connectors/${CONNECTOR_ID}`)).json()) as {
      versions: { state: string }[];
      certificates: { serial: string; dnsNames: string[] }[];
    };
    expect(view.versions.map((v) => v.state)).toEqual(['certified']);
    expect(view.certificates).toHaveLength(1);
    expect(view.certificates[0]?.dnsNames).toEqual([HPF_HOST]);
    expect(res.headers.get('egw-certificate-serial')).toBe(view.certificates[0]?.serial);
  });

  it('will not activate a version that has not passed conformance', async () => {
    const res = await api('POST', `/v1/connectors/${CONNECTOR_ID}/activate`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('/state');
  });

  it('passes conformance over mutual TLS with the gateway’s client certificate', async () => {
    hpf.setCertificate(chainPem);
    const res = await api('POST', `/v1/connectors/${CONNECTOR_ID}/conformance`);
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      passed: boolean;
      cases: { case: string; passed: boolean }[];
      failures: unknown[];
    };
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.cases.map((c) => [c.case, c.passed])).toEqual([
      ['active_depositor', true],
      ['sealed_account', true],
      ['no_account', true],
    ]);
    const asked = hpf.requests.filter((r) => r.outcome === 'answered');
    expect(asked).toHaveLength(3);
    expect(new Set(asked.map((r) => r.clientCommonName))).toEqual(new Set(['eligibility-gateway']));
    expect(new Set(asked.map((r) => r.purpose))).toEqual(new Set(['connector_conformance']));
  });

  it('activates without a restart and reports the fund’s facts in decisions', async () => {
    const res = await api('POST', `/v1/connectors/${CONNECTOR_ID}/activate`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'active', activeVersion: 1 });
    const before = hpf.requests.length;

    const decided = await gw.verify(withFund(0));
    expect(decided.status).toBe(201);
    const decision = (await decided.json()) as Decision;
    expect(evidenceOf(decision, 'housing_fund')).toEqual({
      source: 'housing_fund',
      status: 'found',
      facts: {
        role: 'applicant',
        accountStatus: 'active',
        monthlyDeposit: 1234.5,
        lastDepositDate: '2025-06-15',
      },
      digest: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(decision.evidence.map((e) => e.source)).toEqual([
      'civil_affairs',
      'hrss',
      'disability',
      'housing_fund',
    ]);
    // Asked once, about the applicant only, with the purpose and the consent reference.
    expect(hpf.requests.slice(before)).toEqual([
      expect.objectContaining({
        outcome: 'answered',
        subjects: [DEPOSITOR],
        purpose: 'legal_aid_eligibility',
        consentReference: 'CONSENT-TEST-0001',
        requestId: decision.id,
      }),
    ]);
    // The access is on the data tracker like any registry's.
    const tracker = await gw.get(
      `/v1/subjects/access?idNumber=${DEPOSITOR}`,
      await gw.token('subjects:read'),
    );
    const entries = ((await tracker.json()) as { entries: { source?: string; status?: string }[] }).entries;
    expect(entries).toContainEqual(expect.objectContaining({ source: 'housing_fund', status: 'found' }));
  });

  it('asks the fund nothing without the applicant’s consent, or for a case settled from the request', async () => {
    const before = hpf.requests.length;
    const plain = (await (await gw.verify(requestFor(fixtures, 1))).json()) as Decision;
    expect(evidenceOf(plain, 'housing_fund')).toBeUndefined();
    const criminal = { ...withFund(1), matter: { kind: 'criminal', category: 'criminal_assignment' } };
    const settled = (await (await gw.verify(criminal)).json()) as Decision;
    expect(evidenceOf(settled, 'housing_fund')).toBeUndefined();
    expect(hpf.requests.length).toBe(before);
    const sealed = (await (await gw.verify(withFund(1))).json()) as Decision;
    expect(evidenceOf(sealed, 'housing_fund')?.facts).toMatchObject({
      accountStatus: 'sealed',
      monthlyDeposit: 0,
    });
  });

  it('replaces the active version atomically with a new, conformant one', async () => {
    const v2 = housingFundManifest(hpf.port, { version: '1.1.0', timeoutMs: 2500 });
    const registered = await api('POST', `/v1/connectors/${CONNECTOR_ID}/versions`, v2);
    expect(registered.status).toBe(201);
    // The endpoint certificate still covers the host, so the new version starts certified.
    expect(
      ((await registered.json()) as { versions: { state: string }[] }).versions.map((v) => v.state),
    ).toEqual(['active', 'certified']);
    // Until it is activated, decisions still come from version 1.
    expect(
      evidenceOf((await (await gw.verify(withFund(0))).json()) as Decision, 'housing_fund')?.status,
    ).toBe('found');
    expect((await api('POST', `/v1/connectors/${CONNECTOR_ID}/conformance`)).status).toBe(200);
    const activated = await api('POST', `/v1/connectors/${CONNECTOR_ID}/activate`);
    expect(await activated.json()).toMatchObject({
      status: 'active',
      activeVersion: 2,
      versions: [{ state: 'superseded' }, { state: 'active', label: '1.1.0' }],
    });
    expect(
      evidenceOf((await (await gw.verify(withFund(0))).json()) as Decision, 'housing_fund')?.status,
    ).toBe('found');
    const hmacOnly = await api('POST', `/v1/connectors/${CONNECTOR_ID}/credentials`);
    expect(hmacOnly.status).toBe(400);
  });

  it('deactivates: the fund is gone from decisions and is not asked again', async () => {
    const res = await api('POST', `/v1/connectors/${CONNECTOR_ID}/deactivate`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'inactive', activeVersion: null });
    const before = hpf.requests.length;
    const decision = (await (await gw.verify(withFund(0))).json()) as Decision;
    expect(decision.evidence.map((e) => e.source)).toEqual(['civil_affairs', 'hrss', 'disability']);
    expect(hpf.requests.length).toBe(before);
    const again = await api('POST', `/v1/connectors/${CONNECTOR_ID}/deactivate`);
    expect(again.status).toBe(400);
  });

  it('put every transition on the log, with no personal data in any leaf', async () => {
    const size = Number((await (await gw.get('/v1/log/checkpoint')).text()).split('\n')[1]);
    const page = (await (await gw.get(`/v1/log/entries?start=0&end=${size}`)).json()) as {
      entries: { leaf: string }[];
    };
    const leaves = page.entries.map((e) => Buffer.from(e.leaf, 'base64').toString('utf8'));
    const events = leaves
      .map(
        (l) =>
          JSON.parse(l) as {
            kind: string;
            type?: string;
            actor?: string;
            attributes?: Record<string, unknown>;
          },
      )
      .filter((l) => l.kind === 'event');
    expect(events.map((e) => e.type)).toEqual([
      'connector.registered',
      'connector.certificate_issued',
      'connector.conformance_passed',
      'connector.activated',
      'connector.version_registered',
      'connector.conformance_passed',
      'connector.activated',
      'connector.deactivated',
    ]);
    expect(events[6]?.attributes).toMatchObject({ version: 2, previousVersion: 1 });
    expect(events[7]?.attributes).toMatchObject({ version: 2 });
    for (const e of events) {
      expect(e.attributes?.connector).toBe(CONNECTOR_ID);
      expect(e.actor).toBe(`integrator-${AGENCY}`);
    }
    expect(events[0]?.attributes).toMatchObject({ agency: AGENCY, kind: 'housing_fund', version: 1 });
    expect(events[2]?.attributes).toMatchObject({ cases: 3, failures: 0 });
    const accessLeaves = leaves.filter((l) => l.includes('"source":"housing_fund"'));
    expect(accessLeaves.length).toBeGreaterThanOrEqual(2);
    for (const leaf of leaves) for (const id of [DEPOSITOR, SEALED, NOBODY]) expect(leaf).not.toContain(id);
  });
});
