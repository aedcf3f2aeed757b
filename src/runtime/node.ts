/**
 * The Node runtime: the only place that chooses implementations for the embedded default
 * (SQLite file, undici connectors, Prometheus, file-backed keys) and serves createApp.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BuiltInConnectorConfig, createBuiltInConnectors } from '../../connectors/index.ts';
import type { Source } from '../../schemas/common.ts';
import type { PeerGateway } from '../../schemas/federation.ts';
import { createCheckpointSigner } from '../adapters/node/checkpoint-signer.ts';
import { loadDataKeyRing, loadNoteSignerKey } from '../adapters/node/data-keys.ts';
import { acquireDataLock } from '../adapters/node/data-lock.ts';
import { createFabricLedgerAnchor } from '../adapters/node/fabric-ledger-anchor.ts';
import type { FabricProfile } from '../adapters/node/fabric-profile.ts';
import { registerIndicatorMetrics } from '../adapters/node/indicator-metrics.ts';
import { devIssuerConfig, loadSigningKey } from '../adapters/node/key-files.ts';
import { nodeAesGcm } from '../adapters/node/node-aes-gcm.ts';
import { nodeHashes } from '../adapters/node/node-hashes.ts';
import { type HttpLimits, serveNodeHttp } from '../adapters/node/node-http-server.ts';
import { nodeJws } from '../adapters/node/node-jws.ts';
import {
  createPartnerConnectors,
  loadConnectorPolicy,
  type PartnerConnectorSettings,
} from '../adapters/node/partner-connectors.ts';
import { createPrometheusMetrics } from '../adapters/node/prometheus-metrics.ts';
import { createSqliteAnchorOutbox } from '../adapters/node/sqlite-anchor-outbox.ts';
import { openDatabase } from '../adapters/node/sqlite-database.ts';
import { sqliteRunner } from '../adapters/node/sqlite-runner.ts';
import { createSqliteStore, type SqliteStore } from '../adapters/node/sqlite-store.ts';
import { createSqliteWebhooks } from '../adapters/node/sqlite-webhooks.ts';
import { DEFAULT_HEAP_GROWING_PERCENT, limitHeapGrowth } from '../adapters/node/v8-heap.ts';
import { createIndicatorStore } from '../adapters/portable/indicator-store.ts';
import { createJoseSigner } from '../adapters/portable/jose-signer.ts';
import { createOperationsStore } from '../adapters/portable/operations-store.ts';
import { createReverificationQueue } from '../adapters/portable/reverification-queue.ts';
import { createSealer, type Sealer } from '../adapters/portable/sealer.ts';
import type { SqlRunner } from '../adapters/portable/sql-runner.ts';
import { type AnchorWorker, createAnchorWorker } from '../core/anchoring/anchor-worker.ts';
import { GatewayError } from '../core/errors.ts';
import { useHashes } from '../core/log/hashes.ts';
import { regionalPolicy } from '../core/policy/index.ts';
import type { Connector } from '../core/ports.ts';
import { withRegistryQuota } from '../core/registry-quota.ts';
import type { ReverificationOperations } from '../core/reverification-worker.ts';
import {
  createReverificationWorker,
  type ReverificationWorker,
  reverificationOperations,
} from '../core/reverification-worker.ts';
import { createVerificationService, type VerificationService } from '../core/verification-service.ts';
import { createWebhookWorker, type WebhookWorker } from '../core/webhook-delivery.ts';
import { createWebhookService } from '../core/webhooks.ts';
import { createApp, type RequestLogger } from '../http/app.ts';
import type { TrustedIssuer } from '../http/auth.ts';
import { readinessOf } from '../http/readiness.ts';
import { wireFederation } from './federation-wiring.ts';

export interface GatewayConfig {
  /** Keys, the SQLite file and the development issuer live here. */
  readonly dataDir: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** The log's origin line (C2SP checkpoint); also the note key's name. */
  readonly logOrigin?: string;
  /** One deadline for all registry queries of a request. */
  readonly registryDeadlineMs?: number;
  /** The region whose policy decides (`egw start --region`): `cn-320100` (default) or `cn-320500`. */
  readonly region?: string;
  /** Peer gateways of other regions (`egw start --peers FILE`, issue 16); none by default. */
  readonly peers?: readonly PeerGateway[];
  readonly registries: BuiltInConnectorConfig;
  /**
   * Queries per second each registry grants the gateway; online requests are served
   * before batch ones (`X-EGW-Priority: batch`). A registry left out is not limited.
   */
  readonly registryQuotas?: Readonly<Partial<Record<Source, number>>>;
  /** Trusted token issuers besides the development issuer. */
  readonly issuers?: readonly TrustedIssuer[];
  /** Accept tokens from `egw token` (development issuer under dataDir). Default true. */
  readonly trustDevIssuer?: boolean;
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** Where request log lines go; default none. Lines never carry personal data. */
  readonly logger?: RequestLogger;
  /**
   * Partner connectors (`/v1/connectors`): the endpoint allowlist and address policy. Default:
   * `<data>/connector-policy.json`, or no host allowed when it is absent.
   */
  readonly connectors?: PartnerConnectorSettings;
  /**
   * Where checkpoints are anchored: `embedded` (default; none) or a Fabric network through one
   * organisation's connection profile. Decisions never wait for the ledger.
   */
  readonly ledger?:
    | { readonly kind: 'embedded' }
    | { readonly kind: 'fabric'; readonly profile: FabricProfile };
  /**
   * The re-verification worker: how often it looks for due rows (default 30 s), and its retry
   * backoff (first delay, doubled per attempt up to the maximum; defaults 60 s and 6 h).
   */
  readonly reverification?: {
    readonly intervalMs?: number;
    readonly backoffBaseMs?: number;
    readonly backoffMaxMs?: number;
  };
  /**
   * Webhook delivery: how often a pass runs (default 5 s; 0: never on a timer, only `runOnce`),
   * the first retry delay (default 5 s, doubled per attempt) and each attempt's timeout. URLs
   * obey the partner connectors' address policy (`connectors`: allowLoopback, allowPrivate).
   */
  readonly webhooks?: {
    readonly intervalMs?: number;
    readonly retryBaseMs?: number;
    readonly timeoutMs?: number;
  };
  /** Header, request and keep-alive timeouts and the connection cap; defaults in DEFAULT_HTTP_LIMITS. */
  readonly http?: Partial<HttpLimits>;
  /**
   * Logs of at most this many leaves are rehashed in full before the gateway listens; larger
   * ones in the background. Default DEFAULT_STARTUP_FULL_CHECK_LEAVES.
   */
  readonly startupFullCheckLeaves?: number;
  /**
   * V8's old-generation growth between major collections, in per cent (limitHeapGrowth): default
   * DEFAULT_HEAP_GROWING_PERCENT, 0 for V8's own heuristics (more memory, a little less CPU).
   */
  readonly heapGrowingPercent?: number;
}

/** About a quarter of a second of rehashing on a laptop core. */
export const DEFAULT_STARTUP_FULL_CHECK_LEAVES = 65_536;

export interface RunningGateway {
  readonly url: string;
  readonly store: SqliteStore;
  /** The anchor worker, when a ledger is configured. */
  readonly anchoring?: AnchorWorker;
  /** The re-verification worker (runs every `reverification.intervalMs`). */
  readonly reverification: ReverificationWorker;
  /** Webhook delivery passes (on a timer every `webhooks.intervalMs`, or on demand). */
  readonly webhooks: WebhookWorker;
  /** The HTTP limits the server runs with. */
  readonly httpLimits: HttpLimits;
  /** Settles when the log's full integrity check is done (at once when it ran before listening). */
  readonly integrityCheck: Promise<unknown>;
  close(): Promise<void>;
}

export const DEFAULT_LOG_ORIGIN = 'eligibility-gateway.local/log';

/**
 * @example
 * const gw = await startGateway({ dataDir: './data', port: 8080, registries: sandboxes.connectorConfig });
 */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  // The log's hashes and commitments through node:crypto (the core's default is pure JavaScript).
  useHashes(nodeHashes);
  limitHeapGrowth(config.heapGrowingPercent ?? DEFAULT_HEAP_GROWING_PERCENT);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // One gateway per data folder: two sequencers of one log would serve stale checkpoints.
  const lock = acquireDataLock(config.dataDir);
  try {
    const running = await startLocked(config);
    return {
      ...running,
      async close() {
        try {
          await running.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function startLocked(config: GatewayConfig): Promise<RunningGateway> {
  const origin = config.logOrigin ?? DEFAULT_LOG_ORIGIN;
  const sealer = await createSealer(loadDataKeyRing(config.dataDir), nodeAesGcm);
  const checkpoints = createCheckpointSigner(loadNoteSignerKey(config.dataDir, origin));
  const db = openDatabase(join(config.dataDir, 'gateway.sqlite'), {
    synchronous: config.synchronous ?? 'FULL',
  });
  let store: SqliteStore;
  let fullCheckNow = false;
  try {
    // Creating the store checks the log's head in O(log n): the latest signed checkpoint
    // against the compact range. A small log is then rehashed in full before serving
    // (tampering is refused loudly at start-up); a larger one in the background once the
    // server listens, so start-up does not grow with history. A failure there stops the log
    // growing and fails /readyz.
    store = createSqliteStore({ db, sealer, checkpoints });
    fullCheckNow = store.treeSize <= (config.startupFullCheckLeaves ?? DEFAULT_STARTUP_FULL_CHECK_LEAVES);
    if (fullCheckNow) store.verifyIntegrity();
  } catch (error) {
    db.$client.close();
    throw error;
  }

  const signer = await createJoseSigner(await loadSigningKey(config.dataDir), nodeJws);
  const connectors = createBuiltInConnectors(config.registries, nodeJws);
  const quotas = config.registryQuotas ?? {};
  const limit = <S extends Source>(c: Connector<S>): Connector<S> => {
    const rate = quotas[c.source];
    return rate === undefined ? c : withRegistryQuota(c, { ratePerSecond: rate });
  };
  const limited: { readonly [S in Source]: Connector<S> } = {
    civil_affairs: limit(connectors.civil_affairs),
    hrss: limit(connectors.hrss),
    disability: limit(connectors.disability),
  };
  // Built-ins plus the active partner connectors, swapped atomically on activation.
  const partners = await createPartnerConnectors({
    dataDir: config.dataDir,
    db,
    sealer,
    log: store,
    builtIns: limited,
    ...(config.connectors ? { settings: config.connectors } : {}),
  });
  const registry = partners.registry;
  const metrics = createPrometheusMetrics();
  metrics.gauge('egw_log_size', 'Leaves in the transparency log', () => store.treeSize);
  // One runner for the portable stores: its prepared statements are shared.
  const runner = sqliteRunner(db);
  const indicators = createIndicatorStore(runner);
  registerIndicatorMetrics(metrics, indicators);
  const region = config.region ?? 'cn-320100';
  const federation =
    config.peers && config.peers.length > 0
      ? wireFederation({
          region,
          origin,
          peers: config.peers,
          signer,
          log: store,
          connectors: registry,
          clock: { now: () => new Date() },
          newId: randomUUID,
          registryDeadlineMs: config.registryDeadlineMs ?? 800,
          alarmLine: (line) => process.stderr.write(`${line}\n`),
          countAlarm: metrics.counter('egw_federation_alarms_total', 'Peer gateway facts made unavailable', [
            'region',
            'reason',
          ]).inc,
        })
      : undefined;
  const service = createVerificationService({
    ...(federation ? { federation: federation.service } : {}),
    policies: [regionalPolicy(region)],
    connectors: registry,
    store,
    signer,
    clock: { now: () => new Date() },
    newId: randomUUID,
    registryDeadlineMs: config.registryDeadlineMs ?? 800,
    observe: metrics.observeStep,
  });
  const anchoring = config.ledger?.kind === 'fabric' ? startAnchoring(config, db, store, metrics) : undefined;
  const reverification = await startReverification(config, runner, service, metrics);
  const webhooks = startWebhooks(config, db, sealer);
  const issuers = [...(config.issuers ?? [])];
  if (config.trustDevIssuer ?? true) issuers.push(await devIssuerConfig(config.dataDir));

  const app = createApp({
    ...(federation ? { federation: federation.route } : {}),
    service,
    log: store,
    tracker: store,
    signer,
    auth: { issuers },
    metrics,
    connectors: partners.service,
    webhooks: webhooks.service,
    changes: webhooks.changes,
    reverification: reverification.operations,
    indicators,
    operations: createOperationsStore(runner),
    registryQuotas: quotas,
    logger: config.logger,
    readiness: () => readinessOf(connectors, () => store.healthy(), anchoring?.readiness() ?? 'disabled'),
  });

  const { server, limits } = await serveNodeHttp({
    fetch: app.fetch,
    hostname: config.host ?? '127.0.0.1',
    port: config.port ?? 0,
    ...(config.http ? { limits: config.http } : {}),
  });
  const integrityCheck = fullCheckNow
    ? Promise.resolve()
    : store.checkIntegrityInBackground().catch((error: unknown) => {
        const code = error instanceof GatewayError ? error.code : 'ERR_LOG_INTEGRITY';
        const detail = error instanceof Error ? error.message : 'unknown';
        process.stderr.write(
          `${JSON.stringify({ time: new Date().toISOString(), level: 'fatal', event: 'log_integrity', code, detail })}\n`,
        );
      });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    url: `http://${config.host ?? '127.0.0.1'}:${port}`,
    store,
    httpLimits: limits,
    integrityCheck,
    ...(anchoring ? { anchoring: anchoring.worker } : {}),
    webhooks: webhooks.worker,
    reverification: reverification.worker,
    async close() {
      await reverification.worker.stop();
      await anchoring?.close();
      await webhooks.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open; in-flight requests still finish.
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      });
      await Promise.all(Object.values(connectors).map((c) => c.close?.()));
      await partners.close();
      db.$client.close();
    },
  };
}

/**
 * The re-verification worker on the store's own connection. It is the only one (the data
 * folder's lock), so leases a killed process held are released at once: nothing waits for them.
 */
async function startReverification(
  config: GatewayConfig,
  runner: SqlRunner,
  service: VerificationService,
  metrics: ReturnType<typeof createPrometheusMetrics>,
): Promise<{ worker: ReverificationWorker; operations: ReverificationOperations }> {
  const queue = createReverificationQueue(runner);
  await queue.releaseLeases();
  const clock = { now: () => new Date() };
  const settings = config.reverification ?? {};
  const results = metrics.counter(
    'egw_reverifications_total',
    'Re-verification attempts by result (superseded, deferred, closed, failed)',
    ['result'],
  );
  const worker = createReverificationWorker({
    queue,
    reverify: service.reverify,
    clock,
    ...(settings.backoffBaseMs === undefined ? {} : { backoffBaseMs: settings.backoffBaseMs }),
    ...(settings.backoffMaxMs === undefined ? {} : { backoffMaxMs: settings.backoffMaxMs }),
    observe: (item) => results.inc({ result: item.result }),
  });
  worker.start(settings.intervalMs ?? 30_000);
  return { worker, operations: reverificationOperations(queue, worker, clock) };
}

/**
 * Webhooks on the store's own connection, under the partner connectors' address policy, and
 * the delivery timer. A failed pass is one line on stderr (codes, never URLs or bodies).
 */
function startWebhooks(config: GatewayConfig, db: ReturnType<typeof openDatabase>, sealer: Sealer) {
  const policy = config.connectors ?? loadConnectorPolicy(config.dataDir);
  const adapters = createSqliteWebhooks({
    db,
    sealer,
    policy: {
      ...(policy.allowLoopback === undefined ? {} : { allowLoopback: policy.allowLoopback }),
      ...(policy.allowPrivate === undefined ? {} : { allowPrivate: policy.allowPrivate }),
    },
    ...(policy.resolver ? { resolver: policy.resolver } : {}),
  });
  const settings = config.webhooks ?? {};
  const worker = createWebhookWorker({
    store: adapters.store,
    send: adapters.send,
    ...(settings.retryBaseMs === undefined ? {} : { retry: { baseMs: settings.retryBaseMs } }),
    ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    onError(error) {
      const code = error instanceof GatewayError ? error.code : 'ERR_INTERNAL';
      process.stderr.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: 'error', event: 'webhook_pass', code })}\n`,
      );
    },
  });
  const intervalMs = settings.intervalMs ?? 5_000;
  if (intervalMs > 0) worker.start(intervalMs);
  return {
    service: createWebhookService({
      store: adapters.store,
      checkEndpoint: adapters.checkEndpoint,
      clock: { now: () => new Date() },
    }),
    changes: adapters.changes,
    worker,
    async close() {
      await worker.stop();
      await adapters.close();
    },
  };
}

/** A checkpoint waiting longer than this means anchoring is stalled (healthy lag is under 1 s). */
const ANCHOR_STALL_SECONDS = 10;

/**
 * The anchor worker on the store's own connection, with its gauges and its alarm: one line on
 * stderr, a metric, and a `/readyz` detail. Decisions are not held back by any of it.
 */
function startAnchoring(
  config: GatewayConfig,
  db: ReturnType<typeof openDatabase>,
  store: SqliteStore,
  metrics: ReturnType<typeof createPrometheusMetrics>,
): { worker: AnchorWorker; readiness(): 'ok' | 'degraded' | 'alarm'; close(): Promise<void> } {
  if (config.ledger?.kind !== 'fabric') throw new Error('no ledger');
  const ledger = createFabricLedgerAnchor({ profile: config.ledger.profile });
  const outbox = createSqliteAnchorOutbox({ db, log: store, ledger });
  let unavailable = 0;
  let anchored = 0;
  const worker = createAnchorWorker({
    source: outbox,
    ledger,
    onAlarm(alarm) {
      process.stderr.write(
        `${JSON.stringify({ time: alarm.at.toISOString(), level: 'error', event: 'ledger_alarm', code: alarm.code, detail: alarm.detail })}\n`,
      );
    },
    onUnavailable: () => {
      unavailable += 1;
    },
    onAnchored: () => {
      anchored += 1;
    },
  });
  metrics.gauge('egw_ledger_alarm', 'Whether the ledger refused an anchor (1) and anchoring stopped', () =>
    worker.alarm ? 1 : 0,
  );
  metrics.gauge(
    'egw_anchor_backlog_checkpoints',
    'Checkpoints waiting to be anchored',
    () => outbox.backlog().checkpoints,
  );
  metrics.gauge(
    'egw_anchor_backlog_age_seconds',
    'Age of the oldest checkpoint waiting to be anchored',
    () => outbox.backlog().oldestSeconds,
  );
  metrics.gauge('egw_anchor_transactions', 'Anchor transactions committed since start', () => anchored);
  metrics.gauge(
    'egw_ledger_unavailable',
    'Ledger calls that failed since start (outage, timeout)',
    () => unavailable,
  );
  worker.start();
  return {
    worker,
    // Degraded while the last ledger call failed, or while the oldest waiting checkpoint is
    // older than a healthy anchor lag could explain (a call hanging on a dead peer until its
    // deadline has not failed yet, but nothing is being anchored).
    readiness: () =>
      worker.alarm
        ? 'alarm'
        : worker.unavailable || outbox.backlog().oldestSeconds > ANCHOR_STALL_SECONDS
          ? 'degraded'
          : 'ok',
    async close() {
      await worker.stop();
      ledger.close();
    },
  };
}
