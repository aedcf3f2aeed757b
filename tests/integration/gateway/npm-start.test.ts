/**
 * The README walk-through, as a newcomer and as an operator's supervisor run it. `npm start`
 * (the quick start) and `npm run -s egw -- start` (the deploy command) on a fresh data
 * directory each print a URL, a development token and a copy-paste sample; the sample, run
 * by `sh` from another folder, saves `decision.json` there and `egw audit verify` passes on
 * it; SIGTERM to npm stops the gateway itself (exit 0, port freed, no orphan). The README's
 * quick start shows the same sample.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../../schemas/index.ts';
import { VerificationRequest } from '../../../schemas/verification-request.ts';
import { ROOT } from '../../support/gateway-harness.ts';

const run = promisify(execFile);

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  readonly data: string;
  readonly output: () => string;
  readonly banner: { url: string; requestFile: string; printedToken: string; sample: string };
}

async function startVia(args: readonly string[]): Promise<Started> {
  const data = mkdtempSync(join(tmpdir(), 'egw-npm-start-'));
  // Its own process group, so afterAll can reap a gateway that outlived npm; the test's
  // SIGTERM goes to npm alone, as a process manager sends it.
  const child = spawn('npm', [...args, '--port', '0', '--data', data], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test' },
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const banner = await new Promise<Started['banner']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm printed no sample request:\n${output}`)), 45_000);
    const onData = () => {
      const url = /listening on (http:\/\/[\d.]+:\d+)/.exec(output)?.[1];
      const requestFile = /--data @(\S+) -o decision\.json/.exec(output)?.[1];
      const printedToken = /Development token[^\n]*:\n(\S+)\n/.exec(output)?.[1];
      const sample = /Sample request[^\n]*\n(TOKEN=[\s\S]*?audit verify decision\.json --gateway \S+)\n/.exec(
        output,
      )?.[1];
      if (url && requestFile && printedToken && sample) {
        clearTimeout(timer);
        resolve({ url, requestFile, printedToken, sample });
      }
    };
    child.stdout.on('data', onData);
    void exited.then(() => reject(new Error(`npm exited:\n${output}`)));
  });
  return { child, exited, data, output: () => output, banner };
}

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

async function reap(started: Started | undefined): Promise<void> {
  if (!started) return;
  const pid = started.child.pid;
  if (pid !== undefined) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: the whole group is gone, as it should be.
    }
  }
  await started.exited;
  rmSync(started.data, { recursive: true, force: true });
}

describe.each([
  { how: 'npm start', args: ['start', '--'] },
  { how: 'npm run -s egw -- start', args: ['run', '-s', 'egw', '--', 'start'] },
])('$how', ({ args }) => {
  let started: Started;
  const elsewhere = mkdtempSync(join(tmpdir(), 'egw-elsewhere-'));

  beforeAll(async () => {
    started = await startVia(args);
  }, 60_000);
  afterAll(async () => {
    await reap(started);
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('prints a URL on the chosen port, a development token and a sample with absolute paths only', () => {
    const { banner, data } = started;
    expect(banner.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(banner.url).not.toMatch(/:0$/);
    expect(banner.printedToken.split('.')).toHaveLength(3);
    expect(banner.requestFile).toBe(join(data, 'sample-request.json'));
    expect(VerificationRequest.safeParse(JSON.parse(readFileSync(banner.requestFile, 'utf8'))).success).toBe(
      true,
    );
    expect(banner.sample).toContain(
      `TOKEN=$(npm --prefix ${ROOT} run -s egw -- token --data ${data} --scope verifications:write) &&`,
    );
    expect(banner.sample).toContain(`curl -sS --fail -X POST ${banner.url}/v1/verifications`);
    expect(banner.sample).toContain('-H "Authorization: Bearer $TOKEN"');
    expect(banner.sample).toContain('-H "Idempotency-Key: sample-$(date +%s)"');
    expect(banner.sample).not.toMatch(/ \.\/|--data \.\//);
  });

  it('the printed sample, run from another folder, saves decision.json there and audit verify passes', async () => {
    const { stdout, stderr } = await run('sh', ['-c', started.banner.sample], {
      cwd: elsewhere,
      env: { ...process.env, NODE_ENV: 'test' },
      timeout: 60_000,
    });
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^PASS {2}signature/m);
    expect(stdout).toContain('The receipt verifies');
    const decision = JSON.parse(readFileSync(join(elsewhere, 'decision.json'), 'utf8')) as Decision;
    // The sample applicant receives the minimum living allowance, with evidence from every registry.
    expect(decision.outcome).toBe('eligible');
    expect(decision.evidence.map((e) => e.status)).not.toContain('unavailable');
    const read = await fetch(`${started.banner.url}/v1/verifications/${decision.id}`, {
      headers: { authorization: `Bearer ${started.banner.printedToken}` },
    });
    expect(read.status).toBe(200);
  });

  it('the token step fails loudly and curl does not run when --data is wrong', async () => {
    const broken = started.banner.sample.replace(`--data ${started.data}`, `--data ${started.data}-typo`);
    const result = await run('sh', ['-c', broken], { cwd: elsewhere }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`egw token: --data: ${started.data}-typo: no such directory`);
  });

  it('stops cleanly on SIGTERM to npm: the gateway itself shuts down, exit code 0, port freed, no orphan', async () => {
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.output()).toContain('SIGTERM: stopping');
    await expect(fetch(`${started.banner.url}/healthz`)).rejects.toThrow();
    const pid = started.child.pid ?? expect.unreachable('no pid');
    expect(await groupGone(pid, 5000)).toBe(true);
  });
});

describe('README', () => {
  it('shows the sample exactly as the gateway prints it, and commands that exist', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('TOKEN=$(npm --prefix');
    expect(readme).toContain('curl -sS --fail -X POST http://127.0.0.1:8080/v1/verifications');
    expect(readme).toContain('-o decision.json &&');
    expect(readme).toContain('audit verify decision.json --gateway http://127.0.0.1:8080');
    expect(readme).not.toContain('npx egw');
  });

  it('what following it leaves behind is git-ignored, and Biome honours .gitignore (npm run lint stays clean)', () => {
    const ignored = readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n');
    for (const stray of ['decision.json', 'egw-monitor.json', '*.progress.json', 'data/'])
      expect(ignored).toContain(stray);
    const biome = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as {
      vcs?: { useIgnoreFile?: boolean };
    };
    expect(biome.vcs?.useIgnoreFile).toBe(true);
  });
});
