/**
 * Whether the local Fabric network of `npm run fabric:up` is there to measure against (M6):
 * recorded, every process running, and the Justice bureau's connection profile with the
 * orderer's BatchTimeout.
 */
import { networkStatus } from '../../scripts/fabric/control.ts';
import { readState } from '../../scripts/fabric/network-state.ts';
import { layout } from '../../scripts/fabric/settings.ts';
import { loadFabricProfile } from '../../src/adapters/node/fabric-profile.ts';

export type FabricNetwork =
  | { readonly up: true; readonly profileFile: string; readonly batchTimeoutMs: number }
  | { readonly up: false; readonly reason: string };

/** Whether `npm run fabric:up` recorded a network whose every process runs, and its Justice profile. */
export function findFabricNetwork(): FabricNetwork {
  const paths = layout();
  const status = networkStatus(paths);
  if (!status.recorded) return { up: false, reason: `no network recorded in ${paths.data}` };
  const stopped = status.processes.filter((p) => !p.running).map((p) => p.name);
  if (stopped.length > 0)
    return { up: false, reason: `network in ${paths.data}: ${stopped.join(', ')} stopped` };
  const state = readState(paths);
  const profileFile = state?.profiles.JusticeMSP;
  if (state === undefined || profileFile === undefined)
    return { up: false, reason: `no JusticeMSP profile in ${paths.networkFile}` };
  try {
    const batchTimeoutMs = loadFabricProfile(profileFile).batchTimeoutMs ?? state.batchTimeoutMs;
    return { up: true, profileFile, batchTimeoutMs };
  } catch (error) {
    return { up: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
