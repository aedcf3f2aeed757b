/**
 * Start-up (issue 14): `egw start` ready — its "listening on" line — in ≤ 1 s on an existing data
 * folder of 100,000 decisions. Each start is a fresh `node bin/egw.js start`, as an operator runs
 * it, pinned to the gateway's core, with `--registries` pointing at the benchmark's sandboxes (so
 * no sandbox population is generated). The baseline is the same command on an existing folder
 * with no decisions; the two alternate, and the median of each counts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { decisionHistory } from '../lib/decision-history.ts';
import { ROOT, residentMemory } from '../lib/processes.ts';
import { atMost, type MetricRecord, metric } from '../lib/report.ts';
import { median } from '../lib/stats.ts';
import { GATEWAY_CORE } from '../lib/systems.ts';

export interface StartupOptions {
  readonly workDir: string;
  readonly registriesFile: string;
  /** Decisions in the data folder started on. */
  readonly decisions: number;
  readonly reps: number;
  readonly log: (line: string) => void;
}

interface Start {
  readonly readyMs: number;
  readonly rssMb: number;
}

/** One `egw start` on `dataDir`: time to its "listening on" line and RSS then; stopped with SIGTERM. */
function startOnce(dataDir: string, registriesFile: string): Promise<Start> {
  const began = performance.now();
  const child = spawn(
    'taskset',
    [
      '-c',
      String(GATEWAY_CORE),
      process.execPath,
      join(ROOT, 'bin/egw.js'),
      'start',
      '--data',
      dataDir,
      '--registries',
      registriesFile,
      '--port',
      '0',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    let start: Start | undefined;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (start === undefined && /listening on /.test(output)) {
        start = { readyMs: performance.now() - began, rssMb: residentMemory(child.pid ?? -1).rss / 1e6 };
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', () => {
      clearTimeout(killer);
      if (start) resolve(start);
      else reject(new Error(`egw start exited before listening:\n${output}`));
    });
  });
}

export async function startupPhase(options: StartupOptions): Promise<MetricRecord> {
  const { log } = options;
  const history = await decisionHistory(options.workDir, options.decisions, log);
  const empty = join(options.workDir, 'startup-empty');
  mkdirSync(empty, { recursive: true });
  await startOnce(empty, options.registriesFile); // creates the keys: a folder that exists, empty
  const starts: Record<'empty' | 'history', Start[]> = { empty: [], history: [] };
  for (let r = 0; r < options.reps; r++) {
    for (const which of r % 2 === 0 ? (['empty', 'history'] as const) : (['history', 'empty'] as const)) {
      const start = await startOnce(which === 'empty' ? empty : history, options.registriesFile);
      starts[which].push(start);
      log(
        `  start-up rep ${r + 1}/${options.reps} ${which === 'empty' ? 'no decisions' : `${options.decisions.toLocaleString('en-US')} decisions`}: ready in ${start.readyMs.toFixed(0)} ms, ${start.rssMb.toFixed(0)} MB RSS`,
      );
    }
  }
  const ready = starts.history.map((s) => s.readyMs);
  const baseline = median(starts.empty.map((s) => s.readyMs));
  const value = median(ready);
  return metric({
    id: 'ready',
    name: `egw start ready with ${options.decisions.toLocaleString('en-US')} decisions (existing data folder)`,
    unit: 'ms',
    baseline,
    value,
    ratio: value,
    spread: ready.length > 1 ? (Math.max(...ready) - Math.min(...ready)) / value : null,
    target: atMost(1000),
    validity: {
      ok: true,
      notes: [
        `baseline: the same command on an existing folder with no decisions, ${baseline.toFixed(0)} ms; ${options.reps} starts each, alternating`,
        `RSS when ready: ${median(starts.history.map((s) => s.rssMb)).toFixed(0)} MB (no decisions: ${median(starts.empty.map((s) => s.rssMb)).toFixed(0)} MB)`,
      ],
    },
  });
}
