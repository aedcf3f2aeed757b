/**
 * Issue 11 item 5: a 413 must not break the client's connection. A keep-alive client (one
 * socket) sends a good request, an oversized one and a good one in a row: all three are
 * answered, the 413 says `Connection: close`, and the third goes out on a fresh socket instead
 * of failing with a socket error. Also: the Node server's HTTP limits are set as configured.
 */
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const fixtures = generatePopulation({ seed: 'keep-alive-413', size: 4 });
let gw: InProcessGateway;
let token: string;

beforeAll(async () => {
  gw = await startInProcess({ fixtures });
  token = await gw.token();
});
afterAll(() => gw?.close());

interface Answer {
  readonly status: number;
  readonly connection: string | undefined;
  readonly socket: number;
}

const sockets = new WeakMap<object, number>();
let nextSocket = 0;

/** `chunked`: no Content-Length, the body streamed in parts (the limit is found while reading). */
function post(agent: Agent, body: string, key: string, chunked = false): Promise<Answer> {
  const url = new URL('/v1/verifications', gw.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(chunked ? {} : { 'content-length': Buffer.byteLength(body) }),
          'idempotency-key': key,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const s: object = req.socket ?? {};
          if (!sockets.has(s)) sockets.set(s, nextSocket++);
          resolve({
            status: res.statusCode ?? 0,
            connection: res.headers.connection,
            socket: sockets.get(s) ?? -1,
          });
        });
      },
    );
    req.on('error', reject);
    if (!chunked) {
      req.end(body);
      return;
    }
    for (let at = 0; at < body.length; at += 16_384) req.write(body.slice(at, at + 16_384));
    req.end();
  });
}

describe('a 413 on a keep-alive connection', () => {
  it('three requests in a row on one keep-alive agent: 201, 413 with Connection: close, 201', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const good = (i: number) => JSON.stringify(requestFor(fixtures, i));
      const huge = JSON.stringify({ ...requestFor(fixtures, 1), padding: 'x'.repeat(200_000) });
      const first = await post(agent, good(0), `ka-${crypto.randomUUID()}`);
      const second = await post(agent, huge, `ka-${crypto.randomUUID()}`);
      const third = await post(agent, good(2), `ka-${crypto.randomUUID()}`);
      expect([first.status, second.status, third.status]).toEqual([201, 413, 201]);
      expect(first.connection).not.toBe('close');
      expect(second.connection).toBe('close');
      expect(second.socket).toBe(first.socket); // the 413 came on the kept-alive socket
      expect(third.socket).not.toBe(second.socket); // and the next request opened a new one
    } finally {
      agent.destroy();
    }
  });

  it('a 413 followed by more requests on fresh keep-alive sockets, many times over', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const huge = JSON.stringify({ ...requestFor(fixtures, 1), padding: 'y'.repeat(2_000_000) });
      for (let i = 0; i < 6; i++) {
        const chunked = i % 2 === 1;
        expect((await post(agent, huge, `ka-huge-${i}-${crypto.randomUUID()}`, chunked)).status).toBe(413);
        const r = await post(
          agent,
          JSON.stringify(requestFor(fixtures, 3)),
          `ka-${i}-${crypto.randomUUID()}`,
        );
        expect(r.status).toBe(201);
      }
    } finally {
      agent.destroy();
    }
  });

  it('the server carries explicit HTTP limits', () => {
    expect(gw.gateway.httpLimits).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1024,
    });
  });
});
