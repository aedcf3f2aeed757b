/** Runs `egw …` in this process (fast), capturing what it prints and its exit code. */
import { vi } from 'vitest';
import { egw } from '../../src/cli/egw.ts';
import { runEgw } from '../../src/cli/egw-command.ts';

export interface EgwResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function egwInProcess(args: readonly string[]): Promise<EgwResult> {
  let err = '';
  let out = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    const code = await runEgw(egw, args);
    return { code, err, out };
  } finally {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  }
}
