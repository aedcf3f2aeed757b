/**
 * How the generator talks to each system: F and B2 get the intake request over HTTP, B1
 * a GET of its hello route, and B0 is the generator doing the fan-out itself with the
 * same connectors (a pool large enough never to be the limit: B0 is the physical floor).
 */
import { Pool } from 'undici';
import { type BuiltInConnectorConfig, createBuiltInConnectors } from '../../connectors/index.ts';
import { nodeJws } from '../../src/adapters/node/node-jws.ts';
import type { RegistryQuery } from '../../src/core/ports.ts';

export type Send = (i: number) => Promise<boolean>;

export interface HttpTarget {
  readonly pool: Pool;
  close(): Promise<void>;
}

export function httpTarget(url: string): HttpTarget {
  const pool = new Pool(url, {
    connections: 1024,
    pipelining: 1,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  return { pool, close: () => pool.close() };
}

/** POST /v1/verifications with body `bodies[i % n]` and a fresh idempotency key. */
export function verificationSender(
  target: HttpTarget,
  token: string,
  bodies: readonly string[],
  keyPrefix: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): Send {
  return async (i) => {
    try {
      const response = await target.pool.request({
        path: '/v1/verifications',
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': `${keyPrefix}-${i}`,
          ...extraHeaders,
        },
        body: bodies[i % bodies.length],
      });
      await response.body.dump();
      return response.statusCode === 201 || response.statusCode === 200;
    } catch {
      return false;
    }
  };
}

export function helloSender(target: HttpTarget): Send {
  return async () => {
    try {
      const response = await target.pool.request({ path: '/hello', method: 'GET' });
      await response.body.dump();
      return response.statusCode === 200;
    } catch {
      return false;
    }
  };
}

/** B0: the three registry queries of request i, in parallel under the gateway's deadline. */
export function directFanOut(
  config: BuiltInConnectorConfig,
  persons: readonly { idNumber: string }[],
  deadlineMs: number,
): { send: Send; close(): Promise<void> } {
  const connectors = createBuiltInConnectors(config, nodeJws, { connections: 512 });
  const all = [connectors.civil_affairs, connectors.hrss, connectors.disability];
  return {
    async send(i) {
      const person = persons[i % persons.length];
      if (!person) return false;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), deadlineMs);
      const query: RegistryQuery = {
        subjects: [person.idNumber],
        purpose: 'legal_aid_eligibility',
        consentReference: `BENCH-${i}`,
        requestId: `b0-${i}`,
        signal: controller.signal,
      };
      await Promise.all(all.map((c) => c.query(query)));
      clearTimeout(timer);
      return true;
    },
    close: async () => {
      await Promise.all(all.map((c) => c.close?.()));
    },
  };
}
