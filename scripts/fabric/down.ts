/**
 * `fabric:down`: every recorded process stopped by PID (SIGTERM, SIGKILL after a grace
 * period), then the data folder removed. Needs no Fabric binaries, so a network can be
 * cleaned up even after they were uninstalled.
 */
import { existsSync } from 'node:fs';
import { removeDataFolder } from './data-folder.ts';
import { terminate } from './processes.ts';
import { type Layout, layout, PROCESS_NAMES } from './settings.ts';
import { type Clock, createClock } from './tools.ts';

export async function downNetwork(clock: Clock = createClock(), paths: Layout = layout()): Promise<number> {
  if (!existsSync(paths.data)) {
    clock.step(`no network in ${paths.data}; nothing to stop`);
    return 0;
  }
  const stopped: string[] = [];
  // All at once: each waits out its own grace period, so stopping in turn would add them up.
  await Promise.all(
    PROCESS_NAMES.map(async (name) => {
      if (await terminate(paths, name)) stopped.push(name);
    }),
  );
  clock.step(stopped.length > 0 ? `stopped ${stopped.sort().join(', ')}` : 'no process was running');
  removeDataFolder(paths);
  const seconds = clock.elapsed();
  clock.step(`removed ${paths.data}; down in ${seconds.toFixed(1)} s`);
  return seconds;
}
