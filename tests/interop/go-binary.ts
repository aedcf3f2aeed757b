/**
 * Builds the Go verifier in tests/interop/go once per test file and runs it on an input
 * document (see main.go for the format: receipts in the CONTRACT.md shape, checkpoints, and a
 * consistency proof).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GO_DIR = fileURLToPath(new URL('./go', import.meta.url));

export interface GoRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `go build` into `dir`; a cold module cache may need the proxy, hence the long timeout. */
export function buildGoVerifier(dir: string): string {
  const binary = join(dir, 'egwinterop');
  const build = spawnSync('go', ['build', '-o', binary, '.'], {
    cwd: GO_DIR,
    encoding: 'utf8',
    timeout: 280_000,
  });
  if (build.error) throw new Error(`cannot run the Go toolchain: ${build.error.message}`);
  if (build.status !== 0) throw new Error(`go build failed:\n${build.stderr}`);
  return binary;
}

let inputs = 0;

/** Writes `input` to a file in `dir` and runs the verifier on it. */
export function runGoVerifier(binary: string, dir: string, input: unknown): GoRun {
  const file = join(dir, `input-${inputs++}.json`);
  writeFileSync(file, JSON.stringify(input, null, 2));
  const result = spawnSync(binary, [file], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Flips the lowest bit of the first byte of a standard-base64 value. */
export function flipBase64(text: string): string {
  const bytes = Buffer.from(text, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}
