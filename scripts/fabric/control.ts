/**
 * Stopping and restarting single processes of a running network, for the ledger tests
 * (peer down, orderer down, then back) and for `network.ts stop|start|status`.
 * A restart reuses the recorded command and data, and returns once the process is ready.
 *
 * @example
 * ```ts
 * import { startProcess, stopProcess } from '../../scripts/fabric/control.ts';
 * await stopProcess('peer-civil');
 * // ...decisions continue, anchoring fails over to the outbox...
 * await startProcess('peer-civil'); // resolves when the peer serves the channel again
 * ```
 */
import { queryMetadata } from './chaincode.ts';
import { type FabricInstall, locateFabric } from './fabric-install.ts';
import { readState, recordPid } from './network-state.ts';
import { orgOfProcess } from './node-specs.ts';
import { launch, loadSpec, logSize, rssMb, runningPid, terminate } from './processes.ts';
import {
  waitListening,
  waitOrdererLeading,
  waitOrdererServing,
  waitPeerOnChannel,
  waitPeerSees,
  waitPeerStarted,
} from './readiness.ts';
import { type Layout, layout, PEER_ORGS, type PeerOrg, PROCESS_NAMES, type ProcessName } from './settings.ts';
import { poll } from './tools.ts';

export interface ProcessStatus {
  readonly name: ProcessName;
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly rssMb: number | undefined;
  readonly log: string;
}

export interface NetworkStatus {
  readonly dataDir: string;
  /** network.json exists: `up` got far enough to record the network. */
  readonly recorded: boolean;
  /** Every process is running. */
  readonly running: boolean;
  readonly processes: readonly ProcessStatus[];
}

/** What runs now, with resident memory from /proc. Needs no Fabric binaries. */
export function networkStatus(paths: Layout = layout()): NetworkStatus {
  const state = readState(paths);
  const processes = PROCESS_NAMES.map((name): ProcessStatus => {
    // PID files are written at launch, before network.json: an interrupted `up` leaves only them.
    const pid = runningPid(paths, name);
    return {
      name,
      pid,
      running: pid !== undefined,
      rssMb: pid === undefined ? undefined : rssMb(pid),
      log: state?.processes[name].log ?? '',
    };
  });
  return {
    dataDir: paths.data,
    recorded: state !== undefined,
    running: state !== undefined && processes.every((p) => p.running),
    processes,
  };
}

/** SIGTERM (SIGKILL after `graceMs`) by recorded PID. Resolves false if it was not running. */
export async function stopProcess(
  name: ProcessName,
  graceMs = 5_000,
  paths: Layout = layout(),
): Promise<boolean> {
  const stopped = await terminate(paths, name, graceMs);
  recordPid(paths, name, null);
  return stopped;
}

/**
 * Starts a stopped process again with its recorded command and data, and waits until
 * it is ready. Resolves with its PID (the running one, if it was not stopped).
 */
export async function startProcess(
  name: ProcessName,
  { timeoutMs = 90_000, paths = layout() }: { timeoutMs?: number; paths?: Layout } = {},
): Promise<number> {
  const install = locateFabric();
  if (readState(paths) === undefined) throw new Error(`no network recorded in ${paths.data}: run fabric:up`);
  const running = runningPid(paths, name);
  if (running !== undefined) return running;
  const spec = loadSpec(paths, name);
  const offset = logSize(spec.log);
  const pid = launch(paths, spec);
  recordPid(paths, name, pid);
  await waitReady(install, paths, name, offset, timeoutMs);
  return pid;
}

const otherOrg = (org: PeerOrg) => PEER_ORGS.find((o) => o.key !== org.key);

/** Readiness of a restarted process on an existing channel with the chaincode committed. */
export async function waitReady(
  install: FabricInstall,
  paths: Layout,
  name: ProcessName,
  offset: number,
  timeoutMs: number,
): Promise<void> {
  const org = orgOfProcess(name);
  if (name === 'orderer') {
    await waitOrdererServing(paths, offset, timeoutMs);
    await waitOrdererLeading(install, paths, offset, timeoutMs);
    return;
  }
  if (org === undefined) throw new Error(`no org for ${name}`);
  if (name.startsWith('peer-')) {
    await waitPeerStarted(paths, org, offset, timeoutMs);
    await waitPeerOnChannel(install, paths, org, timeoutMs);
    const other = otherOrg(org);
    if (other !== undefined && runningPid(paths, `peer-${other.key}`) !== undefined) {
      await waitPeerSees(paths, org, other, offset, timeoutMs);
    }
    return;
  }
  await waitListening(name, org.ccServerPort, timeoutMs);
  if (runningPid(paths, `peer-${org.key}`) !== undefined) {
    await poll(`${name} to answer through its peer`, () => queryMetadata(install, paths, org), { timeoutMs });
  }
}
