/**
 * How each process runs: Fabric's sample config overridden by environment variables
 * (absolute paths only: relative ones resolve against FABRIC_CFG_PATH), loopback
 * addresses, and data under the one data folder instead of /var/hyperledger.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FabricInstall } from './fabric-install.ts';
import type { ProcessSpec } from './processes.ts';
import {
  CONTRACTS_DIR,
  type Layout,
  ORDERER_HOST,
  orgOf,
  type PeerOrg,
  PORTS,
  type ProcessName,
} from './settings.ts';

/** Fabric's default format without colour codes, which only clutter a log file. */
const LOG_FORMAT = '%{time:2006-01-02 15:04:05.000 MST} %{level:.4s} [%{module}] %{shortfunc} -> %{message}';

const list = (items: readonly string[]) => `[${items.join(',')}]`;

export function ordererSpec(install: FabricInstall, paths: Layout): ProcessSpec {
  const tls = paths.orderer.tls;
  const home = paths.orderer.home;
  return {
    name: 'orderer',
    command: join(install.bin, 'orderer'),
    args: [],
    cwd: home,
    log: paths.log('orderer'),
    env: {
      FABRIC_CFG_PATH: install.config,
      FABRIC_LOGGING_SPEC: 'INFO',
      FABRIC_LOGGING_FORMAT: LOG_FORMAT,
      ORDERER_GENERAL_LISTENADDRESS: '127.0.0.1',
      ORDERER_GENERAL_LISTENPORT: String(PORTS.orderer),
      ORDERER_GENERAL_LOCALMSPID: 'OrdererMSP',
      ORDERER_GENERAL_LOCALMSPDIR: paths.orderer.msp,
      ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
      ORDERER_GENERAL_TLS_ENABLED: 'true',
      ORDERER_GENERAL_TLS_CERTIFICATE: join(tls, 'server.crt'),
      ORDERER_GENERAL_TLS_PRIVATEKEY: join(tls, 'server.key'),
      ORDERER_GENERAL_TLS_ROOTCAS: list([join(tls, 'ca.crt')]),
      // Raft needs its cluster client identity even with a single consenter.
      ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: join(tls, 'server.crt'),
      ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: join(tls, 'server.key'),
      ORDERER_GENERAL_CLUSTER_ROOTCAS: list([join(tls, 'ca.crt')]),
      ORDERER_FILELEDGER_LOCATION: join(home, 'ledger'),
      ORDERER_CONSENSUS_WALDIR: join(home, 'etcdraft', 'wal'),
      ORDERER_CONSENSUS_SNAPDIR: join(home, 'etcdraft', 'snapshot'),
      ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
      ORDERER_ADMIN_LISTENADDRESS: `127.0.0.1:${PORTS.ordererAdmin}`,
      ORDERER_ADMIN_TLS_ENABLED: 'true',
      ORDERER_ADMIN_TLS_CERTIFICATE: join(tls, 'server.crt'),
      ORDERER_ADMIN_TLS_PRIVATEKEY: join(tls, 'server.key'),
      ORDERER_ADMIN_TLS_ROOTCAS: list([join(tls, 'ca.crt')]),
      ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
      ORDERER_ADMIN_TLS_CLIENTROOTCAS: list([paths.orderer.tlsCa]),
      ORDERER_OPERATIONS_LISTENADDRESS: `127.0.0.1:${PORTS.ordererOperations}`,
      ORDERER_METRICS_PROVIDER: 'disabled',
    },
  };
}

export function peerSpec(install: FabricInstall, paths: Layout, org: PeerOrg): ProcessSpec {
  const peer = paths.peer(org);
  const address = `127.0.0.1:${org.port}`;
  return {
    name: `peer-${org.key}`,
    command: join(install.bin, 'peer'),
    args: ['node', 'start'],
    cwd: peer.home,
    log: paths.log(`peer-${org.key}`),
    env: {
      FABRIC_CFG_PATH: paths.config,
      FABRIC_LOGGING_SPEC: 'INFO',
      FABRIC_LOGGING_FORMAT: LOG_FORMAT,
      CORE_PEER_ID: org.peerHost,
      CORE_PEER_LOCALMSPID: org.mspId,
      CORE_PEER_MSPCONFIGPATH: peer.msp,
      CORE_PEER_LISTENADDRESS: address,
      CORE_PEER_ADDRESS: address,
      CORE_PEER_CHAINCODELISTENADDRESS: `127.0.0.1:${org.chaincodePort}`,
      CORE_PEER_CHAINCODEADDRESS: `127.0.0.1:${org.chaincodePort}`,
      // Without an external endpoint the peer stays invisible to other orgs and the gateway.
      CORE_PEER_GOSSIP_BOOTSTRAP: address,
      CORE_PEER_GOSSIP_ENDPOINT: address,
      CORE_PEER_GOSSIP_EXTERNALENDPOINT: address,
      // Whichever peer joins the channel first dials the other before that one knows its
      // MSP and is refused; the retry waits this long (default 25 s).
      CORE_PEER_GOSSIP_RECONNECTINTERVAL: '2s',
      // How often membership changes are logged; readiness waits for that log line.
      CORE_PEER_GOSSIP_MEMBERSHIPTRACKERINTERVAL: '1s',
      // The block stream's retry delay doubles up to this; the default (an hour) would keep
      // a peer blind long after a restarted orderer is back.
      CORE_PEER_DELIVERYCLIENT_RECONNECTBACKOFFTHRESHOLD: '2s',
      CORE_PEER_TLS_ENABLED: 'true',
      CORE_PEER_TLS_CERT_FILE: join(peer.tls, 'server.crt'),
      CORE_PEER_TLS_KEY_FILE: join(peer.tls, 'server.key'),
      CORE_PEER_TLS_ROOTCERT_FILE: paths.tlsBundle,
      CORE_PEER_FILESYSTEMPATH: join(peer.home, 'production'),
      CORE_LEDGER_STATE_STATEDATABASE: 'goleveldb',
      CORE_LEDGER_SNAPSHOTS_ROOTDIR: join(peer.home, 'snapshots'),
      CORE_OPERATIONS_LISTENADDRESS: `127.0.0.1:${org.operationsPort}`,
      CORE_METRICS_PROVIDER: 'disabled',
      // fabric-shim 2.5.8 exits on the peer's keepalive messages.
      CORE_CHAINCODE_KEEPALIVE: '0',
      CORE_CHAINCODE_EXTERNALBUILDERS: `[{name: ccaas_builder, path: ${join(install.builders, 'ccaas')}, propagateEnvironment: [CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG]}]`,
      // Fills `{{.ccport}}` in the package's connection.json: one package, one server per org.
      CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG: JSON.stringify({ ccport: String(org.ccServerPort) }),
    },
  };
}

/** fabric-shim's CLI, resolved so that node runs it directly (npm would orphan it on SIGTERM). */
export function chaincodeCli(): string {
  const cli = join(CONTRACTS_DIR, 'node_modules', 'fabric-shim', 'cli.js');
  if (!existsSync(cli)) throw new Error(`fabric-shim is not installed in ${CONTRACTS_DIR}/node_modules`);
  return cli;
}

export function chaincodeSpec(paths: Layout, org: PeerOrg, packageId: string): ProcessSpec {
  return {
    name: `cc-${org.key}`,
    command: process.execPath,
    args: [
      chaincodeCli(),
      'server',
      '--chaincode-address',
      `127.0.0.1:${org.ccServerPort}`,
      '--chaincode-id',
      packageId,
    ],
    cwd: CONTRACTS_DIR,
    log: paths.log(`cc-${org.key}`),
    env: { CHAINCODE_SERVER_ADDRESS: `127.0.0.1:${org.ccServerPort}`, CHAINCODE_ID: packageId },
  };
}

/** Environment for `peer` CLI commands run as an org's admin against its own peer. */
export function adminEnv(paths: Layout, org: PeerOrg): Record<string, string> {
  return {
    FABRIC_CFG_PATH: paths.config,
    CORE_PEER_LOCALMSPID: org.mspId,
    CORE_PEER_MSPCONFIGPATH: paths.peer(org).adminMsp,
    CORE_PEER_ADDRESS: `127.0.0.1:${org.port}`,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: paths.peer(org).tlsCa,
  };
}

/** Flags every orderer-facing `peer` command needs. */
export function ordererFlags(paths: Layout): string[] {
  return [
    '-o',
    `127.0.0.1:${PORTS.orderer}`,
    '--ordererTLSHostnameOverride',
    ORDERER_HOST,
    '--tls',
    '--cafile',
    paths.orderer.tlsCa,
  ];
}

export function orgOfProcess(name: ProcessName): PeerOrg | undefined {
  if (name.endsWith('-justice')) return orgOf('justice');
  if (name.endsWith('-civil')) return orgOf('civil');
  return undefined;
}
