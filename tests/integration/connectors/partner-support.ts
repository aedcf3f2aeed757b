/**
 * What the partner-connector tests share: the housing fund manifest (the integrator's
 * whole input), agency tokens, CSRs, calls to /v1/connectors, and a resolver for names that
 * exist only in the tests.
 */
import { execFile } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import type { Resolver } from '../../../connectors/declarative/guarded-transport.ts';
import type { HousingFundAccount } from '../../../connectors/declarative/test-sandboxes/housing-fund-sandbox.ts';
import { makeIdNumber } from '../../../schemas/id-number.ts';
import { DEFAULT_AUDIENCE, DEV_ISSUER, loadDevIssuerKey } from '../../../src/adapters/node/key-files.ts';
import { createCsr } from '../../../src/adapters/node/x509-der.ts';
import { toLowS } from '../../../src/core/ecdsa-low-s.ts';

export const AGENCY = 'nanjing-hpf';
export const OTHER_AGENCY = 'suzhou-hrss';
export const HPF_HOST = 'hpf.sandbox.test';
export const CONNECTOR_ID = 'nj-hpf-accounts';

/** Synthetic people of the housing fund (valid GB 11643 numbers, Nanjing districts). */
export const DEPOSITOR = makeIdNumber('320102', '1985-03-14', 17);
export const SEALED = makeIdNumber('320105', '1979-11-02', 23);
export const NOBODY = makeIdNumber('320106', '1990-01-09', 31);

export const ACCOUNTS: readonly HousingFundAccount[] = [
  { idNumber: DEPOSITOR, status: '01', monthlyDepositFen: 123450, lastDepositDate: '20250615' },
  { idNumber: SEALED, status: '02', monthlyDepositFen: 0, lastDepositDate: '20231130' },
];

/** The manifest an integrator writes for the fund's REST/JSON dialect. */
export function housingFundManifest(
  port: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    manifestVersion: 1,
    id: CONNECTOR_ID,
    version: '1.0.0',
    agency: { id: AGENCY, name: '南京住房公积金管理中心', contact: 'integration@hpf.example.gov.cn' },
    registry: {
      kind: 'housing_fund',
      name: 'Housing provident fund accounts',
      facts: {
        accountStatus: { type: 'string', values: ['active', 'sealed', 'closed'] },
        monthlyDeposit: { type: 'number', description: 'monthly deposit in yuan' },
        lastDepositDate: { type: 'date' },
      },
    },
    endpoint: { url: `https://${HPF_HOST}:${port}/gjj`, protocol: 'rest_json' },
    request: {
      method: 'POST',
      path: '/api/v2/accounts/query',
      body: {
        reqNo: '{{requestId}}',
        yt: '{{purpose}}',
        sqbh: '{{consentReference}}',
        zjhmList: '{{subjects}}',
      },
      batchSize: 20,
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
    dataCategories: ['housing_fund_account', 'housing_fund_deposit'],
    purposes: ['legal_aid_eligibility'],
    timeoutMs: 3000,
    quota: { requestsPerMinute: 600 },
    regions: ['320100'],
    conformance: {
      cases: [
        {
          name: 'active_depositor',
          subject: DEPOSITOR,
          expect: 'found',
          facts: { accountStatus: 'active', monthlyDeposit: 1234.5, lastDepositDate: '2025-06-15' },
        },
        { name: 'sealed_account', subject: SEALED, expect: 'found', facts: { accountStatus: 'sealed' } },
        { name: 'no_account', subject: NOBODY, expect: 'not_found' },
      ],
    },
    ...overrides,
  };
}

/** Resolves the tests' names (and only them) without DNS. */
export function testResolver(names: Readonly<Record<string, string>>): Resolver {
  return async (hostname) => {
    const address = names[hostname];
    if (address === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
}

/** A token from the development issuer for an agency's integrator (or an admin). */
export async function agencyToken(
  dataDir: string,
  options: { agency?: string; scope?: string; clientId?: string } = {},
): Promise<string> {
  const { privateJwk, kid } = await loadDevIssuerKey(dataDir);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    scope: options.scope ?? 'connectors:register',
    client_id: options.clientId ?? `integrator-${options.agency ?? 'admin'}`,
    ...(options.agency === undefined ? {} : { agency: options.agency }),
  })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEFAULT_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(privateJwk);
  return toLowS(token);
}

/** A CSR for the sandbox's key naming `host` (CN and SAN) and `agency` (O). */
export function csrFor(key: KeyObject, host: string, agency: string): string {
  const ip = /^[\d.]+$/.test(host);
  return createCsr(
    key,
    { commonName: host, organization: agency },
    { dnsNames: ip ? [] : [host], ipAddresses: ip ? [host] : [] },
  );
}

/** Calls the gateway with a bearer token; JSON bodies are serialised. */
export async function call(
  url: string,
  token: string | undefined,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

/** `openssl verify` (extra args before the certificate), as { ok, output }. */
export async function opensslVerify(
  dir: string,
  files: Readonly<Record<string, string>>,
  args: readonly string[],
) {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  try {
    const { stdout, stderr } = await promisify(execFile)('openssl', ['verify', ...args], { cwd: dir });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
