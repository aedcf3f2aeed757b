/**
 * `egw batch verify` against a real gateway (sandboxes on loopback, SQLite) whose
 * registries grant small quotas: the registries never see more than their quota, every
 * case is answered and summarised, and a batch killed mid-way and resumed makes exactly
 * one decision per case.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation, type Sandboxes, startSandboxes } from '../../../connectors/index.ts';
import type { BatchSummary } from '../../../src/batch/batch-runner.ts';
import { type RunningGateway, startGateway } from '../../../src/runtime/node.ts';
import { ROOT } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const QUOTAS = { civil_affairs: 40, hrss: 25, disability: 30 } as const;
const CASES = 200;

let dir: string;
let sandboxes: Sandboxes;
let gateway: RunningGateway;
const fixtures = generatePopulation({ seed: 'egw-batch-test', size: 300 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'egw-batch-'));
  sandboxes = await startSandboxes({ fixtures });
  gateway = await startGateway({
    dataDir: join(dir, 'data'),
    port: 0,
    registries: sandboxes.connectorConfig,
    registryQuotas: QUOTAS,
  });
});

afterAll(async () => {
  await gateway?.close();
  await sandboxes?.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeCases(name: string): string {
  const file = join(dir, name);
  const lines = Array.from({ length: CASES }, (_, i) =>
    JSON.stringify(
      requestFor(fixtures, i % fixtures.persons.length, {
        consent: {
          reference: `${name}-${i}`,
          grantedAt: '2025-06-01T09:00:00+08:00',
          scopes: ['civil_affairs', 'hrss', 'disability'],
        },
      }),
    ),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function batch(file: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'src/cli/main.ts'),
      'batch',
      'verify',
      file,
      '--gateway',
      gateway.url,
      '--data',
      join(dir, 'data'),
      '--concurrency',
      '16',
      '--report-every',
      '1',
      '--json',
    ],
    { cwd: ROOT, env: { ...process.env, NODE_ENV: 'test' } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    stderr: () => stderr,
    summary: async (): Promise<BatchSummary> => {
      const code = await exited;
      if (code !== 0) throw new Error(`batch exited ${code}:\n${stderr}\n${stdout}`);
      return JSON.parse(stdout) as BatchSummary;
    },
  };
}

function decisionsOf(clientId: string): number {
  const db = new Database(join(dir, 'data', 'gateway.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT count(*) AS n FROM decisions WHERE client_id = ?').get(clientId) as {
      n: number;
    };
    return row.n;
  } finally {
    db.close();
  }
}

describe('egw batch verify', () => {
  it('answers every case within the registries’ quotas and prints a summary', async () => {
    const file = writeCases('quota.jsonl');
    sandboxes.clearRequestLogs();
    const run = batch(file);
    const summary = await run.summary();

    expect(summary).toMatchObject({
      totalLines: CASES,
      resumedFrom: 0,
      answered: CASES,
      answeredPrefix: CASES,
      completed: true,
      replayed: 0,
      errors: { total: 0 },
    });
    const { eligible, ineligible, needs_review } = summary.outcomes;
    expect(eligible + ineligible + needs_review).toBe(CASES);
    // The slowest registry's quota bounds the rate (5 % margin for the bucket's burst).
    expect(summary.casesPerSecond).toBeLessThanOrEqual(QUOTAS.hrss * 1.05);
    expect(summary.casesPerSecond).toBeGreaterThan(QUOTAS.hrss * 0.5);
    // Non-TTY stderr gets plain progress lines, not a redrawn bar.
    expect(run.stderr()).toMatch(/^batch: \d+\/200 /m);
    expect(run.stderr()).not.toContain('\r');

    // What the registry saw: about the quota in any one-second window. The bucket sends at most
    // quota + burst (26) a second; arrivals at the registry also carry the loopback's and the
    // event loop's jitter, which on a loaded machine bunches a few together (28 seen in CI),
    // so the bound allows 20 % over the quota. Without the quota it would be several times it.
    const arrivals = sandboxes.hrss
      .requestLog()
      .filter((r) => r.outcome === 'answered')
      .map((r) => Date.parse(r.at))
      .sort((a, b) => a - b);
    expect(arrivals).toHaveLength(CASES);
    let most = 0;
    for (let i = 0, j = 0; i < arrivals.length; i++) {
      while ((arrivals[i] ?? 0) - (arrivals[j] ?? 0) >= 1000) j++;
      most = Math.max(most, i - j + 1);
    }
    expect(most).toBeLessThanOrEqual(Math.ceil(QUOTAS.hrss * 1.2));
    expect(decisionsOf('egw-batch')).toBe(CASES);
  });

  it('resumes after being killed mid-way without duplicating a decision', async () => {
    const file = writeCases('resume.jsonl');
    const progress = `${file}.progress.json`;
    const before = decisionsOf('egw-batch');
    const first = batch(file);
    // Kill it once the progress file says a good part is answered, with requests in flight.
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      if (
        existsSync(progress) &&
        (JSON.parse(readFileSync(progress, 'utf8')) as { answered: number }).answered >= 60
      )
        break;
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = (JSON.parse(readFileSync(progress, 'utf8')) as { answered: number }).answered;
    expect(killedAt).toBeGreaterThanOrEqual(60);
    expect(killedAt).toBeLessThan(CASES);

    const second = await batch(file).summary();
    expect(second.resumedFrom).toBe(killedAt);
    expect(second.answered).toBe(CASES - killedAt);
    expect(second.completed).toBe(true);
    expect(second.errors.total).toBe(0);
    // Exactly one decision per case: lines answered after the last progress write were replayed.
    expect(decisionsOf('egw-batch') - before).toBe(CASES);

    // Running the finished file again sends nothing.
    const third = await batch(file).summary();
    expect(third).toMatchObject({ resumedFrom: CASES, answered: 0, completed: true });
  });
});
