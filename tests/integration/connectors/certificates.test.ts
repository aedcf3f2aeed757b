/**
 * Acceptance (issue 5): the gateway CA's certificates verify with openssl, mutual TLS works
 * both ways with them, and an expired or revoked endpoint certificate is refused — by
 * openssl against the published CRL and by the gateway at the handshake.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HousingFundSandbox,
  startHousingFundSandbox,
} from '../../../connectors/declarative/test-sandboxes/housing-fund-sandbox.ts';
import { loadGatewayCa } from '../../../src/adapters/node/gateway-ca.ts';
import { createCsr } from '../../../src/adapters/node/x509-der.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import {
  ACCOUNTS,
  AGENCY,
  agencyToken,
  CONNECTOR_ID,
  call,
  csrFor,
  HPF_HOST,
  housingFundManifest,
  opensslVerify,
  testResolver,
} from './partner-support.ts';

const HMAC_HOST = 'hmac.sandbox.test';
let gw: InProcessGateway;
let hpf: HousingFundSandbox;
let token: string;
let caPem: string;
let clientPem: string;
const dir = mkdtempSync(join(tmpdir(), 'egw-certs-'));

const api = (method: 'GET' | 'POST', path: string, body?: unknown) =>
  call(
    gw.url,
    token,
    method,
    path,
    body,
    typeof body === 'string' ? 'application/pkcs10' : 'application/json',
  );

async function certify(): Promise<{ chain: string; serial: string }> {
  const res = await api(
    'POST',
    `/v1/connectors/${CONNECTOR_ID}/csr`,
    csrFor(hpf.privateKey, HPF_HOST, AGENCY),
  );
  expect(res.status).toBe(201);
  return { chain: await res.text(), serial: res.headers.get('egw-certificate-serial') ?? '' };
}

async function conformance(): Promise<{
  passed: boolean;
  failures: { case: string; actual: unknown; detail?: string }[];
}> {
  const res = await api('POST', `/v1/connectors/${CONNECTOR_ID}/conformance`);
  expect(res.status).toBe(200);
  return (await res.json()) as {
    passed: boolean;
    failures: { case: string; actual: unknown; detail?: string }[];
  };
}

beforeAll(async () => {
  gw = await startInProcess({
    fixtures: { persons: [] },
    connectors: {
      allowedHosts: [HPF_HOST, HMAC_HOST],
      allowLoopback: true,
      resolver: testResolver({ [HPF_HOST]: '127.0.0.1', [HMAC_HOST]: '127.0.0.1' }),
    },
  });
  const ca = (await (await fetch(`${gw.url}/v1/connectors/ca`)).json()) as {
    certificate: string;
    gatewayClientCertificate: string;
  };
  caPem = ca.certificate;
  clientPem = ca.gatewayClientCertificate;
  hpf = await startHousingFundSandbox({ accounts: ACCOUNTS, caPem });
  token = await agencyToken(gw.dataDir, { agency: AGENCY });
  expect((await api('POST', '/v1/connectors', housingFundManifest(hpf.port))).status).toBe(201);
});

afterAll(async () => {
  await hpf?.close();
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the gateway CA', () => {
  it('publishes a CA certificate and a gateway client certificate that openssl verifies', async () => {
    const verified = await opensslVerify(dir, { 'ca.pem': caPem, 'client.pem': clientPem }, [
      '-CAfile',
      'ca.pem',
      '-purpose',
      'sslclient',
      'client.pem',
    ]);
    expect(verified).toEqual({ ok: true, output: 'client.pem: OK\n' });
  });

  it('issues short-lived endpoint certificates with distinct serials', async () => {
    const first = await certify();
    const second = await certify();
    expect(first.serial).toMatch(/^[0-9a-f]{32}$/);
    expect(second.serial).not.toBe(first.serial);
    const leaf = first.chain.split(/(?<=-----END CERTIFICATE-----\n)/)[0] ?? '';
    const verified = await opensslVerify(dir, { 'ca.pem': caPem, 'leaf.pem': leaf }, [
      '-CAfile',
      'ca.pem',
      '-purpose',
      'sslserver',
      'leaf.pem',
    ]);
    expect(verified.ok).toBe(true);
    const { X509Certificate } = await import('node:crypto');
    const x509 = new X509Certificate(leaf);
    const days = (new Date(x509.validTo).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
    expect(x509.subjectAltName).toBe(`DNS:${HPF_HOST}`);
  });

  it('refuses a CSR that is not ECDSA P-256, not a CSR, or not signed by its own key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const cases = [
      createCsrWithRsa(rsa),
      'not a certificate request',
      tamper(csrFor(hpf.privateKey, HPF_HOST, AGENCY)),
    ];
    for (const body of cases) {
      const res = await api('POST', `/v1/connectors/${CONNECTOR_ID}/csr`, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('/csr');
    }
  });

  it('makes mutual TLS work both ways: the sandbox accepts only the gateway, the gateway only the CA’s server', async () => {
    const { chain } = await certify();
    hpf.setCertificate(chain);
    expect((await conformance()).passed).toBe(true);
    // Someone without the gateway's client certificate cannot even finish the handshake.
    const outcome = await new Promise<string>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: hpf.port,
          servername: HPF_HOST,
          ca: caPem,
          method: 'POST',
          path: '/gjj/api/v2/accounts/query',
        },
        (res) => resolve(`HTTP ${res.statusCode}`),
      );
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      req.end('{}');
    });
    expect(outcome, 'a client without the gateway certificate').toMatch(
      /^(ECONNRESET|EPROTO|ERR_SSL_[A-Z0-9_]+)$/,
    );
  });

  it('refuses an expired endpoint certificate (openssl and the gateway agree)', async () => {
    const ca = loadGatewayCa({ dataDir: gw.dataDir });
    const day = 86_400_000;
    const expired = ca.issue({
      publicKey: hpf.privateKey,
      subject: { commonName: HPF_HOST, organization: AGENCY },
      names: { dnsNames: [HPF_HOST], ipAddresses: [] },
      usage: 'server',
      notBefore: new Date(Date.now() - 10 * day),
      notAfter: new Date(Date.now() - day),
      connectorId: CONNECTOR_ID,
    });
    const verified = await opensslVerify(dir, { 'ca.pem': caPem, 'expired.pem': expired.certificate.pem }, [
      '-CAfile',
      'ca.pem',
      'expired.pem',
    ]);
    expect(verified.ok).toBe(false);
    expect(verified.output).toContain('certificate has expired');
    hpf.setCertificate(expired.chainPem);
    const report = await conformance();
    expect(report.passed).toBe(false);
    expect(report.failures[0]).toMatchObject({ actual: 'unavailable' });
    expect(report.failures[0]?.detail).toContain('has expired');
  });

  it('refuses a revoked endpoint certificate: listed in the CRL, refused at the handshake', async () => {
    const revokedOne = await certify();
    await certify(); // the agency has a fresh one, but keeps serving the revoked one
    hpf.setCertificate(revokedOne.chain);
    expect((await conformance()).passed).toBe(true);

    const res = await api('POST', `/v1/connectors/${CONNECTOR_ID}/certificates/${revokedOne.serial}/revoke`, {
      reason: 'keyCompromise',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { revokedAt: string | null }).revokedAt).not.toBeNull();

    const crl = await fetch(`${gw.url}/v1/connectors/ca/crl`);
    expect(crl.headers.get('content-type')).toBe('application/pkix-crl');
    const crlPem = `-----BEGIN X509 CRL-----\n${Buffer.from(await crl.arrayBuffer()).toString('base64')}\n-----END X509 CRL-----\n`;
    const leaf = revokedOne.chain.split(/(?<=-----END CERTIFICATE-----\n)/)[0] ?? '';
    const verified = await opensslVerify(dir, { 'ca.pem': caPem, 'crl.pem': crlPem, 'revoked.pem': leaf }, [
      '-crl_check',
      '-CRLfile',
      'crl.pem',
      '-CAfile',
      'ca.pem',
      'revoked.pem',
    ]);
    expect(verified.ok).toBe(false);
    expect(verified.output).toContain('certificate revoked');

    const report = await conformance();
    expect(report.passed).toBe(false);
    expect(report.failures[0]?.detail).toContain('revoked');
  });
});

describe('HMAC app keys', () => {
  it('are issued and rotated through the API; conformance needs the current one', async () => {
    const fund = await startHousingFundSandbox({ accounts: ACCOUNTS, auth: 'hmac' });
    try {
      const id = 'nj-hpf-hmac';
      const manifest = housingFundManifest(fund.port, {
        id,
        endpoint: { url: `https://${HMAC_HOST}:${fund.port}/gjj`, protocol: 'rest_json' },
        authentication: { type: 'hmac' },
      });
      expect((await api('POST', '/v1/connectors', manifest)).status).toBe(201);
      const chain = await api('POST', `/v1/connectors/${id}/csr`, csrFor(fund.privateKey, HMAC_HOST, AGENCY));
      fund.setCertificate(await chain.text());
      const early = await api('POST', `/v1/connectors/${id}/conformance`);
      expect(early.status).toBe(400);
      expect(((await early.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('/credentials');

      const first = (await (await api('POST', `/v1/connectors/${id}/credentials`)).json()) as {
        keyId: string;
        secret: string;
      };
      expect(first.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      fund.setAppKey(first.keyId, first.secret);
      expect((await conformanceOf(id)).passed).toBe(true);

      const rotated = await api('POST', `/v1/connectors/${id}/credentials`);
      expect(rotated.status).toBe(201);
      expect(rotated.headers.get('cache-control')).toBe('no-store');
      const second = (await rotated.json()) as { keyId: string; secret: string };
      expect(second.keyId).not.toBe(first.keyId);
      // The registry still only knows the old key: the gateway now signs with the new one.
      const stale = await conformanceOf(id);
      expect(stale.passed).toBe(false);
      expect(stale.failures[0]?.detail).toContain("refused the gateway's credentials (HTTP 401)");
      fund.setAppKey(second.keyId, second.secret);
      expect((await conformanceOf(id)).passed).toBe(true);
      const view = (await (await api('GET', `/v1/connectors/${id}`)).json()) as Record<string, unknown>;
      expect(view.appKeyId).toBe(second.keyId);
      expect(JSON.stringify(view)).not.toContain(second.secret);
    } finally {
      await fund.close();
    }
  });
});

async function conformanceOf(id: string): Promise<{ passed: boolean; failures: { detail?: string }[] }> {
  return (await (await api('POST', `/v1/connectors/${id}/conformance`)).json()) as {
    passed: boolean;
    failures: { detail?: string }[];
  };
}

function createCsrWithRsa(key: ReturnType<typeof generateKeyPairSync>['privateKey']): string {
  try {
    return createCsr(
      key,
      { commonName: HPF_HOST, organization: AGENCY },
      { dnsNames: [HPF_HOST], ipAddresses: [] },
    );
  } catch {
    return '';
  }
}

/** Flips one bit inside the CSR's signature. */
function tamper(pem: string): string {
  const body = pem.replace(/-----[A-Z ]+-----|\s/g, '');
  const der = Buffer.from(body, 'base64');
  der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0x01;
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
}
