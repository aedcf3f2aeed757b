/**
 * `npm start` on a fresh data directory: it prints a URL, a development token and a
 * copy-paste sample request; the request it prints (with a token from `npm run egw -- token`)
 * is decided; SIGTERM stops it cleanly with exit code 0.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerificationRequest } from '../../../schemas/verification-request.ts';
import { expectDecision } from '../../contract/contract-client.ts';
import { ROOT } from '../../support/gateway-harness.ts';

const run = promisify(execFile);
const data = mkdtempSync(join(tmpdir(), 'egw-npm-start-'));
let child: ChildProcessWithoutNullStreams;
let exited: Promise<number | null>;
let output = '';
let banner: { url: string; requestFile: string; printedToken: string; curl: string };

beforeAll(async () => {
  // Its own process group, so afterAll can reap a gateway that outlived npm; the test's
  // SIGTERM goes to npm alone, as a process manager sends it.
  child = spawn('npm', ['start', '--', '--port', '0', '--data', data], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test' },
    detached: true,
  });
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  banner = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start printed no sample request:\n${output}`)),
      45_000,
    );
    const onData = () => {
      const url = /listening on (http:\/\/[\d.]+:\d+)/.exec(output)?.[1];
      const requestFile = /--data @(\S+)\n/.exec(output)?.[1];
      const printedToken = /Development token[^\n]*:\n(\S+)\n/.exec(output)?.[1];
      const curl = /(curl [\s\S]*?--data @\S+)\n/.exec(output)?.[1];
      if (url && requestFile && printedToken && curl) {
        clearTimeout(timer);
        resolve({ url, requestFile, printedToken, curl });
      }
    };
    child.stdout.on('data', onData);
    void exited.then(() => reject(new Error(`npm start exited:\n${output}`)));
  });
}, 60_000);

/** Polls until no process of the group `pgid` is left, or `ms` pass. */
async function groupGone(pgid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterAll(async () => {
  const pid = child.pid;
  if (pid !== undefined) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: the whole group is gone, as it should be.
    }
  }
  await exited;
  rmSync(data, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints a URL on the chosen port, a development token and a sample request for a file it wrote', () => {
    expect(banner.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(banner.url).not.toMatch(/:0$/);
    expect(banner.printedToken.split('.')).toHaveLength(3);
    expect(banner.requestFile).toBe(join(data, 'sample-request.json'));
    expect(VerificationRequest.safeParse(JSON.parse(readFileSync(banner.requestFile, 'utf8'))).success).toBe(
      true,
    );
    expect(banner.curl).toContain(`-X POST ${banner.url}/v1/verifications`);
    expect(banner.curl).toContain(
      `-H "Authorization: Bearer $(npm run -s egw -- token --data ${data} --scope verifications:write)"`,
    );
    expect(banner.curl).toContain('-H "Content-Type: application/json"');
    expect(banner.curl).toContain('-H "Accept-Language: zh-CN"');
    expect(banner.curl).toContain('-H "Idempotency-Key: sample-$(date +%s)"');
  });

  it('serves the printed sample request with a token from `npm run egw -- token`', async () => {
    const { stdout } = await run(
      'npm',
      ['run', '-s', 'egw', '--', 'token', '--data', data, '--scope', 'verifications:write'],
      {
        cwd: ROOT,
      },
    );
    // Only the token, so $(…) works.
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = stdout.trim();
    const response = await fetch(`${banner.url}/v1/verifications`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'accept-language': 'zh-CN',
        'idempotency-key': `sample-${Math.floor(Date.now() / 1000)}`,
      },
      body: readFileSync(banner.requestFile, 'utf8'),
    });
    const text = await response.text();
    const decision = expectDecision({ status: response.status, headers: response.headers, text }, 201);
    // The sample applicant receives the minimum living allowance, with evidence from every registry.
    expect(decision.outcome).toBe('eligible');
    expect(decision.basis[0]?.rule).toBe('social_assistance');
    expect(decision.evidence.map((e) => e.status)).not.toContain('unavailable');

    const read = await fetch(`${banner.url}/v1/verifications/${decision.id}`, {
      headers: { authorization: `Bearer ${banner.printedToken}` },
    });
    expect(read.status).toBe(200);
    expect(await read.text()).toBe(text);
  });

  it('stops cleanly on SIGTERM to npm: the gateway itself shuts down, exit code 0, port freed, no orphan', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('SIGTERM: stopping');
    await expect(fetch(`${banner.url}/healthz`)).rejects.toThrow();
    const pid = child.pid ?? expect.unreachable('no pid');
    // Nothing of the process group outlives npm for long (a gateway orphaned by `sh -c` would
    // live on; tsx's esbuild helper only needs a moment to notice its parent is gone).
    expect(await groupGone(pid, 5000)).toBe(true);
  });
});
