/**
 * `fabric:up`: a cold start from an empty data folder to a chaincode answering on both
 * peers. Steps that do not depend on each other overlap (the chaincode builds while
 * the nodes start), since the machine has two shared cores.
 */
import { mkdirSync } from 'node:fs';
import {
  approveChaincode,
  buildContracts,
  commitChaincode,
  installChaincode,
  packageChaincode,
  packageId,
  queryMetadata,
} from './chaincode.ts';
import { networkStatus, stopProcess } from './control.ts';
import { createDataFolder } from './data-folder.ts';
import { type FabricInstall, locateFabric } from './fabric-install.ts';
import { generateChannelBlock, generateCrypto, writePeerCoreYaml } from './material.ts';
import { initialState, writeProfiles, writeState } from './network-state.ts';
import { adminEnv, chaincodeSpec, ordererSpec, peerSpec } from './node-specs.ts';
import { launch, type ProcessSpec, runningPid, saveSpec, terminate } from './processes.ts';
import {
  osnadminFlags,
  portOpen,
  waitListening,
  waitOrdererLeading,
  waitOrdererServing,
  waitPeerOnChannel,
  waitPeerSees,
  waitPeerStarted,
} from './readiness.ts';
import { CHANNEL, type Layout, layout, PEER_ORGS, PORTS, type ProcessName } from './settings.ts';
import { type Clock, createClock, poll, runTool } from './tools.ts';

export type UpResult =
  | { readonly alreadyRunning: true }
  | { readonly alreadyRunning: false; seconds: number };

export async function upNetwork(clock: Clock = createClock(), paths: Layout = layout()): Promise<UpResult> {
  const install = locateFabric();
  const status = networkStatus(paths);
  if (status.running) {
    clock.step(`network already running (data in ${paths.data}); nothing to do`);
    return { alreadyRunning: true };
  }
  for (const leftover of status.processes.filter((p) => p.running)) {
    clock.step(`stopping leftover ${leftover.name} (pid ${leftover.pid}) of an incomplete network`);
    await stopProcess(leftover.name, 5_000, paths);
  }
  await assertPortsFree();

  const startedAt = new Date();
  const phases: Record<string, number> = {};
  const mark = (phase: string, message: string) => {
    phases[phase] = Number(clock.elapsed().toFixed(2));
    clock.step(message);
  };
  createDataFolder(paths);
  mkdirSync(paths.orderer.home, { recursive: true });
  for (const org of PEER_ORGS) mkdirSync(paths.peer(org).home, { recursive: true });
  clock.step(`data folder ${paths.data}`);

  // Only the servers need the built chaincode: the build (slow when stale) overlaps the start.
  const built = buildContracts(clock);
  built.catch(() => {});
  const started: ProcessName[] = [];
  try {
    await generateCrypto(install, paths);
    writePeerCoreYaml(install, paths);
    await generateChannelBlock(install, paths);
    const pkg = await packageChaincode(paths);
    const id = await packageId(install, paths, pkg);
    mark('material', 'crypto material, channel block and chaincode package generated');

    const nodes = [ordererSpec(install, paths), ...PEER_ORGS.map((org) => peerSpec(install, paths, org))];
    for (const spec of nodes) start(paths, spec, started);
    clock.step(`started orderer and peers (pids in ${paths.pids})`);

    // Peers join from the genesis block and install locally: neither needs the orderer.
    const orderer = joinOrderer(install, paths).then(() =>
      mark('orderer', `orderer: channel ${CHANNEL} active, Raft leader elected`),
    );
    const peers = joinPeers(install, paths).then(async () => {
      mark('peers', `peers joined ${CHANNEL}: ${PEER_ORGS.map((o) => o.mspId).join(', ')}`);
      await Promise.all(PEER_ORGS.map((org) => installChaincode(install, paths, org, pkg)));
    });
    // The peer dials its chaincode server lazily, so servers may start before the commit.
    const servers = built.then(async () => {
      for (const org of PEER_ORGS) start(paths, chaincodeSpec(paths, org, id), started);
      await Promise.all(PEER_ORGS.map((org) => waitListening(`cc-${org.key}`, org.ccServerPort)));
    });
    await settleAll([orderer, peers, servers]);
    const gossip = waitForGossip(paths);
    gossip.catch(() => {});

    await Promise.all(PEER_ORGS.map((org) => approveChaincode(install, paths, org, id)));
    await commitChaincode(install, paths);
    mark('chaincode', `chaincode ${id} installed, approved by both orgs, committed`);
    await Promise.all(
      PEER_ORGS.map((org) =>
        poll(`GetMetadata through peer-${org.key}`, () => queryMetadata(install, paths, org), {
          timeoutMs: 60_000,
          intervalMs: 500,
        }),
      ),
    );
    mark('servers', 'chaincode servers answer GetMetadata through both peers');
    await gossip;
    mark('gossip', 'cross-org gossip: both peers see each other');

    const profiles = writeProfiles(paths);
    phases.total = Number(clock.elapsed().toFixed(2));
    const pids = Object.fromEntries(started.map((name) => [name, runningPid(paths, name)]));
    writeState(paths, initialState(paths, install, id, pids, profiles, startedAt, phases));
    clock.step(`profiles: ${Object.values(profiles).join(', ')}`);
    clock.step(`network up in ${phases.total.toFixed(1)} s`);
    return { alreadyRunning: false, seconds: phases.total };
  } catch (error) {
    // Leave the logs for diagnosis but no process behind.
    await Promise.all(started.map((name) => terminate(paths, name, 2_000)));
    throw new Error(`${error instanceof Error ? error.message : String(error)} (logs in ${paths.logs})`);
  }
}

function start(paths: Layout, spec: ProcessSpec, started: ProcessName[]): void {
  saveSpec(paths, spec);
  launch(paths, spec);
  started.push(spec.name);
}

async function assertPortsFree(): Promise<void> {
  const busy: number[] = [];
  for (const port of Object.values(PORTS)) if (await portOpen(port)) busy.push(port);
  if (busy.length > 0) {
    throw new Error(
      `port(s) ${busy.join(', ')} on 127.0.0.1 already in use: another network or service holds them`,
    );
  }
}

/** Like Promise.all, but waits for every step to finish before reporting the first failure. */
async function settleAll(steps: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(steps)).find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/**
 * Both peers log the other org online. Until then the gateway sees only its own org
 * and every two-org submit fails with FAILED_PRECONDITION.
 */
function waitForGossip(paths: Layout): Promise<unknown> {
  return Promise.all(
    PEER_ORGS.map((org) => {
      const other = PEER_ORGS.find((o) => o.key !== org.key);
      return other === undefined ? true : waitPeerSees(paths, org, other, 0);
    }),
  );
}

async function joinOrderer(install: FabricInstall, paths: Layout): Promise<void> {
  await waitOrdererServing(paths, 0);
  await runTool(install, 'osnadmin', [
    'channel',
    'join',
    ...osnadminFlags(paths),
    '--channelID',
    CHANNEL,
    '--config-block',
    paths.channelBlock,
  ]);
  await waitOrdererLeading(install, paths, 0);
}

/**
 * One peer after the other: a peer that dials the other org before that org's peer has
 * joined the channel is refused (its MSP is unknown there) and retries only after
 * gossip's reconnect interval. Joining in turn lets the second peer's first dial succeed.
 */
async function joinPeers(install: FabricInstall, paths: Layout): Promise<void> {
  await Promise.all(PEER_ORGS.map((org) => waitPeerStarted(paths, org, 0)));
  for (const org of PEER_ORGS) {
    await runTool(install, 'peer', ['channel', 'join', '-b', paths.channelBlock], adminEnv(paths, org));
    await waitPeerOnChannel(install, paths, org);
  }
}
