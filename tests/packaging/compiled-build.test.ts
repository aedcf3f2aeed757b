/**
 * `egw` runs the compiled build in dist/ (scripts/build.js, issue 14): in a clone of HEAD with no
 * dist/, the first command builds it; the gateway then runs with no TypeScript loader, so no
 * esbuild process beside it; a source newer than the build is rebuilt before a command runs;
 * a rebuild that fails is one line that says what to run. The clone's node_modules is a
 * symlink to this checkout's.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childrenOf } from '../../bench/lib/processes.ts';
import { cloneHead, type FreshClone } from '../support/fresh-clone.ts';

const run = promisify(execFile);

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('the compiled build egw runs', () => {
  let repo: FreshClone | undefined;
  const clone = () => repo?.root ?? expect.unreachable('no clone');
  const dir = () => repo?.dir ?? expect.unreachable('no clone');
  const stamp = () =>
    JSON.parse(readFileSync(join(clone(), 'dist/.build.json'), 'utf8')) as { startedAt: number };
  const egw = (args: readonly string[]): Promise<Outcome> =>
    run(process.execPath, [join(clone(), 'bin/egw.js'), ...args], { cwd: dir(), timeout: 90_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: Outcome) => error,
    );

  beforeAll(async () => {
    repo = await cloneHead();
  });
  afterAll(() => repo?.remove());

  it('builds a missing dist/ once, then the gateway runs with no esbuild process beside it', async () => {
    expect(existsSync(join(clone(), 'dist'))).toBe(false);
    const help = await egw(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('USAGE egw start');
    expect(existsSync(join(clone(), 'dist/src/adapters/portable/migrations/0000_init.sql'))).toBe(true);

    let child: ChildProcessWithoutNullStreams | undefined;
    try {
      child = spawn(
        process.execPath,
        [join(clone(), 'bin/egw.js'), 'start', '--port', '0', '--data', join(dir(), 'data')],
        {
          cwd: dir(),
        },
      );
      let output = '';
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const started = child;
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the gateway did not start:\n${output}`)), 45_000);
        started.stdout.on('data', () => {
          const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        started.on('exit', () => reject(new Error(`the gateway exited:\n${output}`)));
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(childrenOf(started.pid ?? -1)).toEqual([]);
    } finally {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child?.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }
  }, 120_000);

  it('rebuilds when a source is newer than the build, before the command runs', async () => {
    const before = stamp().startedAt;
    const later = new Date(Date.now() + 1000);
    utimesSync(join(clone(), 'src/cli/egw.ts'), later, later);
    const help = await egw(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(stamp().startedAt).toBeGreaterThan(before);
    const again = stamp().startedAt;
    await egw(['--help']);
    expect(stamp().startedAt).toBe(again); // fresh now: not rebuilt
  }, 120_000);

  it('a rebuild that fails is one line on stderr that says what to run, and exit 1', async () => {
    appendFileSync(join(clone(), 'src/cli/egw.ts'), '\nexport const broken = ;\n');
    const help = await egw(['--help']);
    expect(help.code).toBe(1);
    expect(help.stdout).toBe('');
    expect(help.stderr.trim().split('\n')).toHaveLength(1);
    expect(help.stderr).toMatch(
      /^egw: dist\/ is older than the sources \(src\/cli\/egw\.ts changed\), and building it failed: tsc -p tsconfig\.build\.json failed: src\/cli\/egw\.ts\(\d+,\d+\): error TS\d+: .*; run `npm run build` in /,
    );
    expect(help.stderr.trim().endsWith(clone())).toBe(true);
  }, 120_000);
});
