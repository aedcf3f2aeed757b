/**
 * Webhooks on the embedded SQLite file: the portable stores over better-sqlite3 (statements
 * prepared once per text, a write set as one synchronous transaction on the store's own
 * connection, so it interleaves with the group commit on one thread), and delivery through
 * undici with the partner connectors' address guard at connect time: a name that resolves to a
 * refused address (DNS rebinding) is refused before a byte is sent.
 */
import { Agent, buildConnector, request } from 'undici';
import {
  guardedLookup,
  type Resolver,
  resolvedHostRefusals,
  systemResolver,
} from '../../../connectors/declarative/guarded-transport.ts';
import type { ChangeFeedStore } from '../../core/change-feed.ts';
import type { WebhookSender } from '../../core/webhook-delivery.ts';
import type { EndpointCheck, WebhookStore } from '../../core/webhooks.ts';
import { createChangeFeedStore } from '../portable/change-feed-store.ts';
import type { Sealer } from '../portable/sealer.ts';
import { type WebhookAddressPolicy, webhookUrlRefusals } from '../portable/webhook-endpoint.ts';
import { createWebhookStore } from '../portable/webhook-store.ts';
import type { Db } from './sqlite-database.ts';
import { sqliteRunner } from './sqlite-runner.ts';

export interface SqliteWebhooks {
  readonly store: WebhookStore;
  readonly changes: ChangeFeedStore;
  /** The URL check at registration: scheme, address class, and every DNS answer. */
  readonly checkEndpoint: EndpointCheck;
  /** POSTs with the address guard at every connection. */
  readonly send: WebhookSender;
  close(): Promise<void>;
}

/**
 * @example const webhooks = createSqliteWebhooks({ db, sealer, policy: { allowLoopback: false } });
 */
export function createSqliteWebhooks(options: {
  readonly db: Db;
  readonly sealer: Sealer;
  readonly policy: WebhookAddressPolicy;
  readonly resolver?: Resolver;
}): SqliteWebhooks {
  const policy = { allowedHosts: [], ...options.policy };
  const resolver = options.resolver ?? systemResolver;
  const runner = sqliteRunner(options.db);
  const connect = buildConnector({ timeout: 5_000, lookup: guardedLookup(policy, resolver) });
  const agent = new Agent({
    connections: 8,
    keepAliveTimeout: 5_000,
    connect(connectOptions, callback) {
      // An IP-literal host never reaches the lookup hook: check it before any socket.
      const [refused] = webhookUrlRefusals(`${connectOptions.protocol}//${connectOptions.host}/`, policy);
      if (refused !== undefined) {
        callback(new Error(`webhook address refused: ${refused}`), null);
        return;
      }
      connect(connectOptions, callback);
    },
  });
  return {
    store: createWebhookStore(runner, options.sealer),
    changes: createChangeFeedStore(runner),
    async checkEndpoint(url) {
      const refused = webhookUrlRefusals(url, policy);
      return refused.length > 0 ? refused : resolvedHostRefusals(url, policy, resolver);
    },
    async send({ url, headers, body, timeoutMs }) {
      // Redirects are not followed (undici's request never does): a 3xx is a failure.
      const response = await request(url, {
        method: 'POST',
        headers: { ...headers, 'user-agent': 'eligibility-gateway-webhooks' },
        body,
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump();
      return response.statusCode;
    },
    close: () => agent.close(),
  };
}
