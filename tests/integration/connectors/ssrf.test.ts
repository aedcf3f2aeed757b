/**
 * Acceptance (issue 5): a partner manifest cannot point the gateway at itself, the operator's
 * network or a metadata service. Literal addresses and names resolving to them are refused at
 * registration; a name that later resolves there (DNS rebinding) is refused at connect time,
 * before a socket opens; redirects are never followed. No test sends a packet anywhere but
 * loopback: names resolve through an injected resolver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedAddress } from '../../../connectors/declarative/guarded-transport.ts';
import {
  type HousingFundSandbox,
  startHousingFundSandbox,
} from '../../../connectors/declarative/test-sandboxes/housing-fund-sandbox.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { ACCOUNTS, AGENCY, agencyToken, call, csrFor, housingFundManifest } from './partner-support.ts';

/** What each test name resolves to, changeable mid-test (rebinding). */
const dns = new Map<string, string>([
  ['internal.partner.test', '10.1.2.3'],
  ['metadata.partner.test', '169.254.169.254'],
  ['mixed.partner.test', '8.8.8.8,192.168.0.20'],
  ['rebind.partner.test', '8.8.8.8'],
  ['hpf.partner.test', '127.0.0.1'],
]);
const resolver = async (host: string): Promise<readonly ResolvedAddress[]> => {
  const answer = dns.get(host);
  if (answer === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return answer.split(',').map((address) => ({ address, family: address.includes(':') ? 6 : 4 }) as const);
};

const LISTED = [
  '127.0.0.1',
  '::1',
  '::ffff:7f00:1',
  '169.254.169.254',
  '100.100.100.200',
  '10.0.0.8',
  '172.16.5.4',
  '192.168.1.10',
  'fd00::5',
  ...dns.keys(),
];

let strict: InProcessGateway;
let loose: InProcessGateway;
let hpf: HousingFundSandbox;

beforeAll(async () => {
  [strict, loose] = await Promise.all([
    startInProcess({ fixtures: { persons: [] }, connectors: { allowedHosts: LISTED, resolver } }),
    startInProcess({
      fixtures: { persons: [] },
      connectors: { allowedHosts: LISTED, allowLoopback: true, resolver },
    }),
  ]);
  hpf = await startHousingFundSandbox({ accounts: ACCOUNTS });
});

afterAll(async () => {
  await hpf?.close();
  await Promise.all([strict?.close(), loose?.close()]);
});

let counter = 0;
async function register(gw: InProcessGateway, url: string) {
  const id = `ssrf-probe-${++counter}`;
  const res = await call(
    gw.url,
    await agencyToken(gw.dataDir, { agency: AGENCY }),
    'POST',
    '/v1/connectors',
    housingFundManifest(hpf.port, { id, endpoint: { url, protocol: 'rest_json' } }),
  );
  return { id, res, body: (await res.json()) as { errors?: { path: string; message: string }[] } };
}

async function expectRefused(url: string, reason: RegExp) {
  const { res, body } = await register(strict, url);
  expect(res.status, url).toBe(400);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(body.errors?.[0]?.path).toBe('/endpoint/url');
  expect(body.errors?.map((e) => e.message).join(' | ')).toMatch(reason);
}

describe('endpoints refused at registration', () => {
  it('refuses loopback (127.0.0.1) unless the operator allows it', async () => {
    await expectRefused(`https://127.0.0.1:${hpf.port}/gjj`, /loopback address \(127\.0\.0\.1\)/);
    const allowed = await register(loose, `https://127.0.0.1:${hpf.port}/gjj`);
    expect(allowed.res.status).toBe(201);
  });

  it('refuses IPv6 loopback, also written as an IPv4-mapped address', async () => {
    await expectRefused('https://[::1]:8443/gjj', /loopback address/);
    await expectRefused('https://[::ffff:127.0.0.1]:8443/gjj', /loopback address/);
  });

  it('refuses the cloud metadata service (169.254.169.254, 100.100.100.200), even with loopback allowed', async () => {
    await expectRefused('https://169.254.169.254/latest/meta-data', /metadata address/);
    await expectRefused('https://100.100.100.200/latest/meta-data', /metadata address/);
    const loosely = await register(loose, 'https://169.254.169.254/');
    expect(loosely.res.status).toBe(400);
  });

  it('refuses the private ranges 10/8, 172.16/12, 192.168/16 and fc00::/7', async () => {
    await expectRefused('https://10.0.0.8/gjj', /private address \(10\.0\.0\.8\)/);
    await expectRefused('https://172.16.5.4/gjj', /private address \(172\.16\.5\.4\)/);
    await expectRefused('https://192.168.1.10/gjj', /private address \(192\.168\.1\.10\)/);
    await expectRefused('https://[fd00::5]/gjj', /private address/);
  });

  it('refuses a host name that resolves to a private or metadata address (one bad answer is enough)', async () => {
    await expectRefused(
      'https://internal.partner.test/gjj',
      /internal\.partner\.test resolves to a private address \(10\.1\.2\.3\)/,
    );
    await expectRefused('https://metadata.partner.test/gjj', /resolves to a metadata address/);
    await expectRefused(
      'https://mixed.partner.test/gjj',
      /resolves to a private address \(192\.168\.0\.20\)/,
    );
  });

  it('refuses hosts missing from the operator allowlist, plain http, and credentials in the URL', async () => {
    await expectRefused('https://elsewhere.example.org/gjj', /not on the operator's allowlist/);
    const http = await register(strict, 'http://hpf.partner.test/gjj');
    expect(http.res.status).toBe(400);
    expect(http.body.errors?.map((e) => e.path)).toContain('/endpoint/url');
    const userinfo = await register(strict, 'https://user:pw@hpf.partner.test/gjj');
    expect(userinfo.res.status).toBe(400);
    expect(userinfo.body.errors?.map((e) => e.path)).toContain('/endpoint/url');
  });
});

describe('refused at connect time, before any socket', () => {
  it('refuses a name re-bound to loopback after registration (DNS rebinding): the sandbox sees no connection', async () => {
    const token = await agencyToken(strict.dataDir, { agency: AGENCY });
    dns.set('rebind.partner.test', '8.8.8.8');
    const { id, res } = await register(strict, `https://rebind.partner.test:${hpf.port}/gjj`);
    expect(res.status).toBe(201);
    const csr = await call(
      strict.url,
      token,
      'POST',
      `/v1/connectors/${id}/csr`,
      csrFor(hpf.privateKey, 'rebind.partner.test', AGENCY),
      'application/pkcs10',
    );
    expect(csr.status).toBe(201);
    dns.set('rebind.partner.test', '127.0.0.1');
    const before = hpf.connections;
    const report = (await (
      await call(strict.url, token, 'POST', `/v1/connectors/${id}/conformance`)
    ).json()) as {
      passed: boolean;
      failures: { detail?: string }[];
    };
    expect(report.passed).toBe(false);
    expect(report.failures[0]?.detail).toMatch(
      /refused by the address policy: a loopback address \(127\.0\.0\.1\)/,
    );
    expect(hpf.connections).toBe(before);
  });

  it('refuses a name re-bound to the metadata service at connect time', async () => {
    const token = await agencyToken(strict.dataDir, { agency: AGENCY });
    dns.set('rebind.partner.test', '8.8.8.8');
    const { id, res } = await register(strict, 'https://rebind.partner.test/gjj');
    expect(res.status).toBe(201);
    await call(
      strict.url,
      token,
      'POST',
      `/v1/connectors/${id}/csr`,
      csrFor(hpf.privateKey, 'rebind.partner.test', AGENCY),
      'application/pkcs10',
    );
    dns.set('rebind.partner.test', '169.254.169.254');
    const report = (await (
      await call(strict.url, token, 'POST', `/v1/connectors/${id}/conformance`)
    ).json()) as {
      failures: { detail?: string }[];
    };
    expect(report.failures.map((f) => f.detail)).toEqual(
      Array(3).fill(
        expect.stringMatching(/refused by the address policy: a metadata address \(169\.254\.169\.254\)/),
      ),
    );
  });
});

describe('redirects', () => {
  it('are not followed: a registry answering 302 to the metadata service fails conformance', async () => {
    const token = await agencyToken(loose.dataDir, { agency: AGENCY });
    const ca = (await (await fetch(`${loose.url}/v1/connectors/ca`)).json()) as { certificate: string };
    hpf.setCa(ca.certificate);
    const { id, res } = await register(loose, `https://hpf.partner.test:${hpf.port}/gjj`);
    expect(res.status).toBe(201);
    const csr = await call(
      loose.url,
      token,
      'POST',
      `/v1/connectors/${id}/csr`,
      csrFor(hpf.privateKey, 'hpf.partner.test', AGENCY),
      'application/pkcs10',
    );
    hpf.setCertificate(await csr.text());
    hpf.redirectTo('http://169.254.169.254/latest/meta-data/iam/security-credentials/');
    try {
      const report = (await (
        await call(loose.url, token, 'POST', `/v1/connectors/${id}/conformance`)
      ).json()) as {
        passed: boolean;
        failures: { detail?: string }[];
      };
      expect(report.passed).toBe(false);
      expect(report.failures[0]?.detail).toMatch(/redirect \(HTTP 302\); redirects are not followed/);
      expect(hpf.requests.filter((r) => r.outcome === 'redirected')).toHaveLength(3);
    } finally {
      hpf.redirectTo(undefined);
    }
  });
});
