/**
 * `egw connectors` as an integrator uses it, in process against a real gateway and the
 * housing fund sandbox: init → validate → register → csr --submit → test → activate → status.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from 'citty';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type HousingFundSandbox,
  startHousingFundSandbox,
} from '../../../connectors/declarative/test-sandboxes/housing-fund-sandbox.ts';
import { connectors } from '../../../src/cli/connectors-commands.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import {
  ACCOUNTS,
  AGENCY,
  agencyToken,
  CONNECTOR_ID,
  HPF_HOST,
  housingFundManifest,
  testResolver,
} from './partner-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-cli-'));
let gw: InProcessGateway;
let hpf: HousingFundSandbox;
let token: string;

beforeAll(async () => {
  gw = await startInProcess({
    fixtures: { persons: [] },
    connectors: {
      allowedHosts: [HPF_HOST],
      allowLoopback: true,
      resolver: testResolver({ [HPF_HOST]: '127.0.0.1' }),
    },
  });
  const ca = (await (await fetch(`${gw.url}/v1/connectors/ca`)).json()) as { certificate: string };
  hpf = await startHousingFundSandbox({ accounts: ACCOUNTS, caPem: ca.certificate });
  token = await agencyToken(gw.dataDir, { agency: AGENCY });
  writeFileSync(join(dir, 'hpf.json'), JSON.stringify(housingFundManifest(hpf.port), null, 2));
});
afterAll(async () => {
  await hpf?.close();
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs `egw connectors …args`, capturing what it prints. */
async function egw(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  try {
    await runCommand(connectors, { rawArgs: args });
  } finally {
    vi.restoreAllMocks();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { out, err, code };
}

const gateway = () => ['--gateway', gw.url, '--token', token];

describe('egw connectors', () => {
  it('init writes a skeleton that validate accepts; validate lists the paths of a broken one', async () => {
    const file = join(dir, 'skeleton.json');
    expect((await egw('init', '--id', 'my-fund', '--agency', AGENCY, '--out', file)).code).toBe(0);
    const ok = await egw('validate', file);
    expect(ok).toMatchObject({ code: 0, out: `${file}: valid (my-fund 1.0.0, kind housing_fund)\n` });
    const broken = join(dir, 'broken.json');
    writeFileSync(
      broken,
      JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), timeoutMs: 0, regions: [] }),
    );
    const bad = await egw('validate', broken);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('/timeoutMs: must be at least 100');
    expect(bad.err).toContain('/regions: must have at least 1 entry');
  });

  it('registers, certifies with a generated key, passes the test, activates and shows the status', async () => {
    const registered = await egw('register', join(dir, 'hpf.json'), ...gateway());
    expect(registered.code).toBe(0);
    expect(JSON.parse(registered.out)).toMatchObject({ id: CONNECTOR_ID, status: 'pending' });

    const key = join(dir, 'endpoint-key.pem');
    const chain = join(dir, 'chain.pem');
    const certified = await egw(
      'csr',
      '--manifest',
      join(dir, 'hpf.json'),
      '--key',
      key,
      '--out',
      join(dir, 'endpoint.csr'),
      '--submit',
      '--chain',
      chain,
      ...gateway(),
    );
    expect(certified.err).toBe('');
    expect(certified.out).toContain(`CN=${HPF_HOST}, O=${AGENCY}`);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(chain, 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(2);

    // The sandbox now serves the integrator's key with the chain the gateway issued for it.
    hpf.setCertificate(readFileSync(chain, 'utf8'), readFileSync(key, 'utf8'));

    const tested = await egw('test', CONNECTOR_ID, ...gateway());
    expect(tested.code).toBe(0);
    expect(JSON.parse(tested.out)).toMatchObject({ passed: true });
    expect((await egw('activate', CONNECTOR_ID, ...gateway())).code).toBe(0);
    const status = await egw('status', CONNECTOR_ID, ...gateway());
    expect(JSON.parse(status.out)).toMatchObject({ status: 'active', activeVersion: 1 });
  });

  it('says what the gateway refused and exits 1', async () => {
    const refused = await egw('status', 'no-such-connector', ...gateway());
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('HTTP 404');
    const noToken = await egw('status', '--gateway', gw.url);
    expect(noToken.code).toBe(1);
  });
});
