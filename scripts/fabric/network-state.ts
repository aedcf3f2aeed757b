/**
 * `<data>/network.json` (what runs, where, how long it took to start) and the
 * connection profiles the gateway's Fabric adapter reads, one per peer org.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FabricInstall } from './fabric-install.ts';
import {
  BATCH_TIMEOUT_MS,
  CHAINCODE,
  CHANNEL,
  ENDORSEMENT_POLICY,
  type Layout,
  NETWORK_NAME,
  PEER_ORGS,
  type PeerOrg,
  PORTS,
  PROCESS_NAMES,
  type ProcessName,
} from './settings.ts';

export interface NetworkState {
  readonly network: string;
  readonly dataDir: string;
  readonly fabric: FabricInstall;
  readonly channel: string;
  readonly chaincode: string;
  readonly packageId: string;
  readonly endorsementPolicy: string;
  readonly batchTimeoutMs: number;
  readonly ports: typeof PORTS;
  readonly processes: Record<ProcessName, { pid: number | null; log: string }>;
  readonly profiles: Record<string, string>;
  readonly startedAt: string;
  /** Seconds from the start of `up` to the end of each phase, and in total. */
  readonly startSeconds: Readonly<Record<string, number>>;
}

/** The profile shape the gateway's adapter reads: absolute paths, one org's client identity. */
export interface ConnectionProfile {
  readonly network: string;
  readonly channel: string;
  readonly chaincode: string;
  readonly mspId: string;
  readonly peer: { readonly endpoint: string; readonly hostAlias: string; readonly tlsRootCert: string };
  readonly identity: { readonly certificate: string; readonly privateKey: string };
  readonly batchTimeoutMs: number;
  readonly organizations: readonly string[];
}

function onlyFile(dir: string): string {
  const [file, ...rest] = readdirSync(dir);
  if (file === undefined || rest.length > 0) throw new Error(`expected exactly one file in ${dir}`);
  return join(dir, file);
}

export function connectionProfile(paths: Layout, org: PeerOrg): ConnectionProfile {
  const user = paths.peer(org).userMsp;
  return {
    network: NETWORK_NAME,
    channel: CHANNEL,
    chaincode: CHAINCODE,
    mspId: org.mspId,
    peer: {
      endpoint: `127.0.0.1:${org.port}`,
      hostAlias: org.peerHost,
      tlsRootCert: paths.peer(org).tlsCa,
    },
    identity: {
      certificate: onlyFile(join(user, 'signcerts')),
      privateKey: onlyFile(join(user, 'keystore')),
    },
    batchTimeoutMs: BATCH_TIMEOUT_MS,
    organizations: PEER_ORGS.map((o) => o.mspId),
  };
}

export function writeProfiles(paths: Layout): Record<string, string> {
  const written: Record<string, string> = {};
  for (const org of PEER_ORGS) {
    const file = join(paths.profiles, org.profileFile);
    writeFileSync(file, `${JSON.stringify(connectionProfile(paths, org), null, 2)}\n`);
    written[org.mspId] = file;
  }
  return written;
}

export function initialState(
  paths: Layout,
  fabric: FabricInstall,
  packageId: string,
  pids: Readonly<Partial<Record<ProcessName, number>>>,
  profiles: Record<string, string>,
  startedAt: Date,
  startSeconds: Readonly<Record<string, number>>,
): NetworkState {
  const processes = Object.fromEntries(
    PROCESS_NAMES.map((name) => [name, { pid: pids[name] ?? null, log: paths.log(name) }]),
  ) as NetworkState['processes'];
  return {
    network: NETWORK_NAME,
    dataDir: paths.data,
    fabric,
    channel: CHANNEL,
    chaincode: CHAINCODE,
    packageId,
    endorsementPolicy: ENDORSEMENT_POLICY,
    batchTimeoutMs: BATCH_TIMEOUT_MS,
    ports: PORTS,
    processes,
    profiles,
    startedAt: startedAt.toISOString(),
    startSeconds,
  };
}

export function readState(paths: Layout): NetworkState | undefined {
  if (!existsSync(paths.networkFile)) return undefined;
  return JSON.parse(readFileSync(paths.networkFile, 'utf8')) as NetworkState;
}

export function writeState(paths: Layout, state: NetworkState): void {
  writeFileSync(paths.networkFile, `${JSON.stringify(state, null, 2)}\n`);
}

/** Records a restarted (or stopped: null) process's PID. */
export function recordPid(paths: Layout, name: ProcessName, pid: number | null): void {
  const state = readState(paths);
  if (state === undefined) return;
  writeState(paths, {
    ...state,
    processes: { ...state.processes, [name]: { ...state.processes[name], pid } },
  });
}
