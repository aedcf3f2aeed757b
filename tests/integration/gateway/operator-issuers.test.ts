/**
 * An operator runs `egw start` with its own token issuers and without the development issuer:
 * tokens from the configured issuer pass, development tokens are refused, and a malformed
 * issuers file stops the start with a message naming the file and the path.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { issueDevToken } from '../../../src/adapters/node/key-files.ts';
import { toLowS } from '../../../src/core/ecdsa-low-s.ts';
import { ROOT } from '../../support/gateway-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-issuers-'));
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[]): {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'start', '--port', '0', '--quiet', ...args],
    {
      cwd: ROOT,
    },
  );
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function urlOf(output: () => string, exited: Promise<number | null>): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(output());
    if (m?.[1]) return m[1];
    const done = await Promise.race([
      exited.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 100)),
    ]);
    if (done) break;
  }
  throw new Error(`gateway did not start:\n${output()}`);
}

describe('egw start --issuers FILE --no-dev-issuer', () => {
  it('accepts the configured issuer and refuses development tokens', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256' };
    const issuersFile = join(dir, 'issuers.json');
    writeFileSync(
      issuersFile,
      JSON.stringify([
        { issuer: 'https://idp.example.test', audience: 'eligibility-gateway', jwks: { keys: [jwk] } },
      ]),
    );
    const dataDir = join(dir, 'data');
    const gw = start(['--data', dataDir, '--issuers', issuersFile, '--no-dev-issuer']);
    const url = await urlOf(gw.output, gw.exited);
    expect(gw.output()).toContain('Development issuer disabled');

    // RFC 9068 access token (typ at+jwt), low-S as the gateway requires of ECDSA by default.
    const token = toLowS(
      await new SignJWT({ scope: 'verifications:read', client_id: 'case-system' })
        .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'at+jwt' })
        .setIssuer('https://idp.example.test')
        .setAudience('eligibility-gateway')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey),
    );
    const ok = await fetch(`${url}/v1/verifications/no-such-decision`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok.status).toBe(404);

    const dev = await issueDevToken({ dataDir, scopes: 'verifications:read' });
    const refused = await fetch(`${url}/v1/verifications/no-such-decision`, {
      headers: { authorization: `Bearer ${dev}` },
    });
    expect(refused.status).toBe(401);
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
  });

  it('refuses to start on a malformed issuers file, naming the path', async () => {
    const bad = join(dir, 'bad-issuers.json');
    writeFileSync(
      bad,
      JSON.stringify([{ issuer: 'https://idp.example.test', audience: 'eligibility-gateway' }]),
    );
    const gw = start(['--data', join(dir, 'data-bad'), '--issuers', bad]);
    expect(await gw.exited).not.toBe(0);
    expect(gw.output()).toContain('--issuers');
    expect(gw.output()).toContain('exactly one of jwks and jwksUrl');
    expect(gw.output()).not.toContain('listening on');
    expect(gw.output()).not.toMatch(/\n\s+at /);
  });
});
