/**
 * Child processes pinned to a core with `taskset` (so pinning is real, not a hint), and
 * what the harness reads about them from /proc: CPU time and resident memory.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Clock ticks per second of /proc/<pid>/stat times. */
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Pins this process (every thread) to `core`. */
export function pinSelf(core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}

/**
 * SCHED_FIFO for this process while an open-loop repetition runs, so the sandboxes on the
 * same core cannot delay its send timers; back to SCHED_OTHER for closed-loop runs (where
 * it would starve them). Returns false where the kernel refuses (no CAP_SYS_NICE).
 */
export function realtime(on: boolean): boolean {
  try {
    execFileSync(
      'chrt',
      // The main thread only: with `-a` every thread ran SCHED_FIFO at one priority on one core,
      // and a helper thread that spins (the loader's hooks thread) could then starve the main
      // thread for good — the generator hung at 85 % CPU mid-run (issue 14).
      on ? ['-R', '-f', '-p', '10', String(process.pid)] : ['-o', '-p', '0', String(process.pid)],
      {
        stdio: 'ignore',
      },
    );
    return true;
  } catch {
    return false;
  }
}

/** Cores this process may run on, from `taskset -p`. */
export function affinityOf(pid: number): string {
  return (
    execFileSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8' })
      .split(':')
      .pop()
      ?.trim() ?? ''
  );
}

export interface PinnedChild {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout and stderr so far (for error messages). */
  output(): string;
  /** Resolves with the JSON after `READY ` on stdout. */
  readonly ready: Promise<Record<string, unknown>>;
  /** Milliseconds from the spawn to `READY` on stdout (NaN before). */
  readyMs(): number;
  stop(): Promise<void>;
}

/**
 * The compiled form of a source `script` (`bench/servers/gateway.ts` →
 * `dist/bench/servers/gateway.js`): what `npm run build` writes (tsconfig.build.json).
 */
export function compiled(script: string): string {
  return resolve(ROOT, 'dist', script.replace(/\.ts$/, '.js'));
}

/**
 * Builds dist/ if a source changed since the last build (scripts/build.js --if-stale), so the
 * servers run as `egw` does, compiled, and never as stale code.
 */
export function ensureCompiled(): void {
  execFileSync(process.execPath, [resolve(ROOT, 'scripts/build.js'), '--if-stale'], { stdio: 'inherit' });
}

/**
 * `taskset -c <core> node <compiled script> …args`: the compiled build (see {@link compiled}),
 * with no TypeScript loader, as `egw` runs. With `ipc`, the IPC channel is inherited through
 * taskset's exec.
 */
export function spawnPinned(
  core: number,
  script: string,
  args: readonly string[],
  options: {
    readonly ipc?: boolean;
    readonly env?: NodeJS.ProcessEnv;
    readonly nodeArgs?: readonly string[];
  } = {},
): PinnedChild {
  const child = spawn(
    'taskset',
    ['-c', String(core), process.execPath, ...(options.nodeArgs ?? []), compiled(script), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    },
  );
  const spawnedAt = performance.now();
  let readyAt = Number.NaN;
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const ready = new Promise<Record<string, unknown>>((resolveReady, reject) => {
    const onData = () => {
      const m = /READY (\{.*\})\n/.exec(output);
      if (m?.[1]) {
        readyAt = performance.now();
        child.stdout?.off('data', onData);
        resolveReady(JSON.parse(m[1]) as Record<string, unknown>);
      }
    };
    child.stdout?.on('data', onData);
    exited.then(() => reject(new Error(`${script} exited before it was ready:\n${output}`)));
  });
  ready.catch(() => {});
  return {
    child,
    get pid() {
      return child.pid ?? -1;
    },
    output: () => output,
    ready,
    readyMs: () => readyAt - spawnedAt,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** utime + stime of a /proc/<pid>/stat line, in ticks. The command name may hold spaces and parentheses. */
export function parseProcStat(text: string): { readonly userTicks: number; readonly systemTicks: number } {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Field 3 (state) is fields[0]; utime is field 14, stime field 15.
  return { userTicks: Number(fields[11]), systemTicks: Number(fields[12]) };
}

/** CPU seconds a process has used so far (all its threads). */
export function cpuSeconds(pid: number): number {
  const { userTicks, systemTicks } = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return (userTicks + systemTicks) / CLOCK_TICKS;
}

/** Resident memory, bytes (VmRSS), and its peak so far (VmHWM). */
export function residentMemory(pid: number): { readonly rss: number; readonly peak: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
}

/** The command names (`comm`) of the live child processes of `pid`, from /proc/<pid>/stat's ppid field. */
export function childrenOf(pid: number): string[] {
  const names: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // Field 4 (ppid) follows the state after the parenthesised command name.
    const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) names.push(text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')));
  }
  return names;
}
