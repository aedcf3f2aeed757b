/**
 * A clone of this repository's HEAD (what is committed, not the working tree) in a temporary
 * folder, its node_modules a symlink to this checkout's: what a newcomer has after `git clone`
 * and the download part of `npm install`, with nothing built. For tests of what must work from
 * there (issue 14).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './gateway-harness.ts';

export interface FreshClone {
  /** The temporary folder that holds the clone (room for data folders beside it). */
  readonly dir: string;
  /** The clone's root. */
  readonly root: string;
  remove(): void;
}

/** @example const repo = await cloneHead(); try { … } finally { repo.remove(); } */
export async function cloneHead(): Promise<FreshClone> {
  const dir = mkdtempSync(join(tmpdir(), 'egw-fresh-clone-'));
  const root = join(dir, 'eligibility-gateway');
  await promisify(execFile)('git', ['clone', '--quiet', ROOT, root]);
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { dir, root, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
