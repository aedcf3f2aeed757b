/**
 * The partner-connector flow as a newcomer tries it from the README (issue 12): the operator
 * allows loopback in `<data>/connector-policy.json`; `egw connectors init --demo-port` writes
 * a manifest, `egw connectors demo-endpoint` serves it over mutual TLS with the certificate
 * `csr --submit` got from the gateway CA, and conformance passes; then it activates.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { egwInProcess } from '../../support/egw-in-process.ts';
import { freePort } from '../../support/free-port.ts';
import { type InProcessGateway, ROOT, startInProcess } from '../../support/gateway-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-partner-demo-'));
let gw: InProcessGateway;
let demo: ChildProcessWithoutNullStreams | undefined;

beforeAll(async () => {
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(
    join(data, 'connector-policy.json'),
    JSON.stringify({ allowedHosts: ['localhost'], allowLoopback: true, allowPrivate: false }),
  );
  gw = await startInProcess({ fixtures: { persons: [] }, dataDir: data });
});
afterAll(async () => {
  demo?.kill('SIGKILL');
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('egw connectors init + demo-endpoint', () => {
  it('a newcomer gets a manifest and an endpoint that pass conformance on loopback', async () => {
    const port = await freePort();
    const manifest = join(dir, 'my-registry.json');
    const f = (name: string) => join(dir, name);
    expect(
      (await egwInProcess(['connectors', 'init', '--demo-port', String(port), '--out', manifest])).code,
    ).toBe(0);
    expect((await egwInProcess(['connectors', 'validate', manifest])).code).toBe(0);
    const issued = await egwInProcess(['connectors', 'token', '--agency', 'my-agency', '--data', gw.dataDir]);
    expect(issued.code).toBe(0);
    const gateway = ['--gateway', gw.url, '--token', issued.out.trim()];
    const registered = await egwInProcess(['connectors', 'register', manifest, ...gateway]);
    expect(registered, registered.err).toMatchObject({ code: 0, err: '' });
    const csr = await egwInProcess([
      'connectors',
      'csr',
      '--manifest',
      manifest,
      '--key',
      f('endpoint-key.pem'),
      '--out',
      f('endpoint.csr.pem'),
      '--chain',
      f('endpoint-chain.pem'),
      '--submit',
      ...gateway,
    ]);
    expect(csr, csr.err).toMatchObject({ code: 0, err: '' });

    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli/main.ts'),
        'connectors',
        'demo-endpoint',
        '--manifest',
        manifest,
        '--key',
        f('endpoint-key.pem'),
        '--chain',
        f('endpoint-chain.pem'),
        '--gateway',
        gw.url,
      ],
      { cwd: ROOT },
    );
    demo = child;
    let printed = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo-endpoint printed:\n${printed}`)), 30_000);
      const onData = (d: Buffer) => {
        printed += d.toString();
        if (printed.includes('demo endpoint for my-registry on https://localhost:')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', () => reject(new Error(`demo-endpoint exited:\n${printed}`)));
    });

    const tested = await egwInProcess(['connectors', 'test', 'my-registry', ...gateway]);
    expect(tested, tested.out).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(tested.out)).toMatchObject({ passed: true });
    const activated = await egwInProcess(['connectors', 'activate', 'my-registry', ...gateway]);
    expect(activated.code).toBe(0);
    expect(JSON.parse(activated.out)).toMatchObject({ status: 'active' });

    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    demo = undefined;
  });
});
