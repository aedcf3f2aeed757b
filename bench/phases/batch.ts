/**
 * M7: `egw batch verify` of synthetic cases against a gateway with registry quotas, with a
 * trickle of online requests: cases/s ÷ the slowest registry's quota, and online p99
 * during the batch ÷ without it.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { issueDevToken } from '../../src/adapters/node/key-files.ts';
import type { BatchSummary } from '../../src/batch/batch-runner.ts';
import { httpTarget, verificationSender } from '../lib/clients.ts';
import { goLoadgen, runGoOpenLoop } from '../lib/go-open-loop.ts';
import { runOpenLoop, type Sample } from '../lib/open-loop.ts';
import { residentMemory, spawnPinned } from '../lib/processes.ts';
import { atLeast, atMost, type MetricRecord, metric } from '../lib/report.ts';
import { benchRequest } from '../lib/requests.ts';
import { summarize } from '../lib/stats.ts';
import { GENERATOR_CORE, type Systems, startServer } from '../lib/systems.ts';

export interface BatchPhaseOptions {
  readonly systems: Systems;
  readonly workDir: string;
  readonly persons: readonly { idNumber: string; name: string }[];
  /** The slowest registry's quota (hrss); the others get more. */
  readonly quota: number;
  readonly cases: number;
  /** Stop the batch (SIGINT, progress saved) after this long. */
  readonly budgetSeconds: number;
  readonly baselineSeconds: number;
  readonly log: (line: string) => void;
}

async function writeCases(file: string, persons: BatchPhaseOptions['persons'], cases: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < cases; i++) {
    if (!out.write(`${JSON.stringify(benchRequest(persons, i, `BATCH-${i}`))}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function batchPhase(options: BatchPhaseOptions): Promise<MetricRecord[]> {
  const { quota, log } = options;
  const dir = join(options.workDir, 'm7');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'cases.jsonl');
  await writeCases(file, options.persons, options.cases);
  const quotas = { civil_affairs: quota * 2, hrss: quota, disability: quota * 1.5 };
  const gateway = await startServer({
    mode: 'full',
    dataDir: join(dir, 'gateway'),
    registriesFile: options.systems.registriesFile,
    quotas,
  });
  const token = await issueDevToken({
    dataDir: join(dir, 'gateway'),
    scopes: 'verifications:write',
    clientId: 'online',
    ttlSeconds: 12 * 3600,
  });
  const target = httpTarget(gateway.url);
  const bodies = options.persons
    .slice(0, 500)
    .map((_, i) => JSON.stringify(benchRequest(options.persons, i)));
  let serial = 0;
  const runId = Date.now();
  const online = verificationSender(target, token, bodies, `online-${runId}`);
  const onlineRate = Math.max(1, quota * 0.02);
  // Windows in which the online generator fell behind its schedule: its core is shared with
  // the batch client and the sandboxes, and a late send is not the gateway's latency.
  const lagged = { without: 0, during: 0, windows: 0 };
  // The Go generator (issue 14) keeps its schedule on the shared core; Node's is the fallback.
  const go = goLoadgen();
  const window = async (seconds: number, phase?: 'without' | 'during'): Promise<readonly Sample[]> => {
    const r = go
      ? await runGoOpenLoop({
          url: gateway.url,
          path: '/v1/verifications',
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          bodies,
          keyPrefix: `online-${runId}-${serial++}`,
          ratePerSecond: onlineRate,
          durationMs: seconds * 1000,
          core: GENERATOR_CORE,
        })
      : await runOpenLoop({
          ratePerSecond: onlineRate,
          durationMs: seconds * 1000,
          send: () => online(serial++),
        });
    if (phase === undefined) return r.samples; // warm-up: not counted
    lagged.windows += 1;
    if (r.lag.fellBehind) lagged[phase] += 1;
    return r.samples;
  };
  log(
    `M7: quota ${quota}/s on hrss (civil ${quotas.civil_affairs}, disability ${quotas.disability}), online ${onlineRate.toFixed(1)}/s`,
  );
  await window(2); // warm
  const without: Sample[] = [...(await window(options.baselineSeconds / 2, 'without'))];

  const batch = spawnPinned(GENERATOR_CORE, 'src/cli/main.ts', [
    'batch',
    'verify',
    file,
    '--gateway',
    gateway.url,
    '--data',
    join(dir, 'gateway'),
    '--concurrency',
    '32',
    '--json',
    '--report-every',
    '10',
  ]);
  const exited = new Promise<void>((done) => batch.child.once('exit', () => done()));
  let running = true;
  exited.then(() => {
    running = false;
  });
  const budget = setTimeout(() => batch.child.kill('SIGINT'), options.budgetSeconds * 1000);
  const during: Sample[] = [];
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, residentMemory(gateway.pid).rss);
  }, 500);
  while (running) during.push(...(await window(5, 'during')));
  clearTimeout(budget);
  clearInterval(sampler);
  without.push(...(await window(options.baselineSeconds / 2, 'without')));
  await target.close();
  await gateway.stop();

  const text = batch.output();
  const json = text.split('\n').find((l) => l.startsWith('{"file"'));
  if (!json) throw new Error(`batch verify printed no summary:\n${text.slice(-2000)}`);
  const summary = JSON.parse(json) as BatchSummary;
  for (const line of text
    .split('\n')
    .filter((l) => l.startsWith('batch:'))
    .slice(-3))
    log(`  ${line}`);
  const rate = summary.casesPerSecond;
  const p99Without = summarize(without.map((s) => s.latency)).p99;
  const p99During = summarize(during.map((s) => s.latency)).p99;
  const notes = [
    `${summary.answered} of ${options.cases} cases in ${summary.elapsedSeconds.toFixed(0)} s${summary.completed ? '' : ` (stopped at the ${options.budgetSeconds} s budget: SIGINT, progress saved at line ${summary.answeredPrefix})`}`,
    `outcomes ${JSON.stringify(summary.outcomes)}, errors ${summary.errors.total}, retries ${summary.retries}`,
    `gateway peak RSS during the batch ${(peakRss / 1e6).toFixed(0)} MB`,
  ];
  log(`  M7: ${notes.join('; ')}`);
  return [
    metric({
      id: 'M7',
      name: 'batch verify cases/s ÷ slowest registry quota',
      unit: 'cases/s',
      baseline: quota,
      value: rate,
      ratio: rate / quota,
      spread: null,
      target: atLeast(0.95),
      validity: {
        ok: rate <= quota * 1.1 && summary.errors.total === 0,
        notes: [...notes, rate <= quota * 1.1 ? 'quota respected (≤ 1.1×)' : 'QUOTA EXCEEDED'],
      },
    }),
    metric({
      id: 'M7',
      name: 'online p99 during the batch ÷ without it',
      unit: 'ms',
      baseline: p99Without,
      value: p99During,
      ratio: p99During / p99Without,
      spread: null,
      target: atMost(1.5),
      validity: {
        ok: without.length >= 100 && during.length >= 100 && lagged.without + lagged.during === 0,
        notes: [
          `online generator: ${go ? 'Go (bench/loadgen), its own goroutine per request' : 'Node (no Go toolchain)'}`,
          `online samples: ${without.length} without, ${during.length} during`,
          ...(lagged.without + lagged.during > 0
            ? [
                `the online generator fell behind in ${lagged.during} window(s) during the batch and ${lagged.without} without it, of ${lagged.windows}: its core also runs the batch client and the sandboxes`,
              ]
            : []),
        ],
      },
    }),
  ];
}
