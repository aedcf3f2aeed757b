/**
 * `npm run bench` from a fresh clone (issue 14): the git-ignored folders it needs, tmp/ and
 * dist/, do not exist there. The clone is of this repository's HEAD (what is committed, not
 * the working tree); its node_modules is a symlink to this checkout's, so nothing is
 * downloaded, and `npm run prepare` does the rest of what `npm install` does (the compiled
 * build). The tiny run (seconds per phase) shows that the benchmark starts every process,
 * measures and writes its results; its figures mean nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneHead, type FreshClone } from '../support/fresh-clone.ts';

const run = promisify(execFile);

interface Results {
  readonly meta: {
    readonly commit: string;
    readonly size: string;
    readonly startUp: Record<string, { readonly readyMs: number; readonly children: readonly string[] }>;
  };
  readonly metrics: readonly { readonly id: string; readonly value: number | null }[];
}

// The benchmark pins the gateway and the generator to one core each.
describe.skipIf(availableParallelism() < 2)('npm run bench from a fresh clone', () => {
  let repo: FreshClone | undefined;
  beforeAll(async () => {
    repo = await cloneHead();
  });
  afterAll(() => repo?.remove());

  it('builds, runs the tiny benchmark, exits 0 and writes bench/results.json', async () => {
    const clone = repo?.root ?? expect.unreachable('no clone');
    expect(existsSync(join(clone, 'tmp'))).toBe(false);
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    await run('npm', ['run', '-s', 'prepare'], { cwd: clone });
    expect(existsSync(join(clone, 'dist/src/cli/main.js'))).toBe(true);

    // execFile rejects on a non-zero exit, with the output in the error.
    await run('npm', ['run', '-s', 'bench', '--', '--tiny', '--only', 'cap,M4'], {
      cwd: clone,
      timeout: 75_000,
      maxBuffer: 16 * 1024 * 1024,
    });

    const results = JSON.parse(readFileSync(join(clone, 'bench/results.json'), 'utf8')) as Results;
    const head = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: clone })).stdout.trim();
    expect(results.meta.commit).toBe(head);
    expect(results.meta.size).toBe('tiny');
    expect(results.metrics.map((m) => m.id)).toEqual(expect.arrayContaining(['cap', 'sat', 'mem', 'M4']));
    expect(results.metrics.find((m) => m.id === 'M4')?.value).toBeGreaterThan(0);
    // The servers run the compiled build: no TypeScript loader, so no esbuild process beside them.
    for (const system of ['full', 'hello', 'passthrough']) {
      expect(results.meta.startUp[system]?.readyMs).toBeGreaterThan(0);
      expect(results.meta.startUp[system]?.children).toEqual([]);
    }
  }, 120_000);
});
