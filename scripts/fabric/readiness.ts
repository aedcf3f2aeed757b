/**
 * Readiness by polling: the peer's /healthz fails without Docker, so readiness comes
 * from log lines (read from the offset where this start began), osnadmin, and real
 * channel and chaincode queries.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { FabricInstall } from './fabric-install.ts';
import { adminEnv } from './node-specs.ts';
import { logSize, runningPid } from './processes.ts';
import { CHANNEL, type Layout, type PeerOrg, PORTS, type ProcessName } from './settings.ts';
import { poll, runTool } from './tools.ts';

function readFrom(file: string, offset: number): string {
  const size = logSize(file);
  if (size <= offset) return '';
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

/** Waits for `pattern` in the log after `offset`; `alive` lets a crashed process fail fast. */
function waitForLog(
  file: string,
  offset: number,
  pattern: RegExp,
  what: string,
  alive: () => boolean,
  timeoutMs = 60_000,
): Promise<true> {
  return poll(
    what,
    () => {
      if (pattern.test(readFrom(file, offset))) return true;
      if (!alive()) throw new Error(`the process exited; see ${file}`);
      return undefined;
    },
    { timeoutMs },
  );
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function osnadminFlags(paths: Layout): string[] {
  const tls = paths.orderer.adminTls;
  return [
    '-o',
    `127.0.0.1:${PORTS.ordererAdmin}`,
    '--ca-file',
    paths.orderer.tlsCa,
    '--client-cert',
    join(tls, 'client.crt'),
    '--client-key',
    join(tls, 'client.key'),
  ];
}

/** The orderer lists the channel as active with itself as consenter. */
async function ordererChannelActive(install: FabricInstall, paths: Layout): Promise<boolean> {
  const { stdout } = await runTool(install, 'osnadmin', [
    'channel',
    'list',
    ...osnadminFlags(paths),
    '--channelID',
    CHANNEL,
  ]);
  const body = stdout.slice(stdout.indexOf('{'));
  const info = JSON.parse(body) as { status?: string; consensusRelation?: string };
  return info.status === 'active' && info.consensusRelation === 'consenter';
}

/** The peer answers `peer channel getinfo` for the channel; returns its height. */
async function peerChannelHeight(install: FabricInstall, paths: Layout, org: PeerOrg): Promise<number> {
  const { stdout } = await runTool(
    install,
    'peer',
    ['channel', 'getinfo', '-c', CHANNEL],
    adminEnv(paths, org),
  );
  const match = /"height":(\d+)/.exec(stdout);
  if (match?.[1] === undefined) throw new Error(`unexpected getinfo output: ${stdout.trim()}`);
  return Number(match[1]);
}

/**
 * Cross-org gossip: right after a start the first TLS handshake to the other org can
 * fail, and until the peer sees it online every two-org endorsement fails.
 */
function gossipPattern(other: PeerOrg): RegExp {
  return new RegExp(
    `\\[${CHANNEL}\\] Membership view has changed\\..*peers went online:.*127\\.0\\.0\\.1:${other.port}`,
  );
}

const alive = (paths: Layout, name: ProcessName) => () => runningPid(paths, name) !== undefined;

/** The orderer (started when its log had `offset` bytes) accepts connections. */
export function waitOrdererServing(paths: Layout, offset: number, timeoutMs = 60_000): Promise<true> {
  const log = paths.log('orderer');
  return waitForLog(
    log,
    offset,
    /Beginning to serve requests/,
    'the orderer to serve',
    alive(paths, 'orderer'),
    timeoutMs,
  );
}

/** The orderer has a Raft leader (itself) for the channel and lists it as active. */
export async function waitOrdererLeading(
  install: FabricInstall,
  paths: Layout,
  offset: number,
  timeoutMs = 60_000,
): Promise<void> {
  // Raft elects in about 1 s on a new channel, 5-10 s after a restart.
  const leader = /Raft leader changed: \d+ -> [1-9]/;
  await waitForLog(paths.log('orderer'), offset, leader, 'a Raft leader', alive(paths, 'orderer'), timeoutMs);
  await poll(
    'the channel on the orderer',
    async () => (await ordererChannelActive(install, paths)) || undefined,
    {
      timeoutMs,
    },
  );
}

export function waitPeerStarted(
  paths: Layout,
  org: PeerOrg,
  offset: number,
  timeoutMs = 60_000,
): Promise<true> {
  const name = `peer-${org.key}` as const;
  return waitForLog(
    paths.log(name),
    offset,
    /Started peer with ID=/,
    `${name} to start`,
    alive(paths, name),
    timeoutMs,
  );
}

export function waitPeerOnChannel(
  install: FabricInstall,
  paths: Layout,
  org: PeerOrg,
  timeoutMs = 60_000,
): Promise<number> {
  return poll(`peer-${org.key} to serve ${CHANNEL}`, () => peerChannelHeight(install, paths, org), {
    timeoutMs,
  });
}

/** The org's peer logged the other org's peer online (since `offset`). */
export function waitPeerSees(
  paths: Layout,
  org: PeerOrg,
  other: PeerOrg,
  offset: number,
  timeoutMs = 90_000,
): Promise<true> {
  const name = `peer-${org.key}` as const;
  const what = `${name} to see ${other.mspId} (cross-org gossip)`;
  return waitForLog(paths.log(name), offset, gossipPattern(other), what, alive(paths, name), timeoutMs);
}

export async function waitListening(name: string, port: number, timeoutMs = 60_000): Promise<void> {
  await poll(`${name} to listen on ${port}`, async () => (await portOpen(port)) || undefined, { timeoutMs });
}
