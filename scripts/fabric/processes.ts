/**
 * Background processes tracked by PID files. Each process is started detached, with
 * its own log, from a spec saved beside its PID so that a restart (by a test, after
 * `stop`) runs exactly the same command on the same data.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Layout, ProcessName } from './settings.ts';
import { cleanEnv, sleep } from './tools.ts';

export interface ProcessSpec {
  readonly name: ProcessName;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Set on top of the caller's environment (see cleanEnv). */
  readonly env: Readonly<Record<string, string>>;
  readonly log: string;
}

const pidFile = (paths: Layout, name: ProcessName) => join(paths.pids, `${name}.pid`);
const specFile = (paths: Layout, name: ProcessName) => join(paths.specs, `${name}.json`);

export function saveSpec(paths: Layout, spec: ProcessSpec): void {
  writeFileSync(specFile(paths, spec.name), `${JSON.stringify(spec, null, 2)}\n`);
}

export function loadSpec(paths: Layout, name: ProcessName): ProcessSpec {
  const file = specFile(paths, name);
  if (!existsSync(file))
    throw new Error(`no recorded spec for ${name} in ${paths.specs}: run fabric:up first`);
  return JSON.parse(readFileSync(file, 'utf8')) as ProcessSpec;
}

export function recordedPid(paths: Layout, name: ProcessName): number | undefined {
  const file = pidFile(paths, name);
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
}

/** Alive and still the program we started (PIDs get reused), not a zombie. */
export function isRunning(pid: number, spec: ProcessSpec): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv[0] !== spec.command || (spec.args.length > 0 && argv[1] !== spec.args[0])) return false;
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Resident memory in MB from /proc, or undefined when the process is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Math.round(Number(match[1]) / 102.4) / 10;
  } catch {
    return undefined;
  }
}

/** The running PID of a process, if its PID file names a live process of its spec. */
export function runningPid(paths: Layout, name: ProcessName): number | undefined {
  const pid = recordedPid(paths, name);
  if (pid === undefined || !existsSync(specFile(paths, name))) return undefined;
  return isRunning(pid, loadSpec(paths, name)) ? pid : undefined;
}

export function logSize(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** Starts the spec detached, its output appended to its log; returns the PID. */
export function launch(paths: Layout, spec: ProcessSpec): number {
  const fd = openSync(spec.log, 'a');
  try {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: cleanEnv(spec.env),
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
    // A spawn failure (ENOENT) arrives as an event; without a listener it would crash the caller.
    child.on('error', () => {});
    child.unref();
    writeFileSync(pidFile(paths, spec.name), `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * SIGTERM to the process group (the detached process leads its own), then SIGKILL
 * after `graceMs`. Returns whether something was running.
 */
export async function terminate(paths: Layout, name: ProcessName, graceMs = 5_000): Promise<boolean> {
  const pid = recordedPid(paths, name);
  if (pid === undefined) return false;
  const spec = loadSpec(paths, name);
  const running = isRunning(pid, spec);
  if (running) {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isRunning(pid, spec) && Date.now() < deadline) await sleep(100);
    if (isRunning(pid, spec)) {
      signal(pid, 'SIGKILL');
      const killDeadline = Date.now() + 5_000;
      while (isRunning(pid, spec) && Date.now() < killDeadline) await sleep(50);
    }
  }
  rmSync(pidFile(paths, name), { force: true });
  return running;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone between the check and the signal.
    }
  }
}
