/**
 * One request on an undici `Pool`, as the two Node transports send it (`http-transport.ts`
 * and the partner connectors' `declarative/guarded-transport.ts`): the answer read by
 * `readResponse`, a thrown error mapped by the transport's own `classify`. Node only: the
 * Worker bundle must not import this file.
 */
import type { Pool } from 'undici';
import { timedOut } from './registry-failure.ts';
import { type AttemptResult, type Exchange, failedAttempt, readResponse } from './transport.ts';

/**
 * The `Exchange` of a pool: paths are prefixed with `basePath`, bodies over `maxResponseBytes`
 * are cut off, an error becomes a timeout once the deadline has aborted and `classify(error)`
 * otherwise.
 * @example this.#exchange = poolExchange(pool, '/svc', 1 << 20, classify);
 */
export function poolExchange(
  pool: Pool,
  basePath: string,
  maxResponseBytes: number,
  classify: (error: unknown) => AttemptResult,
): Exchange {
  return async (request, signal) => {
    try {
      const res = await pool.request({
        method: request.method,
        path: basePath + request.path,
        headers: { ...request.headers },
        ...(request.body === undefined ? {} : { body: request.body }),
        signal,
      });
      // Destroying the body on purpose (size cap) emits an AbortError; it is expected, not a crash.
      res.body.on('error', () => {});
      const body = {
        chunks: res.body,
        discard: () => res.body.dump({ limit: 64 * 1024 }),
        abandon: () => res.body.destroy(),
      };
      return await readResponse(res.statusCode, flattenHeaders(res.headers), body, maxResponseBytes);
    } catch (error) {
      if (signal.aborted) return failedAttempt(timedOut());
      return classify(error);
    }
  };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
