/**
 * Webhooks on D1: the portable stores over D1's binding (a write set is one `batch`, which D1
 * runs as a single transaction), delivery through the Worker's `fetch`. Workers have no DNS
 * hook, so the URL is judged at registration by its scheme and address class only.
 */
import type { D1Database } from '@cloudflare/workers-types';
import type { ChangeFeedStore } from '../../core/change-feed.ts';
import { fetchWebhookSender, type WebhookSender } from '../../core/webhook-delivery.ts';
import type { EndpointCheck, WebhookStore } from '../../core/webhooks.ts';
import { createChangeFeedStore } from '../portable/change-feed-store.ts';
import type { Sealer } from '../portable/sealer.ts';
import { type WebhookAddressPolicy, webhookUrlRefusals } from '../portable/webhook-endpoint.ts';
import { createWebhookStore } from '../portable/webhook-store.ts';
import { d1Runner } from './d1-runner.ts';

export interface D1Webhooks {
  readonly store: WebhookStore;
  readonly changes: ChangeFeedStore;
  readonly checkEndpoint: EndpointCheck;
  readonly send: WebhookSender;
}

/** @example const webhooks = createD1Webhooks({ client: env.DB, sealer, policy: { allowLoopback: false } }); */
export function createD1Webhooks(options: {
  readonly client: D1Database;
  readonly sealer: Sealer;
  readonly policy: WebhookAddressPolicy;
}): D1Webhooks {
  const runner = d1Runner(options.client);
  return {
    store: createWebhookStore(runner, options.sealer),
    changes: createChangeFeedStore(runner),
    checkEndpoint: async (url) => webhookUrlRefusals(url, options.policy),
    send: fetchWebhookSender(),
  };
}
