/**
 * The Node delivery timer: passes run one at a time (a tick while one runs is skipped, an
 * explicit run waits its turn), and stop() ends the timer and waits for the running pass.
 */
import { describe, expect, it } from 'vitest';
import { createWebhookWorker } from '../../../src/core/webhook-delivery.ts';
import type { WebhookStore } from '../../../src/core/webhooks.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function slowStore(passMs: number) {
  let running = 0;
  let most = 0;
  let passes = 0;
  const store: WebhookStore = {
    put: async () => ({ url: '', createdAt: '', updatedAt: '' }),
    get: async () => undefined,
    remove: async () => false,
    async enqueue() {
      running += 1;
      most = Math.max(most, running);
      await sleep(passMs);
      running -= 1;
      passes += 1;
      return 0;
    },
    due: async () => [],
    settle: async () => undefined,
  };
  return { store, stats: () => ({ running, most, passes }) };
}

describe('createWebhookWorker', () => {
  it('runs passes on its timer, never two at once, and stops cleanly', async () => {
    const { store, stats } = slowStore(30);
    const worker = createWebhookWorker({ store, send: async () => 200 });
    worker.start(5);
    await sleep(200);
    await worker.stop();
    const after = stats();
    expect(after.most).toBe(1);
    expect(after.running).toBe(0);
    expect(after.passes).toBeGreaterThanOrEqual(2);
    await sleep(50);
    expect(stats().passes).toBe(after.passes);
  });

  it('queues an explicit run behind the running pass', async () => {
    const { store, stats } = slowStore(20);
    const worker = createWebhookWorker({ store, send: async () => 200 });
    const results = await Promise.all([worker.runOnce(), worker.runOnce(), worker.runOnce()]);
    expect(results).toEqual(Array(3).fill({ enqueued: 0, delivered: 0, retrying: 0, failed: 0 }));
    expect(stats()).toEqual({ running: 0, most: 1, passes: 3 });
  });

  it('reports a failed pass and keeps going', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const { store } = slowStore(0);
    const worker = createWebhookWorker({
      store: {
        ...store,
        async enqueue() {
          calls += 1;
          if (calls === 1) throw new Error('database is locked');
          return 0;
        },
      },
      send: async () => 200,
      onError: (error) => errors.push(error),
    });
    worker.start(5);
    await sleep(60);
    await worker.stop();
    expect(errors).toHaveLength(1);
    expect(calls).toBeGreaterThan(1);
  });
});
