/**
 * Starts every process of a run: the sandboxes (core 1, beside the generator) and the
 * systems under test F, B1, B2 and the fan-out floor B2f (core 0), all on one fresh data directory.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuiltInConnectorConfig, LatencyProfiles } from '../../connectors/index.ts';
import type { Source } from '../../schemas/common.ts';
import type { Fault } from '../../schemas/registry-records.ts';
import { issueDevToken } from '../../src/adapters/node/key-files.ts';
import { childrenOf, type PinnedChild, residentMemory, spawnPinned } from './processes.ts';
import { BENCH_POPULATION, BENCH_SEED } from './requests.ts';

export const GATEWAY_CORE = 0;
export const GENERATOR_CORE = 1;

export interface SandboxControl {
  readonly pid: number;
  readonly config: BuiltInConnectorConfig;
  setLatency(profiles: LatencyProfiles): Promise<void>;
  setFaults(faults: readonly Fault[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startSandboxProcess(): Promise<SandboxControl> {
  const proc = spawnPinned(GENERATOR_CORE, 'bench/servers/sandboxes.ts', [], {
    ipc: true,
    env: { EGW_BENCH_SEED: BENCH_SEED, EGW_BENCH_POPULATION: String(BENCH_POPULATION) },
  });
  const child: ChildProcess = proc.child;
  const config = await new Promise<BuiltInConnectorConfig>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { config: BuiltInConnectorConfig }).config));
    child.once('exit', () => reject(new Error(`sandboxes exited:\n${proc.output()}`)));
  });
  let next = 0;
  const command = (message: Record<string, unknown>) =>
    new Promise<void>((resolve) => {
      const id = ++next;
      const onMessage = (m: unknown) => {
        if ((m as { id?: number }).id === id) {
          child.off('message', onMessage);
          resolve();
        }
      };
      child.on('message', onMessage);
      child.send({ ...message, id });
    });
  return {
    pid: proc.pid,
    config,
    setLatency: (profiles) => command({ type: 'latency', profiles }),
    setFaults: (faults) => command({ type: 'faults', faults }),
    stop: async () => {
      child.disconnect();
      await proc.stop();
    },
  };
}

/** How a server process started: what an operator waits for and what it costs before any load. */
export interface StartUp {
  /** From the spawn to `READY` (listening, control port open). */
  readonly readyMs: number;
  /** VmRSS at `READY`, MB. */
  readonly rssMb: number;
  /** Its child processes at `READY` (tsx's loader would add an esbuild service here). */
  readonly children: readonly string[];
}

export interface ServerProcess {
  readonly url: string;
  /** Control port: /profile/start, /profile/stop?file=, /usage. */
  readonly control: string;
  readonly pid: number;
  readonly startUp: StartUp;
  stop(): Promise<void>;
}

export interface ServerOptions {
  readonly mode: 'full' | 'hello' | 'passthrough' | 'floor';
  readonly dataDir: string;
  readonly registriesFile: string;
  readonly quotas?: Readonly<Partial<Record<Source, number>>>;
  /** Extra node flags (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** Extra options of bench/servers/gateway.ts (e.g. --heap-growing-percent 0). */
  readonly gatewayArgs?: readonly string[];
}

export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const proc: PinnedChild = spawnPinned(
    GATEWAY_CORE,
    'bench/servers/gateway.ts',
    [
      '--mode',
      options.mode,
      '--data',
      options.dataDir,
      '--registries',
      options.registriesFile,
      ...(options.quotas ? ['--quotas', JSON.stringify(options.quotas)] : []),
      ...(options.gatewayArgs ?? []),
    ],
    { nodeArgs: options.nodeArgs ?? [] },
  );
  const ready = await proc.ready;
  const startUp: StartUp = {
    readyMs: proc.readyMs(),
    rssMb: residentMemory(proc.pid).rss / 1e6,
    children: childrenOf(proc.pid),
  };
  return {
    url: String(ready.url),
    control: String(ready.control),
    pid: proc.pid,
    startUp,
    stop: () => proc.stop(),
  };
}

export interface Systems {
  readonly sandboxes: SandboxControl;
  readonly full: ServerProcess;
  readonly hello: ServerProcess;
  readonly passthrough: ServerProcess;
  /** B2f: three bare requests to the sandboxes, no auth, no connectors (`--mode floor`). */
  readonly floor: ServerProcess;
  readonly dataDir: string;
  readonly registriesFile: string;
  readonly token: string;
  stop(): Promise<void>;
}

export async function startSystems(workDir: string): Promise<Systems> {
  const dataDir = join(workDir, 'gateway');
  mkdirSync(dataDir, { recursive: true });
  const sandboxes = await startSandboxProcess();
  const registriesFile = join(workDir, 'registries.json');
  writeFileSync(registriesFile, JSON.stringify(sandboxes.config), { mode: 0o600 });
  // F first: it creates the keys the others read.
  const full = await startServer({ mode: 'full', dataDir, registriesFile });
  const [hello, passthrough, floor] = await Promise.all([
    startServer({ mode: 'hello', dataDir, registriesFile }),
    startServer({ mode: 'passthrough', dataDir, registriesFile }),
    startServer({ mode: 'floor', dataDir, registriesFile }),
  ]);
  const token = await issueDevToken({
    dataDir,
    scopes: 'verifications:write',
    clientId: 'bench',
    ttlSeconds: 12 * 3600,
  });
  return {
    sandboxes,
    full,
    hello,
    passthrough,
    floor,
    dataDir,
    registriesFile,
    token,
    async stop() {
      await Promise.all([full.stop(), hello.stop(), passthrough.stop(), floor.stop()]);
      await sandboxes.stop();
    },
  };
}
