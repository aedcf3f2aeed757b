/**
 * One gateway per data folder (issue 11). A second `egw start` on the same `--data` used to
 * start, serve a stale checkpoint and make the first one answer 503s (both were sequencers of
 * one log). The lock is a file holding the owner's pid, created exclusively; a lock whose
 * process is gone (a SIGKILL, a power cut) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../../core/errors.ts';

export const LOCK_FILE = 'gateway.lock';

export interface DataLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

/**
 * @example const lock = acquireDataLock(dataDir); … lock.release();
 */
export function acquireDataLock(dataDir: string): DataLock {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
      const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(owner) && owner > 0 && alive(owner))
        throw new GatewayError('ERR_STORE_UNAVAILABLE', `the data folder is in use by process ${owner}`, {
          facts: { pid: owner, lock: LOCK_FILE },
        });
      rmSync(file, { force: true }); // its owner is gone
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        rmSync(file, { force: true });
      },
    };
  }
  throw new GatewayError('ERR_STORE_UNAVAILABLE', 'could not lock the data folder', {
    facts: { lock: LOCK_FILE },
  });
}
