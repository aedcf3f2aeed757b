/**
 * Closed-loop capacity (autocannon): B2's with the fixed registries (it sets the open-loop
 * rates), F's and B1's for reference, and F's saturation with instant sandboxes, with its
 * resident memory and a CPU profile of the load window; then the same saturation with V8's
 * old space capped ({@link HEAP_CAP}), as an operator bounding memory would run it: what the
 * cap saves in memory and what it costs in throughput.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueDevToken } from '../../src/adapters/node/key-files.ts';
import { runClosedLoop } from '../lib/closed-loop.ts';
import { type ProfileSummary, summarizeProfile } from '../lib/cpu-profile.ts';
import { nextSerial, settle } from '../lib/harness.ts';
import { cpuSeconds, residentMemory } from '../lib/processes.ts';
import { atLeast, atMost, type MetricRecord, metric } from '../lib/report.ts';
import { median, pairedRatio } from '../lib/stats.ts';
import { type ServerProcess, type Systems, startServer } from '../lib/systems.ts';
import { FIXED } from './latency.ts';

export interface CapacityOptions {
  readonly systems: Systems;
  readonly bodies: readonly string[];
  readonly reps: number;
  readonly seconds: number;
  readonly workDir: string;
  readonly log: (line: string) => void;
}

/** The node flags of the capped-heap saturation run (old space, and each young semi-space, in MB). */
export const HEAP_CAP = ['--max-old-space-size=160', '--max-semi-space-size=8'] as const;

function post(
  options: CapacityOptions,
  server: ServerProcess,
  connections: number,
  token = options.systems.token,
) {
  const serial = nextSerial();
  return runClosedLoop({
    url: server.url,
    path: '/v1/verifications',
    method: 'POST',
    connections,
    durationSeconds: options.seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    next: (i) => ({
      body: options.bodies[i % options.bodies.length] ?? '',
      headers: { 'idempotency-key': `cap-${serial}-${i}` },
    }),
  });
}

export interface Capacities {
  readonly b2: number;
  readonly f: number;
  readonly b1: number;
  readonly records: MetricRecord[];
  readonly profile: (ProfileSummary & { readonly decisions: number }) | undefined;
}

export async function capacityPhase(options: CapacityOptions): Promise<Capacities> {
  const { systems, log } = options;
  await systems.sandboxes.setLatency(FIXED);
  const b2: number[] = [];
  const f: number[] = [];
  const b1: number[] = [];
  // B1's CPU per request at its own saturation, beside F's per decision at saturation (issue 14).
  const b1Cpu: number[] = [];
  const fCpu: number[] = [];
  // Warm-up (discarded): JIT, connection pools, the first subject keys.
  const warm = { ...options, seconds: Math.min(2, options.seconds) };
  await post(warm, systems.passthrough, 32);
  await post(warm, systems.full, 32);
  await runClosedLoop({
    url: systems.hello.url,
    path: '/hello',
    connections: 16,
    durationSeconds: warm.seconds,
  });
  for (let r = 0; r < options.reps; r++) {
    await settle(systems.passthrough.pid);
    const pass = await post(options, systems.passthrough, 128);
    b2.push(pass.goodPerSecond);
    await settle(systems.full.pid);
    const full = await post(options, systems.full, 128);
    f.push(full.goodPerSecond);
    await settle(systems.hello.pid);
    const helloCpu0 = cpuSeconds(systems.hello.pid);
    const hello = await runClosedLoop({
      url: systems.hello.url,
      path: '/hello',
      connections: 64,
      durationSeconds: options.seconds,
    });
    b1.push(hello.goodPerSecond);
    b1Cpu.push(
      ((cpuSeconds(systems.hello.pid) - helloCpu0) * 1000) /
        Math.max(1, hello.goodPerSecond * options.seconds),
    );
    log(
      `  capacity rep ${r + 1}/${options.reps} (fixed registries): B2 ${pass.goodPerSecond.toFixed(0)}/s  F ${full.goodPerSecond.toFixed(0)}/s  B1 ${hello.goodPerSecond.toFixed(0)}/s`,
    );
  }

  // Saturation with instant sandboxes; the last repetition is profiled.
  await systems.sandboxes.setLatency({});
  const saturation: number[] = [];
  let peakRss = 0;
  let profile: Capacities['profile'];
  for (let r = 0; r < options.reps; r++) {
    await settle(systems.full.pid);
    const last = r === options.reps - 1;
    const file = join(options.workDir, 'f-saturation.cpuprofile');
    if (last) await fetch(`${systems.full.control}/profile/start`);
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, residentMemory(systems.full.pid).rss);
    }, 200);
    const cpu0 = cpuSeconds(systems.full.pid);
    const result = await post(options, systems.full, 64);
    clearInterval(sampler);
    const cpu = cpuSeconds(systems.full.pid) - cpu0;
    saturation.push(result.goodPerSecond);
    fCpu.push((cpu * 1000) / Math.max(1, result.goodPerSecond * options.seconds));
    log(
      `  saturation rep ${r + 1}/${options.reps} (instant sandboxes): F ${result.goodPerSecond.toFixed(0)} decisions/s, CPU ${((cpu * 1000) / Math.max(1, result.goodPerSecond * options.seconds)).toFixed(2)} ms/decision${last ? ' (profiled)' : ''}`,
    );
    if (last) {
      await fetch(`${systems.full.control}/profile/stop?file=${encodeURIComponent(file)}`);
      profile = {
        ...summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), 12),
        decisions: Math.round(result.goodPerSecond * options.seconds),
      };
    }
  }

  // The same, on a second F whose old space is capped (its own data directory and token).
  const cappedDir = join(options.workDir, 'heap-capped');
  const capped = await startServer({
    mode: 'full',
    dataDir: cappedDir,
    registriesFile: systems.registriesFile,
    nodeArgs: HEAP_CAP,
  });
  const cappedToken = await issueDevToken({
    dataDir: cappedDir,
    scopes: 'verifications:write',
    clientId: 'bench-capped',
    ttlSeconds: 3600,
  });
  const cappedSaturation: number[] = [];
  let cappedPeakRss = 0;
  await post(warm, capped, 32, cappedToken);
  for (let r = 0; r < options.reps; r++) {
    await settle(capped.pid);
    const sampler = setInterval(() => {
      cappedPeakRss = Math.max(cappedPeakRss, residentMemory(capped.pid).rss);
    }, 200);
    const result = await post(options, capped, 64, cappedToken);
    clearInterval(sampler);
    cappedSaturation.push(result.goodPerSecond);
    log(
      `  saturation rep ${r + 1}/${options.reps} with ${HEAP_CAP.join(' ')}: F ${result.goodPerSecond.toFixed(0)} decisions/s`,
    );
  }
  await capped.stop();

  await systems.sandboxes.setLatency(FIXED);
  const sat = median(saturation);
  const spread = (xs: number[]) => (xs.length > 1 ? (Math.max(...xs) - Math.min(...xs)) / median(xs) : null);
  const notes = options.reps < 3 ? [`${options.reps} repetition(s) (quick mode)`] : [];
  return {
    b2: median(b2),
    f: median(f),
    b1: median(b1),
    profile,
    records: [
      metric({
        id: 'cap',
        name: 'closed-loop capacity F÷B2, fixed registries (autocannon, 128 conn.)',
        unit: 'req/s',
        baseline: median(b2),
        value: median(f),
        ratio: median(f) / median(b2),
        spread: spread(f),
        validity: { ok: true, notes: [`B1 hello-world: ${median(b1).toFixed(0)}/s`, ...notes] },
      }),
      metric({
        id: 'sat',
        name: 'saturation of F, instant sandboxes (autocannon, 64 conn.)',
        unit: 'decisions/s',
        baseline: null,
        value: sat,
        ratio: sat,
        spread: spread(saturation),
        target: atLeast(5000),
        validity: { ok: true, notes },
      }),
      metric({
        id: 'satcpu',
        name: 'CPU per decision at saturation F ÷ CPU per request of B1 at saturation',
        unit: 'CPU ms',
        ...pairedRatio(b1Cpu, fCpu),
        target: atMost(5),
        validity: {
          ok: true,
          notes: [
            'B1: hello-world, autocannon 64 conn. (capacity phase); F: instant sandboxes, 64 conn.; utime + stime of each server ÷ its answers',
            ...notes,
          ],
        },
      }),
      metric({
        id: 'mem',
        name: 'resident memory of F under saturation (peak VmRSS)',
        unit: 'MB',
        baseline: null,
        value: peakRss / 1e6,
        ratio: peakRss / 1e6,
        spread: null,
        target: atMost(200),
        validity: { ok: peakRss > 0, notes: [] },
      }),
      metric({
        id: 'mem',
        name: `resident memory of F under saturation with ${HEAP_CAP.join(' ')} (peak VmRSS)`,
        unit: 'MB',
        baseline: null,
        value: cappedPeakRss / 1e6,
        ratio: cappedPeakRss / 1e6,
        spread: null,
        target: atMost(200),
        validity: {
          ok: cappedPeakRss > 0,
          notes: [
            `throughput with the cap: ${median(cappedSaturation).toFixed(0)} decisions/s, ${((median(cappedSaturation) / sat) * 100).toFixed(0)} % of uncapped`,
          ],
        },
      }),
    ],
  };
}
