/**
 * Starts the three sandbox registries on loopback and hands back what a gateway needs to
 * reach them. Used by `egw start`, `egw sandbox`, and the integration tests.
 */
import type { Fault, Fixtures } from '../../schemas/registry-records.ts';
import type { BuiltInConnectorConfig } from '../built-in-config.ts';
import {
  type CivilAffairsSandbox,
  startCivilAffairsSandbox,
} from '../civil-affairs/civil-affairs-sandbox.ts';
import { type DisabilitySandbox, startDisabilitySandbox } from '../disability/disability-sandbox.ts';
import { type HrssSandbox, startHrssSandbox } from '../hrss/hrss-sandbox.ts';
import type { LatencyProfiles } from './latency-model.ts';
import { createSandboxPki } from './sandbox-pki.ts';
import type { SandboxRequestRecord } from './sandbox-server.ts';

/** Options of `startSandboxes`. */
export interface StartSandboxesOptions {
  /** Synthetic people and records (see `loadFixtures`, `generatePopulation`). */
  readonly fixtures: Fixtures;
  /** Delay of the `slow` fault. Default 5000 ms. */
  readonly slowMs?: number;
  /** Loopback address to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Benchmarks: a latency model per registry. Default none: every sandbox answers at once. */
  readonly latency?: LatencyProfiles;
  /** Records each sandbox's request log keeps (default 10,000) and whether identity numbers in it are masked (default true). */
  readonly requestLog?: { readonly limit?: number; readonly maskSubjects?: boolean };
}

/** The three running sandboxes. */
export interface Sandboxes {
  readonly civilAffairs: CivilAffairsSandbox;
  readonly hrss: HrssSandbox;
  readonly disability: DisabilitySandbox;
  /** Everything the gateway needs to talk to them (URLs, credentials); serialisable; secret. */
  readonly connectorConfig: BuiltInConnectorConfig;
  /** Every sandbox's request log, oldest first. */
  requestLog(): readonly SandboxRequestRecord[];
  clearRequestLogs(): void;
  /** Replaces the faults of all three (each applies those for its own source). */
  setFaults(faults: readonly Fault[]): void;
  /** Replaces the latency profiles of all three (a source left out answers at once). */
  setLatency(profiles: LatencyProfiles): void;
  close(): Promise<void>;
}

/**
 * Starts the civil affairs, HRSS and disability federation sandboxes.
 * @example
 * const sandboxes = await startSandboxes({ fixtures: await loadFixtures('tests/fixtures/sandbox-basic.json') });
 * const connectors = createBuiltInConnectors(sandboxes.connectorConfig, nodeJws);
 * // … later
 * await sandboxes.close();
 */
export async function startSandboxes(options: StartSandboxesOptions): Promise<Sandboxes> {
  const common = {
    fixtures: options.fixtures,
    faults: options.fixtures.faults,
    ...(options.slowMs === undefined ? {} : { slowMs: options.slowMs }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.requestLog?.limit === undefined ? {} : { requestLogLimit: options.requestLog.limit }),
    ...(options.requestLog?.maskSubjects === undefined
      ? {}
      : { maskSubjects: options.requestLog.maskSubjects }),
  };
  const pki = await createSandboxPki();
  const latency = options.latency ?? {};
  const started = await Promise.allSettled([
    startCivilAffairsSandbox({ ...common, latency: latency.civil_affairs }),
    startHrssSandbox({ ...common, pki, latency: latency.hrss }),
    startDisabilitySandbox({ ...common, latency: latency.disability }),
  ] as const);
  const [civil, hrss, disability] = started;
  if (civil.status === 'rejected' || hrss.status === 'rejected' || disability.status === 'rejected') {
    // Do not leave the ones that did start listening.
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
    const failed = started.find((s) => s.status === 'rejected');
    throw failed?.status === 'rejected' ? failed.reason : new Error('a sandbox failed to start');
  }
  const all = [civil.value, hrss.value, disability.value];
  return {
    civilAffairs: civil.value,
    hrss: hrss.value,
    disability: disability.value,
    connectorConfig: {
      civilAffairs: {
        baseUrl: civil.value.url,
        appKey: civil.value.appKey,
        appSecret: civil.value.appSecret,
      },
      hrss: {
        baseUrl: hrss.value.url,
        caPem: pki.caCertPem,
        clientCertPem: pki.clientCertPem,
        clientKeyPem: pki.clientKeyPem,
      },
      disability: {
        baseUrl: disability.value.url,
        issuer: disability.value.issuer,
        audience: disability.value.audience,
        kid: disability.value.kid,
        privateJwk: { ...disability.value.privateJwk },
      },
    },
    requestLog: () =>
      all.flatMap((s) => s.requestLog()).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)),
    clearRequestLogs: () => {
      for (const s of all) s.clearRequestLog();
    },
    setFaults: (faults) => {
      for (const s of all) s.setFaults(faults);
    },
    setLatency: (profiles) => {
      for (const s of all) s.setLatency(profiles[s.source]);
    },
    close: async () => {
      await Promise.all(all.map((s) => s.close()));
    },
  };
}
