/**
 * Every name, port and folder of the local network, in one place. Ports sit in the
 * uncommon 17050-17999 range so that the network never collides with another
 * engineer's services or with Fabric's sample defaults (7050, 7051, 9443...).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NETWORK_NAME = 'egw-local';
export const CHANNEL = 'legalaid';
export const CHAINCODE = 'log-anchor';
export const CHAINCODE_VERSION = '1.0';
export const CHAINCODE_LABEL = `${CHAINCODE}_${CHAINCODE_VERSION}`;
/** Commit latency at low load is about BatchTimeout, so keep it short for tests. */
export const BATCH_TIMEOUT_MS = 250;
export const ENDORSEMENT_POLICY = "AND('JusticeMSP.peer','CivilAffairsMSP.peer')";

export const PORTS = {
  orderer: 17050,
  ordererAdmin: 17053,
  ordererOperations: 17443,
  peerJustice: 17051,
  peerJusticeChaincode: 17052,
  peerJusticeOperations: 17444,
  peerCivil: 17151,
  peerCivilChaincode: 17152,
  peerCivilOperations: 17445,
  ccJustice: 17061,
  ccCivil: 17161,
} as const;

export interface PeerOrg {
  readonly key: 'justice' | 'civil';
  readonly mspId: 'JusticeMSP' | 'CivilAffairsMSP';
  readonly domain: string;
  readonly peerHost: string;
  readonly port: number;
  readonly chaincodePort: number;
  readonly operationsPort: number;
  readonly ccServerPort: number;
  readonly profileFile: string;
}

export const ORDERER_DOMAIN = 'orderer.egw.local';
export const ORDERER_HOST = `orderer0.${ORDERER_DOMAIN}`;

export const PEER_ORGS: readonly PeerOrg[] = [
  {
    key: 'justice',
    mspId: 'JusticeMSP',
    domain: 'justice.egw.local',
    peerHost: 'peer0.justice.egw.local',
    port: PORTS.peerJustice,
    chaincodePort: PORTS.peerJusticeChaincode,
    operationsPort: PORTS.peerJusticeOperations,
    ccServerPort: PORTS.ccJustice,
    profileFile: 'justice.json',
  },
  {
    key: 'civil',
    mspId: 'CivilAffairsMSP',
    domain: 'civil-affairs.egw.local',
    peerHost: 'peer0.civil-affairs.egw.local',
    port: PORTS.peerCivil,
    chaincodePort: PORTS.peerCivilChaincode,
    operationsPort: PORTS.peerCivilOperations,
    ccServerPort: PORTS.ccCivil,
    profileFile: 'civil-affairs.json',
  },
];

export const PROCESS_NAMES = ['orderer', 'peer-justice', 'peer-civil', 'cc-justice', 'cc-civil'] as const;
export type ProcessName = (typeof PROCESS_NAMES)[number];

export function isProcessName(value: string): value is ProcessName {
  return (PROCESS_NAMES as readonly string[]).includes(value);
}

export function orgOf(key: PeerOrg['key']): PeerOrg {
  const org = PEER_ORGS.find((o) => o.key === key);
  if (org === undefined) throw new Error(`unknown org ${key}`);
  return org;
}

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCRIPTS_DIR = join(REPO_ROOT, 'scripts', 'fabric');
export const CONTRACTS_DIR = join(REPO_ROOT, 'contracts');

/** The one folder holding every file the network writes. */
export function dataDir(): string {
  const override = process.env.EGW_FABRIC_DATA;
  return resolve(override !== undefined && override !== '' ? override : join(REPO_ROOT, '.fabric-network'));
}

/** Absolute paths inside the data folder, derived from cryptogen's fixed layout. */
export function layout(data = dataDir()) {
  const crypto = join(data, 'crypto');
  const ordererOrg = join(crypto, 'ordererOrganizations', ORDERER_DOMAIN);
  const ordererNode = join(ordererOrg, 'orderers', ORDERER_HOST);
  const peerOrg = (org: PeerOrg) => join(crypto, 'peerOrganizations', org.domain);
  return {
    data,
    config: join(data, 'config'),
    logs: join(data, 'logs'),
    log: (name: ProcessName) => join(data, 'logs', `${name}.log`),
    pids: join(data, 'pids'),
    specs: join(data, 'specs'),
    profiles: join(data, 'profiles'),
    chaincode: join(data, 'chaincode'),
    channelBlock: join(data, 'channel', `${CHANNEL}.block`),
    networkFile: join(data, 'network.json'),
    tlsBundle: join(data, 'config', 'tls-roots.pem'),
    crypto,
    orderer: {
      home: join(data, 'orderer'),
      msp: join(ordererNode, 'msp'),
      tls: join(ordererNode, 'tls'),
      tlsCa: join(ordererOrg, 'tlsca', `tlsca.${ORDERER_DOMAIN}-cert.pem`),
      adminTls: join(ordererOrg, 'users', `Admin@${ORDERER_DOMAIN}`, 'tls'),
    },
    peer: (org: PeerOrg) => ({
      home: join(data, `peer-${org.key}`),
      msp: join(peerOrg(org), 'peers', org.peerHost, 'msp'),
      tls: join(peerOrg(org), 'peers', org.peerHost, 'tls'),
      tlsCa: join(peerOrg(org), 'tlsca', `tlsca.${org.domain}-cert.pem`),
      adminMsp: join(peerOrg(org), 'users', `Admin@${org.domain}`, 'msp'),
      userMsp: join(peerOrg(org), 'users', `User1@${org.domain}`, 'msp'),
    }),
  };
}

export type Layout = ReturnType<typeof layout>;
