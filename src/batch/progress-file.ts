/**
 * The resume point of a batch run: how many leading lines of which file are fully
 * answered. Written to a temporary file, fsync'd, renamed over the old one and the
 * directory fsync'd, so a crash leaves either the old or the new point, never a torn one.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface BatchProgress {
  readonly version: 1;
  /** Absolute path of the batch file. */
  readonly file: string;
  /** SHA-256 of the file's first 64 KiB: a different file is not resumed by mistake. */
  readonly head: string;
  /** Lines 0..answered-1 are answered. */
  readonly answered: number;
  readonly updatedAt: string;
}

/** Default progress file: beside the batch file. */
export function defaultProgressPath(file: string): string {
  return `${resolve(file)}.progress.json`;
}

/** Digest of the first 64 KiB. */
export function fileHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return createHash('sha256').update(buffer.subarray(0, n)).digest('hex');
  } finally {
    closeSync(fd);
  }
}

/** The stored point, or undefined when there is none. Throws when it is for another file. */
export function readProgress(path: string, file: string, head: string): BatchProgress | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const progress = JSON.parse(text) as BatchProgress;
  if (progress.version !== 1 || !Number.isInteger(progress.answered) || progress.answered < 0)
    throw new Error(`${path} is not a batch progress file`);
  if (progress.head !== head || progress.file !== resolve(file))
    throw new Error(`${path} records progress of another file (use --restart to start over)`);
  return progress;
}

/** Durably replaces the stored point. */
export function writeProgress(path: string, progress: BatchProgress): void {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(progress)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
