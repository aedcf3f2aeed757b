/**
 * Webhooks (issue 13): one URL per client, told of that client's superseded and reviewed
 * decisions. Events come from the durable supersession records through an outbox, so a crash
 * between a decision and its delivery loses nothing; delivery is at least once and receivers
 * dedupe on the event id. Events hold ids, outcomes and links, never personal data.
 */
import type { Decision } from '../../schemas/decision.ts';
import type { WebhookEvent, WebhookEventType } from '../../schemas/webhook.ts';
import { GatewayError } from './errors.ts';
import { newWebhookSecret } from './webhook-signature.ts';

/** A registered webhook as clients see it (never its secret). */
export interface WebhookView {
  readonly url: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One supersession as events and the change feed report it. */
export interface DecisionChange {
  readonly type: WebhookEventType;
  /** The new decision. */
  readonly decisionId: string;
  /** The decision it replaces. */
  readonly supersedes: string;
  readonly outcome: Decision['outcome'];
  readonly reviewRequired: boolean;
  /** When the new decision was given (ISO instant). */
  readonly at: string;
}

/** A pending delivery whose time has come, with what is needed to send it. */
export interface DueDelivery {
  readonly eventId: string;
  readonly clientId: string;
  readonly url: string;
  /** The client's secret bytes, unsealed. */
  readonly secret: Uint8Array;
  readonly change: DecisionChange;
  /** Attempts made so far. */
  readonly attempts: number;
  /** When the event entered the outbox: retries stop 24 h after it. */
  readonly createdAt: string;
}

/** What became of one attempt. */
export type DeliverySettlement =
  | { readonly state: 'delivered'; readonly status: number; readonly at: string }
  | { readonly state: 'pending'; readonly status: number | null; readonly nextAttemptAt: number }
  | { readonly state: 'failed'; readonly status: number | null };

/**
 * Webhooks and their outbox.
 * - `put` MUST create or replace the client's webhook in one write, sealing the secret. A new
 *   webhook's cursor MUST be the highest supersession leaf index at that moment (-1 when none):
 *   it is told of later events only. A replaced one keeps its cursor and its pending events.
 * - `remove` MUST delete the webhook and its pending deliveries together; false when none.
 * - `enqueue` MUST, per webhook, insert the delivery rows of the supersessions of that client's
 *   decisions after its cursor (in leaf order, at most `limit`) AND advance the cursor in ONE
 *   atomic write set that changes nothing when the cursor moved meanwhile; an event id is the
 *   primary key, so a repeated or interrupted pass neither loses nor duplicates a row.
 * - `due` MUST answer pending rows whose next attempt is at or before `nowMs`, oldest first.
 * - `settle` MUST change a row only while it is pending.
 * @example
 * await store.put({ clientId: 'intake-a', url: 'https://intake.example/hooks', secret, at: now.toISOString() });
 */
export interface WebhookStore {
  put(input: {
    readonly clientId: string;
    readonly url: string;
    readonly secret: Uint8Array;
    readonly at: string;
  }): Promise<WebhookView>;
  get(clientId: string): Promise<WebhookView | undefined>;
  remove(clientId: string): Promise<boolean>;
  enqueue(input: { readonly now: Date; readonly limit: number }): Promise<number>;
  due(nowMs: number, limit: number): Promise<readonly DueDelivery[]>;
  settle(eventId: string, settlement: DeliverySettlement): Promise<void>;
}

/**
 * Why the operator's address policy refuses a webhook URL (empty: allowed). The runtime
 * supplies it: the same guards as partner connector endpoints.
 */
export type EndpointCheck = (url: string) => Promise<readonly string[]>;

/** What the `/v1/webhooks` routes need. */
export interface WebhookService {
  /** Creates or replaces the caller's webhook; the secret is in this answer only. */
  register(
    clientId: string,
    url: string,
  ): Promise<{ readonly webhook: WebhookView; readonly secret: string; readonly created: boolean }>;
  get(clientId: string): Promise<WebhookView>;
  remove(clientId: string): Promise<void>;
}

/**
 * @example
 * const webhooks = createWebhookService({ store, checkEndpoint, clock: { now: () => new Date() } });
 * const { secret } = await webhooks.register('intake-a', 'https://intake.example/hooks');
 */
export function createWebhookService(options: {
  readonly store: WebhookStore;
  readonly checkEndpoint: EndpointCheck;
  readonly clock: { now(): Date };
}): WebhookService {
  const { store } = options;
  const missing = () => new GatewayError('ERR_NOT_FOUND', 'no webhook for this client');
  return {
    async register(clientId, url) {
      const problems = await options.checkEndpoint(url);
      if (problems.length > 0)
        throw new GatewayError('ERR_VALIDATION', 'the webhook URL is refused by the address policy', {
          errors: problems.map((message) => ({ path: '/url', message })),
          facts: { problems: problems.length },
        });
      const existed = (await store.get(clientId)) !== undefined;
      const secret = newWebhookSecret();
      const webhook = await store.put({
        clientId,
        url,
        secret: secret.bytes,
        at: options.clock.now().toISOString(),
      });
      return { webhook, secret: secret.text, created: !existed };
    },
    async get(clientId) {
      const webhook = await store.get(clientId);
      if (!webhook) throw missing();
      return webhook;
    },
    async remove(clientId) {
      if (!(await store.remove(clientId))) throw missing();
    },
  };
}

/** The event type of a supersession cause. */
export function eventTypeOf(cause: string): WebhookEventType {
  return cause === 'review' ? 'decision.reviewed' : 'decision.superseded';
}

/** The stable id of the event about a new decision: receivers dedupe on it. */
export function eventIdOf(decisionId: string): string {
  return `evt_${decisionId}`;
}

/**
 * The body of the event about one change: ids, outcome and links only.
 * @example const body = JSON.stringify(webhookEvent(change));
 */
export function webhookEvent(change: DecisionChange): WebhookEvent {
  return {
    type: change.type,
    timestamp: change.at,
    data: {
      decisionId: change.decisionId,
      supersedes: change.supersedes,
      outcome: change.outcome,
      reviewRequired: change.reviewRequired,
      links: {
        decision: `/v1/verifications/${encodeURIComponent(change.decisionId)}`,
        superseded: `/v1/verifications/${encodeURIComponent(change.supersedes)}`,
      },
    },
  };
}
