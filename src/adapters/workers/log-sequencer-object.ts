/**
 * The Durable Object that hosts the log's single sequencer. Exactly one instance exists (by
 * name, `LOG_SEQUENCER_NAME` in sequencer-protocol.ts), so every isolate's commits funnel into one queue: indices are
 * assigned in one place, never shared, never skipped. It keeps no state of its own that
 * matters: D1 holds the log, and the object reloads from it whenever it starts.
 *
 * A plain `fetch` interface (JSON over internal requests) rather than RPC keeps the
 * object's surface small and its payloads explicit (sequencer-protocol.ts).
 */
import type { DurableObjectState } from '@cloudflare/workers-types';
import { drizzle } from 'drizzle-orm/d1';
import { GatewayError } from '../../core/errors.ts';
import { createCheckpointSigner } from '../portable/checkpoint-signer.ts';
import * as schema from '../portable/schema.ts';
import { createLogSequencer, type LogSequencer } from './log-sequencer.ts';
import type {
  SequencerCommit,
  SequencerEvent,
  SequencerFailure,
  SequencerPeerAccesses,
} from './sequencer-protocol.ts';
import type { WorkerEnv } from './worker-env.ts';

/**
 * @example
 * // wrangler.toml: [[durable_objects.bindings]] name = "LOG_SEQUENCER", class_name = "LogSequencerObject"
 * export { LogSequencerObject } from './adapters/workers/log-sequencer-object.ts';
 */
export class LogSequencerObject {
  readonly #sequencer: LogSequencer;

  constructor(state: DurableObjectState, env: WorkerEnv) {
    this.#sequencer = createLogSequencer({
      db: drizzle(env.DB, { schema }),
      client: env.DB,
      checkpoints: createCheckpointSigner(env.LOG_NOTE_SIGNER_KEY),
    });
    // Requests wait until the tree is loaded from D1 (or the empty log's checkpoint is signed).
    void state.blockConcurrencyWhile(async () => {
      await this.#sequencer.start().catch(() => undefined);
    });
  }

  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    try {
      if (request.method === 'POST' && pathname === '/commit') {
        return Response.json(await this.#sequencer.commit((await request.json()) as SequencerCommit));
      }
      if (request.method === 'POST' && pathname === '/event') {
        return Response.json(await this.#sequencer.appendEvent((await request.json()) as SequencerEvent));
      }
      if (request.method === 'POST' && pathname === '/peer-accesses') {
        return Response.json(
          await this.#sequencer.appendPeerAccesses((await request.json()) as SequencerPeerAccesses),
        );
      }
      if (request.method === 'POST' && pathname === '/start') {
        return Response.json({ size: await this.#sequencer.start(), batches: this.#sequencer.batches });
      }
      return Response.json(
        { error: { code: 'ERR_NOT_FOUND', retryable: false, message: 'no such route' } },
        {
          status: 404,
        },
      );
    } catch (error) {
      // Operators need to know why a batch failed; D1 messages name constraints, never bound values.
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      console.error(
        `log sequencer: ${error instanceof GatewayError ? error.code : 'ERR_STORE_UNAVAILABLE'}: ${
          cause instanceof Error ? cause.message.slice(0, 200) : 'unknown'
        }`,
      );
      const failure: SequencerFailure = {
        error:
          error instanceof GatewayError
            ? { code: error.code, retryable: error.retryable, message: error.message }
            : { code: 'ERR_STORE_UNAVAILABLE', retryable: true, message: 'the sequencer failed' },
      };
      return Response.json(failure, { status: 503 });
    }
  }
}
