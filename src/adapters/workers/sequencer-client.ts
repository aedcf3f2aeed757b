/**
 * How a Worker isolate reaches the log's one sequencer: the Durable Object named
 * `LOG_SEQUENCER_NAME`, over internal JSON requests. A sequencer failure becomes the
 * GatewayError it reported (503 `ERR_STORE_UNAVAILABLE` when it could not commit).
 */
import type { DurableObjectNamespace } from '@cloudflare/workers-types';
import { ERROR_CODES, type ErrorCode, GatewayError } from '../../core/errors.ts';
import type { SequencerClient } from './d1-store.ts';
import { LOG_SEQUENCER_NAME, SEQUENCER_ROUTES, type SequencerFailure } from './sequencer-protocol.ts';

/** @example const sequencer = sequencerClient(env.LOG_SEQUENCER); */
export function sequencerClient(namespace: DurableObjectNamespace): SequencerClient {
  const stub = () => namespace.get(namespace.idFromName(LOG_SEQUENCER_NAME));

  async function call<T>(url: string, body: unknown): Promise<T> {
    let response: Awaited<ReturnType<ReturnType<typeof stub>['fetch']>>;
    try {
      response = await stub().fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (cause) {
      throw new GatewayError('ERR_STORE_UNAVAILABLE', 'the log sequencer is unreachable', {
        retryable: true,
        cause,
      });
    }
    if (response.ok) return response.json<T>();
    const failure = await response.json<SequencerFailure>().catch(() => undefined);
    const code = failure?.error.code;
    throw new GatewayError(isErrorCode(code) ? code : 'ERR_STORE_UNAVAILABLE', 'the log sequencer failed', {
      retryable: failure?.error.retryable ?? true,
    });
  }

  return {
    commit: (write) => call(SEQUENCER_ROUTES.commit, write),
    appendEvent: (event) => call(SEQUENCER_ROUTES.event, event),
    appendPeerAccesses: (peer) => call(SEQUENCER_ROUTES.peerAccesses, peer),
    start: async () => (await call<{ size: number }>(SEQUENCER_ROUTES.start, {})).size,
  };
}

function isErrorCode(code: string | undefined): code is ErrorCode {
  return ERROR_CODES.some((c) => c === code);
}
