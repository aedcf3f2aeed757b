/**
 * The data folder is wiped by `up` and `down`; EGW_FABRIC_DATA can point anywhere, so
 * only a folder this script created (it holds a marker file) or an empty one is removed.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Layout } from './settings.ts';

const MARKER = '.egw-fabric-network';

export function removeDataFolder(paths: Layout): boolean {
  if (!existsSync(paths.data)) return false;
  const entries = readdirSync(paths.data);
  if (entries.length > 0 && !entries.includes(MARKER)) {
    throw new Error(`refusing to remove ${paths.data}: it was not created by fabric:up (no ${MARKER} file)`);
  }
  rmSync(paths.data, { recursive: true, force: true });
  return true;
}

export function createDataFolder(paths: Layout): void {
  removeDataFolder(paths);
  for (const dir of [paths.config, paths.logs, paths.pids, paths.specs, paths.profiles, paths.chaincode]) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(join(paths.data, MARKER), 'Created by scripts/fabric/network.ts; removed by fabric:down.\n');
}
