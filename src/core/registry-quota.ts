/**
 * Per-registry quotas with priority: a token bucket per registry and two queues in front
 * of it, online before batch. A registry agency grants the gateway so many queries a
 * second; a bulk re-verification must fit in what online intake leaves of it, never the
 * other way round. Pure: the clock and the timer are injected, so it runs on Workers too.
 */
import type { Source } from '../../schemas/common.ts';
import type { Connector, QueryPriority, RecordsBySource, RegistryAnswer, RegistryQuery } from './ports.ts';

/** Milliseconds on a monotonic clock. */
export type MonotonicClock = () => number;

/** Timer functions (the global ones by default; tests inject fake ones). */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface TokenBucketOptions {
  /** Tokens added per second. MUST be a positive finite number. */
  readonly ratePerSecond: number;
  /** Most tokens held at once (the largest burst). Default: 50 ms worth, at least 1. */
  readonly burst?: number;
  readonly now: MonotonicClock;
}

/** A token bucket that starts full. */
export interface TokenBucket {
  /** Takes one token if there is one. */
  tryTake(): boolean;
  /** Milliseconds until one token will be there (0 when one is now). */
  msUntilToken(): number;
  /** Tokens now (fractional). */
  readonly tokens: number;
}

/**
 * @example
 * const bucket = createTokenBucket({ ratePerSecond: 50, now: () => performance.now() });
 * if (bucket.tryTake()) send();
 */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const rate = options.ratePerSecond;
  if (!Number.isFinite(rate) || rate <= 0) throw new TypeError('token bucket: ratePerSecond must be > 0');
  const burst = options.burst ?? Math.max(1, rate / 20);
  if (!Number.isFinite(burst) || burst < 1) throw new TypeError('token bucket: burst must be ≥ 1');
  let tokens = burst;
  let last = options.now();
  const refill = () => {
    const now = options.now();
    if (now > last) tokens = Math.min(burst, tokens + ((now - last) * rate) / 1000);
    last = now;
  };
  return {
    tryTake() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    msUntilToken() {
      refill();
      return tokens >= 1 ? 0 : ((1 - tokens) * 1000) / rate;
    },
    get tokens() {
      refill();
      return tokens;
    },
  };
}

export interface PriorityLimiterOptions extends TokenBucketOptions {
  readonly timers?: Timers;
}

/** Grants tokens to waiters, online ones first; FIFO within a priority. */
export interface PriorityLimiter {
  /**
   * Resolves true once a token is granted, false if `signal` aborts first (the waiter
   * then holds no token). An online waiter MUST be served before any batch waiter.
   */
  acquire(priority: QueryPriority, signal?: AbortSignal): Promise<boolean>;
  /** Waiters now, by priority. */
  queued(): { readonly online: number; readonly batch: number };
}

interface Waiter {
  readonly grant: (granted: boolean) => void;
}

const globalTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * @example
 * const limiter = createPriorityLimiter({ ratePerSecond: 20, now: () => performance.now() });
 * if (await limiter.acquire('batch', signal)) await send();
 */
export function createPriorityLimiter(options: PriorityLimiterOptions): PriorityLimiter {
  const bucket = createTokenBucket(options);
  const timers = options.timers ?? globalTimers;
  const queues: Record<QueryPriority, Waiter[]> = { online: [], batch: [] };
  let timer: unknown;

  const next = (): Waiter | undefined => queues.online.shift() ?? queues.batch.shift();
  const waiting = () => queues.online.length + queues.batch.length;

  function drain(): void {
    timer = undefined;
    while (waiting() > 0 && bucket.tryTake()) next()?.grant(true);
    if (waiting() > 0) timer = timers.set(drain, Math.max(1, bucket.msUntilToken()));
  }

  return {
    acquire(priority, signal) {
      if (signal?.aborted) return Promise.resolve(false);
      // Nobody overtakes a waiter of the same or higher priority: batch waits behind both queues.
      const ahead = priority === 'online' ? queues.online.length : waiting();
      if (ahead === 0 && bucket.tryTake()) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const queue = queues[priority];
        const onAbort = () => {
          const at = queue.indexOf(waiter);
          if (at >= 0) queue.splice(at, 1);
          resolve(false);
        };
        const waiter: Waiter = {
          grant: (granted) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(granted);
          },
        };
        queue.push(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
        if (timer === undefined) timer = timers.set(drain, Math.max(1, bucket.msUntilToken()));
      });
    },
    queued: () => ({ online: queues.online.length, batch: queues.batch.length }),
  };
}

export interface RegistryQuotaOptions {
  /** Queries per second the registry grants the gateway. */
  readonly ratePerSecond: number;
  /** Largest burst; default 50 ms worth of queries, at least 1. */
  readonly burst?: number;
  readonly now?: MonotonicClock;
  readonly timers?: Timers;
}

/**
 * Wraps a connector so its registry sees at most `ratePerSecond` queries a second (one
 * token per query), online before batch. `admit` takes the token ahead of the query (the
 * service does so for batch requests before their deadline starts); a `query` without a
 * prior `admit` takes its own token within its deadline, and answers `unavailable`
 * (`ERR_REGISTRY_TIMEOUT`, retryable) without reaching the registry if none comes in time.
 * @example
 * const limited = withRegistryQuota(connectors.hrss, { ratePerSecond: 20 });
 */
export function withRegistryQuota<S extends Source>(
  connector: Connector<S>,
  options: RegistryQuotaOptions,
): Connector<S> {
  const now = options.now ?? (() => performance.now());
  const limiter = createPriorityLimiter({
    ratePerSecond: options.ratePerSecond,
    burst: options.burst,
    now,
    timers: options.timers,
  });
  // Tokens admitted ahead of their query, by request id; dropped if never used within a minute.
  const admitted = new Map<string, number>();
  const { ping, close } = connector;
  return {
    id: connector.id,
    source: connector.source,
    async admit(priority, signal, requestId) {
      const at = now();
      for (const [id, t] of admitted) if (at - t > 60_000) admitted.delete(id);
      const granted = await limiter.acquire(priority, signal);
      if (granted) admitted.set(requestId, now());
      return granted;
    },
    async query(q: RegistryQuery): Promise<RegistryAnswer<RecordsBySource[S]>> {
      const ahead = admitted.delete(q.requestId);
      if (!ahead && !(await limiter.acquire(q.priority ?? 'online', q.signal))) {
        return {
          status: 'unavailable',
          code: 'ERR_REGISTRY_TIMEOUT',
          retryable: true,
          detail: 'the deadline passed while waiting for the registry quota',
        };
      }
      return connector.query(q);
    },
    ...(ping ? { ping: (signal: AbortSignal) => ping.call(connector, signal) } : {}),
    ...(close ? { close: () => close.call(connector) } : {}),
  };
}
