/**
 * Closed-loop saturation with autocannon: N connections each sending the next request as
 * soon as the last is answered. Only for capacity; latency comes from the open loop.
 */
import autocannon from 'autocannon';

export interface ClosedLoopOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly method?: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Body and extra headers of the i-th request (a fresh idempotency key each time). */
  readonly next?: (i: number) => {
    readonly body: string;
    readonly headers: Readonly<Record<string, string>>;
  };
}

export interface ClosedLoopResult {
  /** Good answers (2xx) per second. */
  readonly goodPerSecond: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  let i = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: [
      {
        method: options.method ?? 'GET',
        path: options.path,
        setupRequest: (request) => {
          if (!options.next) return request;
          const extra = options.next(i++);
          return {
            ...request,
            body: extra.body,
            headers: { ...(request.headers ?? {}), ...(options.headers ?? {}), ...extra.headers },
          };
        },
      },
    ],
    headers: { ...(options.headers ?? {}) },
  });
  const good = result['2xx'];
  return {
    goodPerSecond: good / Math.max(result.duration, 1e-9),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}
