/**
 * Closed-loop capacity (autocannon): B2's with the fixed registries (it sets the open-loop
 * rates), F's and B1's for reference, and F's saturation with instant sandboxes, with its
 * resident memory, interleaved with a second F that leaves V8's heap growth to V8 (what the
 * gateway's own setting saves in memory and costs in throughput), then a CPU profile of one
 * more, uncounted, repetition.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueDevToken } from '../../src/adapters/node/key-files.ts';
import { DEFAULT_HEAP_GROWING_PERCENT } from '../../src/adapters/node/v8-heap.ts';
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
  // A second F that leaves V8's heap growth to V8 (--heap-growing-percent 0; its own data folder
  // and token), loaded exactly as F is from here on, so the saturation repetitions compare the
  // memory the gateway's own setting saves and the throughput it costs (issue 14).
  const v8Dir = join(options.workDir, 'v8-heap-growth');
  const v8Growth = await startServer({
    mode: 'full',
    dataDir: v8Dir,
    registriesFile: systems.registriesFile,
    gatewayArgs: ['--heap-growing-percent', '0'],
  });
  const v8Token = await issueDevToken({
    dataDir: v8Dir,
    scopes: 'verifications:write',
    clientId: 'bench-v8-heap',
    ttlSeconds: 3600,
  });
  // Warm-up (discarded): JIT, connection pools, the first subject keys.
  const warm = { ...options, seconds: Math.min(2, options.seconds) };
  await post(warm, systems.passthrough, 32);
  await post(warm, systems.full, 32);
  await post(warm, v8Growth, 32, v8Token);
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
    await settle(v8Growth.pid);
    await post(options, v8Growth, 128, v8Token);
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

  await systems.sandboxes.setLatency({});
  const saturation: number[] = [];
  const v8Saturation: number[] = [];
  // B2 and the floor B2f at saturation too: what the fan-out alone costs when requests batch.
  const b2SatCpu: number[] = [];
  const floorSatCpu: number[] = [];
  let peakRss = 0;
  let v8PeakRss = 0;
  const saturate = async (server: ServerProcess, token: string, peak?: (rss: number) => void) => {
    await settle(server.pid);
    const sampler = setInterval(() => peak?.(residentMemory(server.pid).rss), 200);
    const cpu0 = cpuSeconds(server.pid);
    const result = await post(options, server, 64, token);
    clearInterval(sampler);
    const cpuMs =
      ((cpuSeconds(server.pid) - cpu0) * 1000) / Math.max(1, result.goodPerSecond * options.seconds);
    return { perSecond: result.goodPerSecond, cpuMs };
  };
  for (let r = 0; r < options.reps; r++) {
    // Alternating which goes first, so neither always follows the other.
    const runF = () =>
      saturate(systems.full, systems.token, (rss) => {
        peakRss = Math.max(peakRss, rss);
      });
    const runV8 = () =>
      saturate(v8Growth, v8Token, (rss) => {
        v8PeakRss = Math.max(v8PeakRss, rss);
      });
    let v8 = r % 2 === 1 ? await runV8() : undefined;
    const full = await runF();
    v8 ??= await runV8();
    saturation.push(full.perSecond);
    fCpu.push(full.cpuMs);
    v8Saturation.push(v8.perSecond);
    const pass = await saturate(systems.passthrough, systems.token);
    const floor = await saturate(systems.floor, systems.token);
    b2SatCpu.push(pass.cpuMs);
    floorSatCpu.push(floor.cpuMs);
    log(
      `  saturation rep ${r + 1}/${options.reps} (instant sandboxes): F ${full.perSecond.toFixed(0)} decisions/s, CPU ${full.cpuMs.toFixed(2)} ms/decision; with V8's own heap growth ${v8.perSecond.toFixed(0)}/s, ${v8.cpuMs.toFixed(2)} ms; B2 ${pass.perSecond.toFixed(0)}/s, ${pass.cpuMs.toFixed(2)} ms; B2f ${floor.perSecond.toFixed(0)}/s, ${floor.cpuMs.toFixed(2)} ms`,
    );
  }
  await v8Growth.stop();

  // The CPU profile is one more repetition after the counted ones: the profiler's sampling costs F
  // 17–28 % of its throughput (a --quick run's only repetition used to be the profiled one), so no
  // figure comes from it.
  await settle(systems.full.pid);
  const file = join(options.workDir, 'f-saturation.cpuprofile');
  await fetch(`${systems.full.control}/profile/start`);
  const profiled = await post(options, systems.full, 64);
  await fetch(`${systems.full.control}/profile/stop?file=${encodeURIComponent(file)}`);
  const profile: Capacities['profile'] = {
    ...summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), 12),
    decisions: Math.round(profiled.goodPerSecond * options.seconds),
  };
  log(
    `  profiled repetition (not counted): F ${profiled.goodPerSecond.toFixed(0)} decisions/s under the CPU profiler`,
  );

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
        id: 'satfloor',
        name: 'CPU per request at saturation B2f (3 bare requests) ÷ B1, the floor of satcpu',
        unit: 'CPU ms',
        ...pairedRatio(b1Cpu, floorSatCpu),
        validity: {
          ok: true,
          notes: [
            "B2f and B2 saturated like F (instant sandboxes, 64 conn.); F makes at least B2f's three exchanges, so satcpu cannot fall below this",
            ...notes,
          ],
        },
        detail: { b2SatCpuMs: median(b2SatCpu), b2fSatCpuMs: median(floorSatCpu), b1SatCpuMs: median(b1Cpu) },
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
        name: "resident memory of F under saturation with V8's own heap growth (peak VmRSS; informational)",
        unit: 'MB',
        baseline: null,
        value: v8PeakRss / 1e6,
        ratio: v8PeakRss / 1e6,
        spread: null,
        validity: {
          ok: v8PeakRss > 0,
          notes: [`the gateway's default limits V8's heap growth to ${DEFAULT_HEAP_GROWING_PERCENT} %`],
        },
      }),
      metric({
        id: 'memcost',
        name: "throughput kept with the gateway's heap setting: F ÷ F with V8's own heap growth, at saturation",
        unit: 'decisions/s',
        ...pairedRatio(v8Saturation, saturation),
        target: atLeast(0.95),
        validity: { ok: true, notes: ['interleaved repetitions, instant sandboxes, 64 conn.', ...notes] },
      }),
    ],
  };
}
