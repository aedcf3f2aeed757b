/**
 * The Workers runtime (workerd / Cloudflare Workers): the only place that chooses
 * implementations there — D1 for state, the LogSequencerObject Durable Object as the log's
 * single sequencer, fetch for the registries (the mTLS certificate binding for HRSS), keys
 * from secrets — and serves the same createApp and the same core as src/runtime/node.ts.
 * The gateway is built once per isolate, on its first request.
 */
import type { ExecutionContext, ScheduledController } from '@cloudflare/workers-types';
import { drizzle } from 'drizzle-orm/d1';
import { createCivilAffairsClient } from '../../connectors/civil-affairs/civil-affairs-client.ts';
import { createDisabilityClient } from '../../connectors/disability/disability-client.ts';
import { createHrssClient } from '../../connectors/hrss/hrss-client.ts';
import { createFetchTransport } from '../../connectors/shared/fetch-transport.ts';
import type { Source } from '../../schemas/index.ts';
import { createCheckpointSigner } from '../adapters/portable/checkpoint-signer.ts';
import { createIndicatorStore } from '../adapters/portable/indicator-store.ts';
import { createJoseSigner } from '../adapters/portable/jose-signer.ts';
import { webCryptoJws } from '../adapters/portable/jws.ts';
import { createOperationsStore } from '../adapters/portable/operations-store.ts';
import { createReverificationQueue } from '../adapters/portable/reverification-queue.ts';
import * as schema from '../adapters/portable/schema.ts';
import { createSealer } from '../adapters/portable/sealer.ts';
import { d1Runner } from '../adapters/workers/d1-runner.ts';
import { createD1Store } from '../adapters/workers/d1-store.ts';
import { createD1Webhooks } from '../adapters/workers/d1-webhooks.ts';
import { sequencerClient } from '../adapters/workers/sequencer-client.ts';
import {
  dataKeyRing,
  registryDeadlineMs,
  signingKeys,
  trustedIssuers,
  type WorkerEnv,
  webhookAddressPolicy,
  workerPeers,
  workerRegion,
  workerRegistries,
} from '../adapters/workers/worker-env.ts';
import { GatewayError } from '../core/errors.ts';
import { regionalPolicy } from '../core/policy/index.ts';
import type { Connector, ConnectorRegistry } from '../core/ports.ts';
import {
  createReverificationWorker,
  type ReverificationWorker,
  reverificationOperations,
} from '../core/reverification-worker.ts';
import { createVerificationService } from '../core/verification-service.ts';
import { runWebhookPass, type WebhookPassResult } from '../core/webhook-delivery.ts';
import { createWebhookService } from '../core/webhooks.ts';
import { createApp } from '../http/app.ts';
import { languageOf, PROBLEM_MEDIA_TYPE, problemFor } from '../http/problems.ts';
import { readinessOf } from '../http/readiness.ts';
import { wireFederation } from './federation-wiring.ts';

export { LogSequencerObject } from '../adapters/workers/log-sequencer-object.ts';
export type { WorkerEnv } from '../adapters/workers/worker-env.ts';

type Gateway = ReturnType<typeof createApp>;

/** What one isolate builds once: the app, and the re-verification worker the Cron Trigger runs. */
interface Built {
  readonly app: Gateway;
  readonly reverification: ReverificationWorker;
}

/**
 * Builds the gateway from the Worker's bindings. Configuration errors name the variable.
 * @example const app = await createWorkerGateway(env); return app.fetch(request);
 */
export async function createWorkerGateway(env: WorkerEnv): Promise<Gateway> {
  return (await buildWorker(env)).app;
}

async function buildWorker(env: WorkerEnv): Promise<Built> {
  const db = drizzle(env.DB, { schema });
  const sealer = await createSealer(dataKeyRing(env));
  const { privateJwk, retired } = signingKeys(env);
  const signer = await createJoseSigner({
    privateJwk,
    alg: privateJwk.kty === 'OKP' ? 'EdDSA' : 'ES256',
    retiredPublicJwks: retired,
  });
  const checkpoints = createCheckpointSigner(env.LOG_NOTE_SIGNER_KEY);
  const store = createD1Store({
    db,
    sealer,
    sequencer: sequencerClient(env.LOG_SEQUENCER),
    origin: checkpoints.origin,
    verifierKey: checkpoints.verifierKey,
  });

  const registries = workerRegistries(env);
  const mtls = env.HRSS_MTLS;
  const connectors: { readonly [S in Source]: Connector<S> } = {
    civil_affairs: createCivilAffairsClient(
      registries.civilAffairs,
      createFetchTransport({ baseUrl: registries.civilAffairs.baseUrl }),
    ),
    // The client certificate is the binding's: HRSS config on Workers carries no PEMs.
    hrss: createHrssClient(
      createFetchTransport({
        baseUrl: registries.hrss.baseUrl,
        ...(mtls ? { fetch: (input: string, init: RequestInit) => mtls.fetch(input, init) } : {}),
      }),
    ),
    disability: createDisabilityClient(
      registries.disability,
      createFetchTransport({ baseUrl: registries.disability.baseUrl }),
      webCryptoJws,
    ),
  };
  const registry: ConnectorRegistry = {
    get: (source) => connectors[source] as Connector<typeof source> | undefined,
  };
  const region = workerRegion(env);
  const peers = workerPeers(env);
  const peerFetch = env.PEER_FETCH;
  // Issue 16: peers through the fetch transport; alarms as console lines (no Prometheus here).
  const federation =
    peers.length > 0
      ? wireFederation({
          region,
          origin: checkpoints.origin,
          peers,
          signer,
          log: store,
          connectors: registry,
          clock: { now: () => new Date() },
          newId: () => crypto.randomUUID(),
          registryDeadlineMs: registryDeadlineMs(env),
          alarmLine: (line) => console.error(line),
          ...(peerFetch ? { fetch: (url: string, init: RequestInit) => peerFetch.fetch(url, init) } : {}),
        })
      : undefined;
  const service = createVerificationService({
    ...(federation ? { federation: federation.service } : {}),
    policies: [regionalPolicy(region)],
    connectors: registry,
    store,
    signer,
    clock: { now: () => new Date() },
    newId: () => crypto.randomUUID(),
    registryDeadlineMs: registryDeadlineMs(env),
  });

  // Re-verification: no timer on Workers; the Cron Trigger runs a pass (see `scheduled`), and
  // leases keep two overlapping runs off the same row.
  const clock = { now: () => new Date() };
  const runner = d1Runner(env.DB);
  const queue = createReverificationQueue(runner);
  const reverification = createReverificationWorker({ queue, reverify: service.reverify, clock });

  const webhooks = createD1Webhooks({ client: env.DB, sealer, policy: webhookAddressPolicy(env) });
  const app = createApp({
    ...(federation ? { federation: federation.route } : {}),
    service,
    log: store,
    tracker: store,
    signer,
    auth: { issuers: trustedIssuers(env) },
    webhooks: createWebhookService({
      store: webhooks.store,
      checkEndpoint: webhooks.checkEndpoint,
      clock: { now: () => new Date() },
    }),
    changes: webhooks.changes,
    reverification: reverificationOperations(queue, reverification, clock),
    indicators: createIndicatorStore(runner),
    operations: createOperationsStore(runner),
    readiness: () =>
      readinessOf(
        connectors,
        () =>
          env.DB.prepare('SELECT 1')
            .first()
            .then(() => true),
        'disabled',
      ),
  });
  return { app, reverification };
}

/**
 * One webhook delivery pass (outbox, then due deliveries), for the Worker's Cron Trigger.
 * @example ctx.waitUntil(runWebhookDeliveries(env));
 */
export async function runWebhookDeliveries(env: WorkerEnv): Promise<WebhookPassResult> {
  const sealer = await createSealer(dataKeyRing(env));
  const webhooks = createD1Webhooks({ client: env.DB, sealer, policy: webhookAddressPolicy(env) });
  return runWebhookPass({ store: webhooks.store, send: webhooks.send });
}

const gateways = new WeakMap<WorkerEnv, Promise<Built>>();

function gatewayFor(env: WorkerEnv): Promise<Built> {
  let gateway = gateways.get(env);
  if (!gateway) {
    gateway = buildWorker(env);
    // A broken configuration is retried on the next request, not cached forever.
    gateway.catch(() => gateways.delete(env));
    gateways.set(env, gateway);
  }
  return gateway;
}

/** The module Worker's handlers. */
export const worker = {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    let app: Gateway;
    try {
      app = (await gatewayFor(env)).app;
    } catch (error) {
      // The message names the variable at fault, never its value; the client gets no detail.
      console.error(`gateway configuration: ${error instanceof Error ? error.message : 'unknown error'}`);
      const lang = languageOf(request.headers.get('Accept-Language'));
      const { status, body } = problemFor(new GatewayError('ERR_NOT_READY', 'not configured'), lang);
      return new Response(JSON.stringify(body), {
        status,
        headers: {
          'content-type': PROBLEM_MEDIA_TYPE,
          'content-language': lang,
          'cache-control': 'no-store',
        },
      });
    }
    return app.fetch(request);
  },

  /** The Cron Trigger (wrangler.toml `[triggers] crons`): the background passes, each on its own. */
  async scheduled(_controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(runWebhookDeliveries(env).catch(logPassFailure('webhook_pass')));
    ctx.waitUntil(
      gatewayFor(env)
        .then(({ reverification }) => reverification.runOnce())
        .catch(logPassFailure('reverification_pass')),
    );
  },
};

/** One line naming the pass and the error's code, never its message (it may quote a URL). */
function logPassFailure(event: string): (error: unknown) => void {
  return (error) =>
    console.error(
      JSON.stringify({
        level: 'error',
        event,
        code: error instanceof GatewayError ? error.code : 'ERR_INTERNAL',
      }),
    );
}

// biome-ignore lint/style/noDefaultExport: workerd loads a module Worker's handlers from its default export.
export default worker;
