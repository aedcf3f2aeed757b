/**
 * Running Fabric's command-line tools, polling for readiness, and progress lines. The
 * tools print their real reason on stderr, so a failure carries its tail.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { FabricInstall } from './fabric-install.ts';

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** A Fabric tool failed; `output` keeps its last lines for the operator. */
export class ToolError extends Error {
  readonly code = 'ERR_FABRIC_TOOL';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** Runs `<FABRIC_BIN>/<tool> args` with extra environment variables; rejects with its stderr tail. */
export function runTool(
  install: FabricInstall,
  tool: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  timeoutMs = 60_000,
): Promise<ToolResult> {
  return runCommand(join(install.bin, tool), args, { env, timeoutMs });
}

/**
 * The caller's environment without Fabric variables, plus `overrides`: a stray CORE_ or
 * ORDERER_ variable would silently reconfigure a node, and fabric-shim exits on peer
 * keepalives when CORE_CHAINCODE_KEEPALIVE is set.
 */
export function cleanEnv(overrides: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!INHERITED_PREFIXES.some((prefix) => key.startsWith(prefix))) env[key] = value;
  }
  return { ...env, ...overrides };
}

const INHERITED_PREFIXES = ['CORE_', 'ORDERER_', 'CHAINCODE_', 'FABRIC_LOGGING'];

export function runCommand(
  file: string,
  args: readonly string[],
  options: { env?: Readonly<Record<string, string>>; cwd?: string; timeoutMs?: number } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        env: cleanEnv(options.env),
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 32 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          const output = tail(`${stdout}\n${stderr}`);
          const name = file.split('/').pop() ?? file;
          reject(new ToolError(`${name} ${args.slice(0, 3).join(' ')} failed: ${output}`, output));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `check` until it returns a value other than undefined (or stops throwing), or
 * the deadline passes; the last error explains a timeout.
 */
export async function poll<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 60_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${last}` : ''}`);
    }
    await sleep(intervalMs);
  }
}

/** Progress lines with seconds since the command started. */
export function createClock(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  return {
    elapsed,
    step(message: string) {
      write(`[${elapsed().toFixed(1).padStart(5)} s] ${message}`);
    },
  };
}

export type Clock = ReturnType<typeof createClock>;
