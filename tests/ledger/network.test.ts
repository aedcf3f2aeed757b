/**
 * The local Fabric network as the gateway's adapter meets it: the connection profiles'
 * shape (the adapter's only input), TLS names that match the certificates, a client
 * identity, every process running. Read-only, so it can run beside the ledger suite;
 * it needs `npm run fabric:up` first. The absent-binaries case needs no network.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkStatus } from '../../scripts/fabric/control.ts';
import { readState } from '../../scripts/fabric/network-state.ts';
import {
  BATCH_TIMEOUT_MS,
  layout,
  PEER_ORGS,
  PROCESS_NAMES,
  REPO_ROOT,
} from '../../scripts/fabric/settings.ts';

const TSX = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

describe('fabric network CLI without Fabric', () => {
  it('exits 3 with one line naming the folder it looked in', () => {
    const result = spawnSync(process.execPath, [TSX, 'scripts/fabric/network.ts', 'up'], {
      cwd: REPO_ROOT,
      env: { ...process.env, FABRIC_BIN: '/nonexistent/fabric/bin' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      "fabric: no Fabric binaries in /nonexistent/fabric/bin (missing: peer, orderer, configtxgen, cryptogen, osnadmin); install Fabric v2.5.16's release binaries there or set FABRIC_BIN\n",
    );
  });
});

describe('the running network', () => {
  const paths = layout();

  it('runs every process, recorded in network.json', () => {
    const status = networkStatus(paths);
    expect(status.recorded, `no network in ${paths.data}: run npm run fabric:up`).toBe(true);
    expect(status.processes.filter((p) => !p.running).map((p) => p.name)).toEqual([]);
    expect(status.processes.map((p) => p.name)).toEqual([...PROCESS_NAMES]);
    const state = readState(paths);
    expect(state?.batchTimeoutMs).toBe(BATCH_TIMEOUT_MS);
    expect(state?.endorsementPolicy).toBe("AND('JusticeMSP.peer','CivilAffairsMSP.peer')");
  });

  for (const org of PEER_ORGS) {
    it(`writes ${org.profileFile} in the adapter's shape, with ${org.mspId}'s client identity`, () => {
      const profile = JSON.parse(readFileSync(join(paths.profiles, org.profileFile), 'utf8'));
      expect(Object.keys(profile)).toEqual([
        'network',
        'channel',
        'chaincode',
        'mspId',
        'peer',
        'identity',
        'batchTimeoutMs',
        'organizations',
      ]);
      expect(profile).toMatchObject({
        network: 'egw-local',
        channel: 'legalaid',
        chaincode: 'log-anchor',
        mspId: org.mspId,
        peer: { endpoint: `127.0.0.1:${org.port}`, hostAlias: org.peerHost },
        batchTimeoutMs: BATCH_TIMEOUT_MS,
        organizations: ['JusticeMSP', 'CivilAffairsMSP'],
      });
      for (const file of [
        profile.peer.tlsRootCert,
        profile.identity.certificate,
        profile.identity.privateKey,
      ]) {
        expect(file.startsWith('/'), file).toBe(true);
        expect(existsSync(file), file).toBe(true);
      }
      // The client checks the peer's certificate against hostAlias (grpc.ssl_target_name_override).
      const server = new X509Certificate(readFileSync(join(paths.peer(org).tls, 'server.crt')));
      expect(server.subjectAltName?.split(', ')).toContain(`DNS:${org.peerHost}`);
      expect(server.checkIssued(new X509Certificate(readFileSync(profile.peer.tlsRootCert)))).toBe(true);
      // Writers admits the org's clients; the profile must not hand out the admin.
      const identity = new X509Certificate(readFileSync(profile.identity.certificate));
      expect(identity.subject).toContain('OU=client');
      expect(identity.subject).toContain(`CN=User1@${org.domain}`);
    });
  }
});
