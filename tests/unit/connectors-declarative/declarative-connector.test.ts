/**
 * The declarative connector against the housing fund sandbox over real TLS on loopback: both
 * dialects, the three authentication modes, the quota, the size cap, redirects, and the
 * connect-time address checks (refused before the sandbox sees a connection).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointPolicy } from '../../../connectors/declarative/address-policy.ts';
import { createDeclarativeRuntime } from '../../../connectors/declarative/declarative-runtime.ts';
import type { Resolver } from '../../../connectors/declarative/guarded-transport.ts';
import {
  type HousingFundAccount,
  type HousingFundSandbox,
  startHousingFundSandbox,
} from '../../../connectors/declarative/test-sandboxes/housing-fund-sandbox.ts';
import type { ConnectorManifest } from '../../../schemas/connector-manifest.ts';
import { type GatewayCa, loadGatewayCa } from '../../../src/adapters/node/gateway-ca.ts';
import { createCsr } from '../../../src/adapters/node/x509-der.ts';
import type { PartnerConnector, PartnerRecord, RegistryAnswer } from '../../../src/core/ports.ts';
import { DEPOSITOR, HOST, NOBODY, restManifest, SEALED, soapManifest } from './manifests.ts';

const ACCOUNTS: HousingFundAccount[] = [
  { idNumber: DEPOSITOR, status: '01', monthlyDepositFen: 123450, lastDepositDate: '20250615' },
  { idNumber: SEALED, status: '02', monthlyDepositFen: 0, lastDepositDate: '20231130' },
];

const dir = mkdtempSync(join(tmpdir(), 'egw-decl-'));
let ca: GatewayCa;
const sandboxes: HousingFundSandbox[] = [];
const open: PartnerConnector[] = [];

beforeAll(() => {
  ca = loadGatewayCa({ dataDir: dir });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close?.()));
});
afterAll(async () => {
  await Promise.all(sandboxes.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function sandbox(auth: 'mtls' | 'hmac' | 'jwks' = 'mtls'): Promise<HousingFundSandbox> {
  const s = await startHousingFundSandbox({ accounts: ACCOUNTS, auth, caPem: ca.caCertificatePem });
  const csr = createCsr(
    s.privateKey,
    { commonName: HOST, organization: 'nanjing-hpf' },
    { dnsNames: [HOST], ipAddresses: [] },
  );
  s.setCertificate(
    (await ca.issueServerCertificate(csr, { agencyId: 'nanjing-hpf', host: HOST }, 'hpf')).chainPem,
  );
  sandboxes.push(s);
  return s;
}

const loopback: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];

function connector(
  manifest: ConnectorManifest,
  options: {
    policy?: EndpointPolicy;
    resolver?: Resolver;
    appKey?: { keyId: string; secret: Uint8Array };
    maxResponseBytes?: number;
    refused?: string[];
    purpose?: 'serve' | 'conformance';
  } = {},
): PartnerConnector {
  const runtime = createDeclarativeRuntime({
    policy: options.policy ?? { allowedHosts: [HOST], allowLoopback: true },
    resolver: options.resolver ?? loopback,
    caPem: ca.caCertificatePem,
    client: ca.client,
    isRevoked: () => false,
    ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
    onRefused: (reason) => options.refused?.push(reason),
  });
  const built = runtime.build({
    manifest,
    version: 1,
    ...(options.appKey ? { appKey: options.appKey } : {}),
    purpose: options.purpose ?? 'serve',
  });
  open.push(built);
  return built;
}

function ask(c: PartnerConnector, subjects: string[]): Promise<RegistryAnswer<PartnerRecord>> {
  return c.query({
    subjects,
    purpose: 'legal_aid_eligibility',
    consentReference: 'CONSENT-1',
    requestId: 'req-1',
    signal: AbortSignal.timeout(5000),
  });
}

function facts(answer: RegistryAnswer<PartnerRecord>, subject: string) {
  return answer.status === 'answered' ? answer.records.get(subject)?.[0]?.facts : answer;
}

describe('the declarative connector', () => {
  it('queries the REST/JSON dialect over mutual TLS, batching the subjects in one call', async () => {
    const s = await sandbox();
    const answer = await ask(connector(restManifest(s.port)), [DEPOSITOR, SEALED, NOBODY]);
    expect(answer.status).toBe('answered');
    expect(facts(answer, DEPOSITOR)).toEqual({
      accountStatus: 'active',
      monthlyDeposit: 1234.5,
      lastDepositDate: '2025-06-15',
    });
    expect(facts(answer, SEALED)).toMatchObject({ accountStatus: 'sealed' });
    expect(answer.status === 'answered' && answer.records.has(NOBODY)).toBe(false);
    expect(s.requests).toEqual([
      expect.objectContaining({
        subjects: [DEPOSITOR, SEALED, NOBODY],
        clientCommonName: 'eligibility-gateway',
        requestId: 'req-1',
      }),
    ]);
  });

  it('queries the SOAP/XML dialect, one call per subject', async () => {
    const s = await sandbox();
    const answer = await ask(connector(soapManifest(s.port)), [DEPOSITOR, NOBODY]);
    expect(facts(answer, DEPOSITOR)).toEqual({
      accountStatus: 'active',
      monthlyDeposit: 1234.5,
      lastDepositDate: '2025-06-15',
    });
    expect(s.requests.map((r) => r.subjects)).toEqual(expect.arrayContaining([[DEPOSITOR], [NOBODY]]));
    expect(s.requests).toHaveLength(2);
  });

  it('signs requests with the issued HMAC app key, and a wrong key is refused by the registry', async () => {
    const s = await sandbox('hmac');
    const secret = crypto.getRandomValues(new Uint8Array(32));
    s.setAppKey('hpf.k1', Buffer.from(secret).toString('base64url'));
    const manifest = restManifest(s.port, { authentication: { type: 'hmac' } });
    const good = await ask(connector(manifest, { appKey: { keyId: 'hpf.k1', secret } }), [DEPOSITOR]);
    expect(facts(good, DEPOSITOR)).toMatchObject({ accountStatus: 'active' });
    const bad = await ask(connector(manifest, { appKey: { keyId: 'hpf.k1', secret: new Uint8Array(32) } }), [
      DEPOSITOR,
    ]);
    expect(bad).toMatchObject({ status: 'unavailable', code: 'ERR_REGISTRY_ERROR', retryable: false });
    expect(s.requests.map((r) => r.outcome)).toEqual(['answered', 'refused']);
    expect(s.requests[1]?.reason).toBe('bad signature');
  });

  it('accepts only answers signed by a key of the agency’s JWKS', async () => {
    const s = await sandbox('jwks');
    const signed = restManifest(s.port, { authentication: { type: 'jwks', jwks: { keys: [s.signingJwk] } } });
    expect(facts(await ask(connector(signed), [DEPOSITOR]), DEPOSITOR)).toMatchObject({
      accountStatus: 'active',
    });
    const other = await sandbox('jwks');
    const wrongKey = restManifest(s.port, {
      authentication: { type: 'jwks', jwks: { keys: [other.signingJwk] } },
    });
    expect(await ask(connector(wrongKey), [DEPOSITOR])).toMatchObject({
      status: 'unavailable',
      code: 'ERR_REGISTRY_MALFORMED',
      detail: "response is not signed by a key of the agency's JWKS",
    });
  });

  it('holds the manifest’s rate quota when serving (not in a conformance run)', async () => {
    const s = await sandbox();
    const manifest = restManifest(s.port, { quota: { requestsPerMinute: 6 } });
    const serving = connector(manifest);
    expect((await ask(serving, [DEPOSITOR])).status).toBe('answered');
    expect(await ask(serving, [DEPOSITOR])).toMatchObject({
      status: 'unavailable',
      detail: "the registry's rate quota is used up",
    });
    const testing = connector(manifest, { purpose: 'conformance' });
    expect((await ask(testing, [DEPOSITOR])).status).toBe('answered');
    expect((await ask(testing, [DEPOSITOR])).status).toBe('answered');
  });

  it('cuts off an answer larger than the operator’s cap', async () => {
    const s = await sandbox();
    const answer = await ask(connector(restManifest(s.port), { maxResponseBytes: 100 }), [DEPOSITOR, SEALED]);
    expect(answer).toMatchObject({
      status: 'unavailable',
      code: 'ERR_REGISTRY_MALFORMED',
      detail: 'response body exceeds the limit of 100 bytes',
    });
  });

  it('does not follow a redirect', async () => {
    const s = await sandbox();
    s.redirectTo('https://169.254.169.254/latest/meta-data/');
    const refused: string[] = [];
    const answer = await ask(connector(restManifest(s.port), { refused }), [DEPOSITOR]);
    expect(answer).toMatchObject({
      status: 'unavailable',
      detail: 'registry answered a redirect (HTTP 302); redirects are not followed',
    });
    expect(refused).toEqual([]);
    expect(s.requests.map((r) => r.outcome)).toEqual(['redirected']);
  });
});

describe('connect-time address checks', () => {
  it('refuses a loopback IP-literal endpoint when loopback is not allowed: no connection is made', async () => {
    const s = await sandbox();
    const refused: string[] = [];
    const manifest = restManifest(s.port, {
      endpoint: { url: `https://127.0.0.1:${s.port}/gjj`, protocol: 'rest_json' },
    });
    const answer = await ask(connector(manifest, { policy: { allowedHosts: ['127.0.0.1'] }, refused }), [
      DEPOSITOR,
    ]);
    expect(answer).toMatchObject({
      status: 'unavailable',
      code: 'ERR_REGISTRY_UNREACHABLE',
      detail: 'endpoint refused by the address policy: a loopback address (127.0.0.1) is not allowed',
    });
    expect(refused).toEqual(['a loopback address (127.0.0.1) is not allowed']);
    expect(s.connections).toBe(0);
  });

  it.each([
    ['10.20.30.40', 'a private address (10.20.30.40) is not allowed'],
    ['172.16.0.9', 'a private address (172.16.0.9) is not allowed'],
    ['192.168.8.8', 'a private address (192.168.8.8) is not allowed'],
    ['169.254.169.254', 'a metadata address (169.254.169.254) is not allowed'],
    ['127.0.0.1', 'a loopback address (127.0.0.1) is not allowed'],
  ])(
    'refuses a name that resolves to %s inside the lookup hook, before any socket',
    async (address, reason) => {
      const refused: string[] = [];
      const answer = await ask(
        connector(restManifest(9), {
          policy: { allowedHosts: [HOST] },
          resolver: async () => [{ address, family: 4 }],
          refused,
        }),
        [DEPOSITOR],
      );
      expect(answer).toMatchObject({
        status: 'unavailable',
        detail: `endpoint refused by the address policy: ${reason}`,
      });
      expect(refused).toContain(reason);
    },
  );
});
