import { describe, expect, it } from 'vitest';
import type { Connector, RegistryQuery } from '../../../src/core/ports.ts';
import { createPriorityLimiter, type Timers, withRegistryQuota } from '../../../src/core/registry-quota.ts';

/** A manual clock and timers: time moves only when the test says so. */
function fakeTime() {
  let now = 0;
  let timers: { at: number; callback: () => void; id: number }[] = [];
  let nextId = 0;
  const t: Timers = {
    set(callback, ms) {
      const id = ++nextId;
      timers.push({ at: now + ms, callback, id });
      return id;
    },
    clear(handle) {
      timers = timers.filter((x) => x.id !== handle);
    },
  };
  return {
    now: () => now,
    timers: t,
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((x) => x !== due);
        now = due.at;
        due.callback();
        await Promise.resolve();
      }
      now = end;
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('createPriorityLimiter', () => {
  it('lets online requests overtake batch requests already queued', async () => {
    const time = fakeTime();
    const limiter = createPriorityLimiter({
      ratePerSecond: 10,
      burst: 1,
      now: time.now,
      timers: time.timers,
    });
    const order: string[] = [];
    const take = (name: string, priority: 'online' | 'batch') =>
      limiter.acquire(priority).then((granted) => {
        if (granted) order.push(name);
      });
    await take('first', 'batch'); // the one token of the burst
    const waiting = [take('batch-1', 'batch'), take('batch-2', 'batch'), take('batch-3', 'batch')];
    await time.advance(50);
    waiting.push(take('online-1', 'online'), take('online-2', 'online'));
    expect(limiter.queued()).toEqual({ online: 2, batch: 3 });
    await time.advance(500);
    await Promise.all(waiting);
    expect(order).toEqual(['first', 'online-1', 'online-2', 'batch-1', 'batch-2', 'batch-3']);
  });

  it('grants no more than the rate: 10/s gives 1 + 10 grants in a second', async () => {
    const time = fakeTime();
    const limiter = createPriorityLimiter({
      ratePerSecond: 10,
      burst: 1,
      now: time.now,
      timers: time.timers,
    });
    let granted = 0;
    for (let i = 0; i < 30; i++) void limiter.acquire('batch').then(() => (granted += 1));
    await time.advance(1000);
    expect(granted).toBe(11);
  });

  it('a batch request never takes a token while an online one waits, nor jumps the batch queue', async () => {
    const time = fakeTime();
    const limiter = createPriorityLimiter({ ratePerSecond: 1, burst: 1, now: time.now, timers: time.timers });
    await limiter.acquire('online');
    const online = limiter.acquire('online');
    await time.advance(1000); // a token appears; the timer hands it to the online waiter
    expect(await online).toBe(true);
    const late = limiter.acquire('batch');
    const later = limiter.acquire('batch');
    await time.advance(1000);
    expect(await late).toBe(true);
    expect(limiter.queued()).toEqual({ online: 0, batch: 1 });
    await time.advance(1000);
    expect(await later).toBe(true);
  });

  it('gives up when the signal aborts, without holding a token', async () => {
    const time = fakeTime();
    const limiter = createPriorityLimiter({ ratePerSecond: 1, burst: 1, now: time.now, timers: time.timers });
    await limiter.acquire('batch');
    const controller = new AbortController();
    const waiting = limiter.acquire('batch', controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
    expect(limiter.queued()).toEqual({ online: 0, batch: 0 });
    expect(await limiter.acquire('batch', AbortSignal.abort())).toBe(false);
    await time.advance(1000);
    expect(await limiter.acquire('online')).toBe(true);
  });
});

describe('withRegistryQuota', () => {
  const base = (calls: string[]): Connector<'hrss'> => ({
    id: 'hrss-test',
    source: 'hrss',
    async query(q) {
      calls.push(q.requestId);
      return { status: 'answered', records: new Map() };
    },
    async ping() {
      return true;
    },
  });
  const query = (requestId: string, signal: AbortSignal, priority?: 'batch'): RegistryQuery => ({
    subjects: ['x'],
    purpose: 'legal_aid_eligibility',
    consentReference: 'C',
    requestId,
    signal,
    ...(priority ? { priority } : {}),
  });

  it('answers unavailable (retryable timeout) without reaching the registry when the deadline passes first', async () => {
    const time = fakeTime();
    const calls: string[] = [];
    const limited = withRegistryQuota(base(calls), {
      ratePerSecond: 1,
      burst: 1,
      now: time.now,
      timers: time.timers,
    });
    expect((await limited.query(query('a', new AbortController().signal))).status).toBe('answered');
    const deadline = new AbortController();
    const pending = limited.query(query('b', deadline.signal));
    deadline.abort();
    expect(await pending).toMatchObject({
      status: 'unavailable',
      code: 'ERR_REGISTRY_TIMEOUT',
      retryable: true,
    });
    expect(calls).toEqual(['a']);
    expect(limited.id).toBe('hrss-test');
    expect(await limited.ping?.(AbortSignal.timeout(100))).toBe(true);
  });

  it('uses the token taken by admit for the query of the same request, and only once', async () => {
    const time = fakeTime();
    const calls: string[] = [];
    const limited = withRegistryQuota(base(calls), {
      ratePerSecond: 1,
      burst: 1,
      now: time.now,
      timers: time.timers,
    });
    const never = new AbortController().signal;
    expect(await limited.admit?.('batch', never, 'r1')).toBe(true);
    // No token is left, but r1 was admitted: its query goes straight through.
    expect((await limited.query(query('r1', never, 'batch'))).status).toBe('answered');
    // A second query of r1 needs a new token.
    const second = limited.query(query('r1', never, 'batch'));
    await time.advance(999);
    expect(calls).toEqual(['r1']);
    await time.advance(1);
    expect((await second).status).toBe('answered');
    expect(calls).toEqual(['r1', 'r1']);
  });
});
