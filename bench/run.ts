/**
 * `npm run bench [-- --quick | --tiny]`: what trust costs, measured against the physical floor in
 * the same run (issue 7). The gateway runs pinned to core 0; this process (the load
 * generator) and the sandbox registries to core 1. Prints a table with pass/fail per target
 * line and writes bench/results.json. `--tiny` (seconds per phase) only shows that every
 * phase runs: its figures mean nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { directFanOut, helloSender, httpTarget, verificationSender } from './lib/clients.ts';
import { findFabricNetwork } from './lib/fabric-network.ts';
import { type HarnessSettings, measureRep, type SystemName, type SystemUnderTest } from './lib/harness.ts';
import { affinityOf, ensureCompiled, pinSelf, ROOT } from './lib/processes.ts';
import { type MetricRecord, missBy, renderTable } from './lib/report.ts';
import { benchPersons, benchRequest } from './lib/requests.ts';
import { GATEWAY_CORE, GENERATOR_CORE, startSystems } from './lib/systems.ts';
import { anchoringPhase } from './phases/anchoring.ts';
import { M6_SKIPPED, skippedRecord } from './phases/anchoring-report.ts';
import { batchPhase } from './phases/batch.ts';
import { capacityPhase } from './phases/capacity.ts';
import { latencyPhase } from './phases/latency.ts';
import { logAppendsPhase } from './phases/log-appends.ts';
import { startupPhase } from './phases/startup.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    tiny: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'bench/results.json') },
    'm7-cases': { type: 'string' },
    'm7-budget': { type: 'string' },
    'startup-decisions': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const tiny = values.tiny === true;
const quick = values.quick === true || tiny;
// M6 needs the local Fabric network: in the default run only when it is up; skipped with one line otherwise.
const fabric = findFabricNetwork();
const only = new Set((values.only ?? `cap,latency,M4,M7,startup${fabric.up ? ',M6' : ''}`).split(','));
const m6Skipped = !fabric.up && (values.only === undefined || only.has('M6'));
const PLANS = {
  full: {
    repMs: 5000,
    warmupMs: 500,
    reps: 5,
    ladderReps: 2,
    capReps: 3,
    capSeconds: 5,
    m4Reps: 5,
    m4Single: 200,
    m4Group: 4000,
    m7Cases: 100_000,
    m7Budget: 180,
    m7Baseline: 40,
    startupDecisions: 100_000,
    startupReps: 5,
  },
  quick: {
    repMs: 1500,
    warmupMs: 300,
    reps: 2,
    ladderReps: 1,
    capReps: 1,
    capSeconds: 2,
    m4Reps: 2,
    m4Single: 60,
    m4Group: 1000,
    m7Cases: 5000,
    m7Budget: 30,
    m7Baseline: 10,
    startupDecisions: 100_000,
    startupReps: 3,
  },
  // A smoke run (tests/integration/bench/fresh-clone.test.ts): every phase, seconds each.
  tiny: {
    repMs: 400,
    warmupMs: 100,
    reps: 1,
    ladderReps: 1,
    capReps: 1,
    capSeconds: 1,
    m4Reps: 1,
    m4Single: 20,
    m4Group: 200,
    m7Cases: 200,
    m7Budget: 5,
    m7Baseline: 2,
    startupDecisions: 200,
    startupReps: 1,
  },
} as const;
const size = tiny ? 'tiny' : quick ? 'quick' : 'full';
const plan = PLANS[size];
const m7Cases = Number(values['m7-cases'] ?? plan.m7Cases);
const m7Budget = Number(values['m7-budget'] ?? plan.m7Budget);
const startupDecisions = Number(values['startup-decisions'] ?? plan.startupDecisions);

const log = (line: string) => process.stderr.write(`${line}\n`);
const began = Date.now();

if (availableParallelism() < 2)
  throw new Error('the benchmark needs two cores (gateway on one, generator on the other)');
ensureCompiled();
pinSelf(GENERATOR_CORE);
// tmp/ is git-ignored, so a fresh clone has none; --keep leaves the work directory there.
mkdirSync(join(ROOT, 'tmp'), { recursive: true });
const workDir = mkdtempSync(join(ROOT, 'tmp', 'bench-'));
log(
  `bench ${size === 'full' ? '' : `(${size}) `}in ${workDir}; generator pinned to core ${affinityOf(process.pid)}`,
);

const systems = await startSystems(workDir);
const startUp = {
  full: systems.full.startUp,
  hello: systems.hello.startUp,
  passthrough: systems.passthrough.startUp,
  floor: systems.floor.startUp,
};
for (const [name, s] of Object.entries(startUp))
  log(
    `start-up ${name}: ready in ${s.readyMs.toFixed(0)} ms, ${s.rssMb.toFixed(0)} MB RSS, child processes: ${s.children.join(', ') || 'none'}`,
  );
const pinning = {
  generator: affinityOf(process.pid),
  sandboxes: affinityOf(systems.sandboxes.pid),
  full: affinityOf(systems.full.pid),
  hello: affinityOf(systems.hello.pid),
  passthrough: affinityOf(systems.passthrough.pid),
  floor: affinityOf(systems.floor.pid),
};
const pinnedRight =
  pinning.generator === String(GENERATOR_CORE) &&
  pinning.sandboxes === String(GENERATOR_CORE) &&
  [pinning.full, pinning.hello, pinning.passthrough, pinning.floor].every((c) => c === String(GATEWAY_CORE));
log(`pinning: ${JSON.stringify(pinning)}${pinnedRight ? '' : '  ← NOT AS PLANNED'}`);

const persons = benchPersons();
const bodies = persons.slice(0, 2000).map((_, i) => JSON.stringify(benchRequest(persons, i)));
const targets = {
  full: httpTarget(systems.full.url),
  hello: httpTarget(systems.hello.url),
  passthrough: httpTarget(systems.passthrough.url),
  floor: httpTarget(systems.floor.url),
};
const b0 = directFanOut(systems.sandboxes.config, persons, 800);
const runId = Date.now().toString(36);
const under: Record<SystemName, SystemUnderTest> = {
  B0: { name: 'B0', send: b0.send },
  B1: { name: 'B1', send: helloSender(targets.hello), pid: systems.hello.pid },
  B2: {
    name: 'B2',
    send: verificationSender(targets.passthrough, systems.token, bodies, `b2-${runId}`),
    pid: systems.passthrough.pid,
  },
  // The same requests as B2 (its bearer token is sent and ignored).
  B2f: {
    name: 'B2f',
    send: verificationSender(targets.floor, systems.token, bodies, `b2f-${runId}`),
    pid: systems.floor.pid,
  },
  F: {
    name: 'F',
    send: verificationSender(targets.full, systems.token, bodies, `f-${runId}`),
    pid: systems.full.pid,
  },
};
const settings: HarnessSettings = {
  repMs: plan.repMs,
  warmupMs: plan.warmupMs,
  generatorCorePids: [systems.sandboxes.pid],
  log,
};

const records: MetricRecord[] = [];
const raw: Record<string, unknown> = {};
let profile: Awaited<ReturnType<typeof capacityPhase>>['profile'];
try {
  // M6 measures its own gateway's capacity, so `--only M6` skips this phase.
  let caps: Awaited<ReturnType<typeof capacityPhase>> | undefined;
  if ([...only].some((o) => o !== 'M6' && o !== 'startup')) {
    log('capacity (closed loop) and saturation');
    caps = await capacityPhase({
      systems,
      bodies,
      reps: plan.capReps,
      seconds: plan.capSeconds,
      workDir,
      log,
    });
    records.push(...caps.records);
    profile = caps.profile;
    raw.capacity = { b2: caps.b2, f: caps.f, b1: caps.b1 };
  }

  if (caps && only.has('latency')) {
    log('warm-up (discarded)');
    for (const name of ['B0', 'B1', 'B2', 'B2f', 'F'] as const)
      await measureRep(under[name], caps.b2 * 0.25, { ...settings, repMs: plan.repMs }, false);
    const latency = await latencyPhase({
      systems,
      under,
      settings,
      capacityB2: caps.b2,
      reps: plan.reps,
      ladderReps: plan.ladderReps,
    });
    records.push(...latency.records);
    raw.levels = latency.levels;
  }
  if (only.has('startup')) {
    log(`start-up: egw start on ${startupDecisions.toLocaleString('en-US')} decisions`);
    records.push(
      await startupPhase({
        workDir,
        registriesFile: systems.registriesFile,
        decisions: startupDecisions,
        reps: plan.startupReps,
        log,
      }),
    );
  }
  if (only.has('M4')) {
    log('M4 log appends');
    records.push(
      await logAppendsPhase({
        workDir,
        reps: plan.m4Reps,
        singleCount: plan.m4Single,
        groupCount: plan.m4Group,
        log,
      }),
    );
  }
  if (only.has('M6') && fabric.up) {
    log('M6 anchor lag on the Fabric ledger');
    const anchoring = await anchoringPhase({
      systems,
      network: fabric,
      bodies,
      settings,
      reps: plan.reps,
      capSeconds: plan.capSeconds,
      ...(caps ? { capacity: caps.f } : {}),
      workDir,
    });
    records.push(...anchoring.records);
    raw.anchoring = anchoring.raw;
  } else if (m6Skipped) records.push(skippedRecord(fabric.reason));
  if (caps && only.has('M7')) {
    const quota = Math.max(5, Math.round((caps.f * 0.6) / 5) * 5);
    records.push(
      ...(await batchPhase({
        systems,
        workDir,
        persons,
        quota,
        cases: m7Cases,
        budgetSeconds: m7Budget,
        baselineSeconds: plan.m7Baseline,
        log,
      })),
    );
  }
} finally {
  await Promise.all(Object.values(targets).map((t) => t.close()));
  await b0.close();
  await systems.stop();
}

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const results = {
  meta: {
    date: new Date().toISOString(),
    commit,
    node: process.version,
    quick,
    size,
    seconds: Math.round((Date.now() - began) / 1000),
    pinning,
    pinnedAsPlanned: pinnedRight,
    startUp,
    plan,
    startupDecisions,
  },
  metrics: records,
  profile,
  raw,
};
writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);

process.stdout.write(`\n${renderTable(records)}\n\n`);
if (m6Skipped) process.stdout.write(`${M6_SKIPPED}\n`);
for (const r of records) {
  if (r.pass === false) process.stdout.write(`MISS ${r.id} ${r.name}: ${missBy(r)}\n`);
  if (!r.validity.ok) process.stdout.write(`CHECK ${r.id} ${r.name}: ${r.validity.notes.join('; ')}\n`);
}
if (profile) {
  const total = profile.totalMs;
  process.stdout.write(
    `\nCPU profile of F at saturation (${profile.decisions} decisions, ${(total / Math.max(1, profile.decisions)).toFixed(2)} ms sampled per decision):\n`,
  );
  for (const [bucket, ms] of Object.entries(profile.buckets).sort((a, b) => b[1] - a[1]))
    process.stdout.write(
      `  ${bucket.padEnd(30)} ${((ms / total) * 100).toFixed(1).padStart(5)} %  ${(ms / Math.max(1, profile.decisions)).toFixed(3)} ms/decision\n`,
    );
  process.stdout.write('  hottest: ');
  process.stdout.write(
    `${profile.areas
      .slice(0, 8)
      .map((a) => `${a.area} ${((a.ms / total) * 100).toFixed(0)}%`)
      .join(', ')}\n`,
  );
}
process.stdout.write(`\nresults: ${values.out} (${results.meta.seconds} s)\n`);
if (!values.keep) rmSync(workDir, { recursive: true, force: true });
