/**
 * One pass of webhook delivery, the same on Node (a timer) and Workers (a Cron Trigger):
 * (a) new supersessions into the outbox, (b) every due delivery POSTed, signed per Standard
 * Webhooks. A 2xx marks it delivered (only then: at least once); anything else is retried
 * with exponential backoff and jitter until 24 h after the event entered the outbox.
 */

import { signWebhook } from './webhook-signature.ts';
import type { WebhookStore } from './webhooks.ts';
import { webhookEvent } from './webhooks.ts';

/** One POST: the status the receiver answered. Rejects on a network error or the timeout. */
export type WebhookSender = (request: {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}) => Promise<number>;

export interface WebhookRetryPolicy {
  /** Delay after the first failure; doubled after each further one. Default 5 s. */
  readonly baseMs: number;
  /** Longest delay between two attempts. Default 1 h. */
  readonly maxMs: number;
  /** Retries stop this long after the event entered the outbox. Default 24 h. */
  readonly windowMs: number;
}

export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = Object.freeze({
  baseMs: 5_000,
  maxMs: 3_600_000,
  windowMs: 24 * 3_600_000,
});

export interface WebhookDeliveryOptions {
  readonly store: WebhookStore;
  readonly send: WebhookSender;
  readonly clock?: () => Date;
  /** In [0, 1); the jitter's source. Default Math.random. */
  readonly random?: () => number;
  readonly retry?: Partial<WebhookRetryPolicy>;
  /** Per attempt. Default 5 s. */
  readonly timeoutMs?: number;
  /** Most events put in the outbox, and most deliveries attempted, per pass. Default 100. */
  readonly batch?: number;
}

export interface WebhookPassResult {
  /** Events put in the outbox. */
  readonly enqueued: number;
  readonly delivered: number;
  readonly retrying: number;
  readonly failed: number;
}

/**
 * The delay before attempt `attempts + 1`: base × 2^(attempts − 1), capped, with jitter that
 * keeps between half and all of it (so receivers recovering together are not hit together).
 * @example retryDelayMs(3, DEFAULT_WEBHOOK_RETRY, Math.random) // 10–20 s
 */
export function retryDelayMs(attempts: number, policy: WebhookRetryPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (0.5 + random() * 0.5));
}

/**
 * Runs one pass of both steps.
 * @example
 * const result = await runWebhookPass({ store, send: fetchWebhookSender() });
 */
export async function runWebhookPass(options: WebhookDeliveryOptions): Promise<WebhookPassResult> {
  const clock = options.clock ?? (() => new Date());
  const batch = options.batch ?? 100;
  const enqueued = await options.store.enqueue({ now: clock(), limit: batch });
  return { enqueued, ...(await deliverDue(options, batch)) };
}

async function deliverDue(
  options: WebhookDeliveryOptions,
  batch: number,
): Promise<Omit<WebhookPassResult, 'enqueued'>> {
  const { store, send } = options;
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;
  const policy = { ...DEFAULT_WEBHOOK_RETRY, ...options.retry };
  const timeoutMs = options.timeoutMs ?? 5_000;
  const due = await store.due(clock().getTime(), batch);
  const outcomes = await Promise.all(
    due.map(async (delivery) => {
      const body = JSON.stringify(webhookEvent(delivery.change));
      let status: number | null = null;
      try {
        const headers = await signWebhook(delivery.secret, delivery.eventId, clock(), body);
        status = await send({
          url: delivery.url,
          headers: { ...headers, 'content-type': 'application/json' },
          body,
          timeoutMs,
        });
      } catch {
        // A network error or the timeout: retried like a 5xx.
      }
      const now = clock();
      if (status !== null && status >= 200 && status < 300) {
        await store.settle(delivery.eventId, { state: 'delivered', status, at: now.toISOString() });
        return 'delivered' as const;
      }
      const nextAttemptAt = now.getTime() + retryDelayMs(delivery.attempts + 1, policy, random);
      if (nextAttemptAt > Date.parse(delivery.createdAt) + policy.windowMs) {
        await store.settle(delivery.eventId, { state: 'failed', status });
        return 'failed' as const;
      }
      await store.settle(delivery.eventId, { state: 'pending', status, nextAttemptAt });
      return 'retrying' as const;
    }),
  );
  return {
    delivered: outcomes.filter((o) => o === 'delivered').length,
    retrying: outcomes.filter((o) => o === 'retrying').length,
    failed: outcomes.filter((o) => o === 'failed').length,
  };
}

/**
 * Sends through the runtime's `fetch`; redirects are not followed (a 3xx is a failure).
 * @example const send = fetchWebhookSender(); // or fetchWebhookSender(guardedFetch) on Node
 */
export function fetchWebhookSender(
  fetchFn: (input: string, init: RequestInit) => Promise<Response> = (input, init) => fetch(input, init),
): WebhookSender {
  return async ({ url, headers, body, timeoutMs }) => {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { ...headers, 'user-agent': 'eligibility-gateway-webhooks' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is not read for anything; cancelling it frees the connection.
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  };
}

/** Runs passes on a timer, one at a time. */
export interface WebhookWorker {
  /** Starts the timer (idempotent). */
  start(intervalMs: number): void;
  /** One pass now, after the one running (if any). */
  runOnce(): Promise<WebhookPassResult>;
  /** Stops the timer and waits for the running pass. */
  stop(): Promise<void>;
}

/**
 * @example
 * const worker = createWebhookWorker({ store, send });
 * worker.start(5_000);
 * await worker.stop();
 */
export function createWebhookWorker(
  options: WebhookDeliveryOptions & { readonly onError?: (error: unknown) => void },
): WebhookWorker {
  let running: Promise<unknown> = Promise.resolve();
  let queued = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const runOnce = (): Promise<WebhookPassResult> => {
    queued += 1;
    const pass = running
      .then(() => runWebhookPass(options))
      .finally(() => {
        queued -= 1;
      });
    running = pass.catch(() => undefined);
    return pass;
  };
  return {
    start(intervalMs) {
      if (timer !== undefined) return;
      timer = setInterval(() => {
        // A tick while a pass still runs is skipped: passes never pile up behind a slow receiver.
        if (queued > 0) return;
        runOnce().catch((error: unknown) => options.onError?.(error));
      }, intervalMs);
      // A pending pass must not keep a process alive that is otherwise done.
      (timer as { unref?: () => void }).unref?.();
    },
    runOnce,
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
