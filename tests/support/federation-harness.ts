/**
 * Two regions on loopback (issue 16): a Nanjing and a Suzhou gateway, each in this process
 * with its own sandbox registries, data folder and log, each trusting the other through a
 * trust list. Keys are made on a first start; both gateways then restart on fixed ports with
 * each other's JWKS and log key. `nanjingTrusts` lets a test point Nanjing at an impostor, a
 * tampering proxy or a wrong key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandboxes, startSandboxes } from '../../connectors/index.ts';
import type { PeerGateway } from '../../schemas/federation.ts';
import type { FixturesInput, VerificationRequest } from '../../schemas/index.ts';
import { Fixtures } from '../../schemas/registry-records.ts';
import { issueDevToken } from '../../src/adapters/node/key-files.ts';
import { type RunningGateway, startGateway } from '../../src/runtime/node.ts';
import { freePort } from './free-port.ts';
import { ALL_SCOPES } from './gateway-harness.ts';

export interface RegionGateway {
  readonly region: string;
  readonly origin: string;
  readonly url: string;
  readonly dataDir: string;
  readonly sandboxes: Sandboxes;
  readonly gateway: RunningGateway;
  /** This gateway as its peers' trust lists name it. */
  readonly entry: PeerGateway;
  verify(body: VerificationRequest): Promise<Response>;
  token(scopes?: string): Promise<string>;
}

export interface Regions {
  readonly nanjing: RegionGateway;
  readonly suzhou: RegionGateway;
  close(): Promise<void>;
}

export interface RegionsOptions {
  readonly nanjing: FixturesInput;
  readonly suzhou: FixturesInput;
  readonly deadlineMs?: number;
  /** What Nanjing's trust list says about Suzhou; default the truth. */
  readonly nanjingTrusts?: (suzhou: PeerGateway) => PeerGateway;
}

let keys = 0;

/** A region's sandboxes, data folder, port and trust-list entry, its keys made by a first start. */
export interface Prepared {
  readonly region: string;
  readonly origin: string;
  readonly dataDir: string;
  readonly port: number;
  readonly sandboxes: Sandboxes;
  readonly entry: PeerGateway;
}

/** @example const suzhou = await prepareRegion('cn-320500', fixtures); */
export async function prepareRegion(region: string, fixtures: FixturesInput): Promise<Prepared> {
  const dataDir = mkdtempSync(join(tmpdir(), `egw-${region}-`));
  const port = await freePort();
  const origin = `${region}.gateway.test/log`;
  const sandboxes = await startSandboxes({
    fixtures: Fixtures.parse(fixtures),
    requestLog: { maskSubjects: false },
  });
  // First start: the data folder's keys are made; read the JWKS and the log key, then stop.
  const first = await startGateway({
    dataDir,
    port,
    registries: sandboxes.connectorConfig,
    region,
    logOrigin: origin,
  });
  const jwks = (await (await fetch(`${first.url}/.well-known/jwks.json`)).json()) as PeerGateway['jwks'];
  const entry = { region, baseUrl: first.url, logOrigin: origin, logKey: first.store.verifierKey, jwks };
  await first.close();
  return { region, origin, dataDir, port, sandboxes, entry };
}

/** @example const gw = await runRegion(suzhou, [nanjingEntry], 1500); */
export async function runRegion(
  p: Prepared,
  peers: readonly PeerGateway[],
  deadlineMs: number,
): Promise<RegionGateway> {
  const gateway = await startGateway({
    dataDir: p.dataDir,
    port: p.port,
    registries: p.sandboxes.connectorConfig,
    region: p.region,
    logOrigin: p.origin,
    peers,
    registryDeadlineMs: deadlineMs,
    reverification: { intervalMs: 3_600_000, backoffBaseMs: 60_000 },
  });
  const token = (scopes = ALL_SCOPES) =>
    issueDevToken({ dataDir: p.dataDir, scopes, clientId: 'intake-a', ttlSeconds: 3600 });
  return {
    region: p.region,
    origin: p.origin,
    url: gateway.url,
    dataDir: p.dataDir,
    sandboxes: p.sandboxes,
    gateway,
    entry: p.entry,
    token,
    async verify(body) {
      return fetch(`${gateway.url}/v1/verifications`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await token()}`,
          'content-type': 'application/json',
          'idempotency-key': `federation-${process.pid}-${keys++}`,
          'accept-language': 'en',
        },
        body: JSON.stringify(body),
      });
    },
  };
}

/** @example const regions = await startRegions({ nanjing: fixturesA, suzhou: fixturesB }); */
export async function startRegions(options: RegionsOptions): Promise<Regions> {
  const deadlineMs = options.deadlineMs ?? 1500;
  const [n, s] = await Promise.all([
    prepareRegion('cn-320100', options.nanjing),
    prepareRegion('cn-320500', options.suzhou),
  ]);
  const trusted = options.nanjingTrusts?.(s.entry) ?? s.entry;
  const nanjing = await runRegion(n, [trusted], deadlineMs);
  const suzhou = await runRegion(s, [n.entry], deadlineMs);
  return {
    nanjing,
    suzhou,
    async close() {
      for (const r of [nanjing, suzhou]) {
        await r.gateway.close();
        await r.sandboxes.close();
        rmSync(r.dataDir, { recursive: true, force: true });
      }
    },
  };
}
