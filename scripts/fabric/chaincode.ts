/**
 * The chaincode in `contracts/` as a service: built if stale (its own sources or the
 * gateway's `src/core`, whose log maths its build compiles in), packaged as ccaas
 * (the peer only learns an address), installed on both peers, approved by both orgs
 * and committed with an endorsement policy naming both.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FabricInstall } from './fabric-install.ts';
import { adminEnv, ordererFlags } from './node-specs.ts';
import {
  CHAINCODE,
  CHAINCODE_LABEL,
  CHAINCODE_VERSION,
  CHANNEL,
  CONTRACTS_DIR,
  ENDORSEMENT_POLICY,
  type Layout,
  PEER_ORGS,
  type PeerOrg,
} from './settings.ts';
import { type Clock, runCommand, runTool } from './tools.ts';

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

function mtime(path: string): number {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

/** The file fabric-shim loads: the chaincode package's `main`. */
function chaincodeMain(): string {
  const { main } = JSON.parse(readFileSync(join(CONTRACTS_DIR, 'package.json'), 'utf8')) as {
    main?: unknown;
  };
  if (typeof main !== 'string') throw new Error(`${CONTRACTS_DIR}/package.json has no main`);
  return main;
}

/**
 * `npm ci` when node_modules predates the lockfile, `npm run build` when dist predates the
 * sources. The sources include all of `src/core`: the build compiles the parts of it the
 * chaincode imports (contracts/tsconfig.json), and core files import only core files.
 */
export async function buildContracts(clock: Clock): Promise<void> {
  const lock = join(CONTRACTS_DIR, 'package-lock.json');
  if (mtime(join(CONTRACTS_DIR, 'node_modules', '.package-lock.json')) < mtime(lock)) {
    clock.step('contracts: npm ci');
    await runCommand('npm', ['ci', '--no-audit', '--no-fund'], { cwd: CONTRACTS_DIR, timeoutMs: 300_000 });
  }
  const sources = Math.max(
    newestMtime(join(CONTRACTS_DIR, 'src')),
    newestMtime(join(CONTRACTS_DIR, '..', 'src', 'core')),
    mtime(join(CONTRACTS_DIR, 'tsconfig.json')),
    mtime(join(CONTRACTS_DIR, 'package.json')),
  );
  if (mtime(join(CONTRACTS_DIR, chaincodeMain())) < sources) {
    clock.step('contracts: npm run build');
    await runCommand('npm', ['run', 'build'], { cwd: CONTRACTS_DIR, timeoutMs: 300_000 });
  }
}

/** Writes the ccaas package (metadata.json + code.tar.gz holding connection.json); returns its path. */
export async function packageChaincode(paths: Layout): Promise<string> {
  const dir = join(paths.chaincode, 'package');
  mkdirSync(dir, { recursive: true });
  // The builder fills {{.ccport}} per peer, so each org reaches its own chaincode server.
  writeFileSync(
    join(dir, 'connection.json'),
    JSON.stringify({ address: '127.0.0.1:{{.ccport}}', dial_timeout: '10s', tls_required: false }),
  );
  writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ type: 'ccaas', label: CHAINCODE_LABEL }));
  await runCommand('tar', ['-czf', 'code.tar.gz', 'connection.json'], { cwd: dir });
  const file = join(paths.chaincode, `${CHAINCODE}.tar.gz`);
  await runCommand('tar', ['-czf', file, 'metadata.json', 'code.tar.gz'], { cwd: dir });
  return file;
}

export async function packageId(install: FabricInstall, paths: Layout, file: string): Promise<string> {
  const org = PEER_ORGS[0];
  if (org === undefined) throw new Error('no peer org configured');
  const { stdout } = await runTool(
    install,
    'peer',
    ['lifecycle', 'chaincode', 'calculatepackageid', file],
    adminEnv(paths, org),
  );
  return stdout.trim();
}

export async function installChaincode(install: FabricInstall, paths: Layout, org: PeerOrg, file: string) {
  await runTool(install, 'peer', ['lifecycle', 'chaincode', 'install', file], adminEnv(paths, org), 120_000);
}

const definition = [
  '--channelID',
  CHANNEL,
  '--name',
  CHAINCODE,
  '--version',
  CHAINCODE_VERSION,
  '--sequence',
  '1',
  '--signature-policy',
  ENDORSEMENT_POLICY,
];

export async function approveChaincode(install: FabricInstall, paths: Layout, org: PeerOrg, id: string) {
  await runTool(
    install,
    'peer',
    ['lifecycle', 'chaincode', 'approveformyorg', ...ordererFlags(paths), ...definition, '--package-id', id],
    adminEnv(paths, org),
  );
}

/** Commits through both peers: the lifecycle endorsement policy is MAJORITY of two. */
export async function commitChaincode(install: FabricInstall, paths: Layout): Promise<void> {
  const org = PEER_ORGS[0];
  if (org === undefined) throw new Error('no peer org configured');
  const peers = PEER_ORGS.flatMap((o) => [
    '--peerAddresses',
    `127.0.0.1:${o.port}`,
    '--tlsRootCertFiles',
    paths.peer(o).tlsCa,
  ]);
  await runTool(
    install,
    'peer',
    ['lifecycle', 'chaincode', 'commit', ...ordererFlags(paths), ...definition, ...peers],
    adminEnv(paths, org),
  );
}

/** A real evaluate through the org's peer, which reaches that org's chaincode server. */
export async function queryMetadata(install: FabricInstall, paths: Layout, org: PeerOrg): Promise<string> {
  const { stdout } = await runTool(
    install,
    'peer',
    [
      'chaincode',
      'query',
      '-C',
      CHANNEL,
      '-n',
      CHAINCODE,
      '-c',
      JSON.stringify({ function: 'org.hyperledger.fabric:GetMetadata', Args: [] }),
    ],
    adminEnv(paths, org),
    20_000,
  );
  return stdout;
}
