/** The shared transport against hand-made misbehaving servers: retries, timeouts, the size cap, the deadline. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHttpTransport,
  type HttpTransport,
  type HttpTransportOptions,
} from '../../../connectors/index.ts';
import { timed } from './helpers.ts';

const servers: Server[] = [];
const transports: HttpTransport[] = [];

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
});

/** A server whose handler sees how many requests came before. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<{ url: string; count(): number }> {
  let n = 0;
  const server = createServer((req, res) => {
    n += 1;
    req.resume();
    handler(req, res, n);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => n };
}

function transport(options: HttpTransportOptions): HttpTransport {
  const t = createHttpTransport(options);
  transports.push(t);
  return t;
}

const get = (t: HttpTransport, signal = AbortSignal.timeout(3_000), idempotent = true) =>
  t.send(() => ({ method: 'GET', path: '/x', headers: {} }), { signal, idempotent });

describe('http transport', () => {
  it('retries an idempotent request once when the connection is reset, preparing it afresh', async () => {
    const server = await serve((req, res, n) => (n === 1 ? req.socket.destroy() : res.end('second')));
    let prepared = 0;
    const result = await transport({ baseUrl: server.url }).send(
      () => {
        prepared += 1;
        return { method: 'POST', path: '/x', headers: {}, body: 'q' };
      },
      { signal: AbortSignal.timeout(3_000), idempotent: true },
    );
    expect(result.ok && new TextDecoder().decode(result.response.body)).toBe('second');
    expect(server.count()).toBe(2);
    expect(prepared).toBe(2);
  });

  it('does not retry a request that is not idempotent', async () => {
    const server = await serve((req) => req.socket.destroy());
    const result = await get(transport({ baseUrl: server.url }), AbortSignal.timeout(3_000), false);
    expect(result).toMatchObject({
      ok: false,
      failure: { code: 'ERR_REGISTRY_UNREACHABLE', retryable: true },
    });
    expect(server.count()).toBe(1);
  });

  it('retries at most once', async () => {
    const server = await serve((req) => req.socket.destroy());
    const result = await get(transport({ baseUrl: server.url }));
    expect(result).toMatchObject({ ok: false, failure: { code: 'ERR_REGISTRY_UNREACHABLE' } });
    expect(!result.ok && result.failure.detail).toMatch(/^connection lost \(/);
    expect(server.count()).toBe(2);
  });

  it('never retries after a timeout', async () => {
    const server = await serve(() => {});
    const result = await get(transport({ baseUrl: server.url, headersTimeoutMs: 150 }));
    expect(result).toEqual({
      ok: false,
      failure: {
        code: 'ERR_REGISTRY_TIMEOUT',
        retryable: true,
        detail: 'registry too slow (UND_ERR_HEADERS_TIMEOUT)',
      },
    });
    expect(server.count()).toBe(1);
  });

  it('answers promptly when the deadline passes mid-body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });
    const { value, ms } = await timed(get(transport({ baseUrl: server.url }), AbortSignal.timeout(200)));
    expect(value).toEqual({
      ok: false,
      failure: {
        code: 'ERR_REGISTRY_TIMEOUT',
        retryable: true,
        detail: 'the request deadline passed before the registry answered',
      },
    });
    expect(ms).toBeLessThan(400);
  });

  it('accepts a body of exactly the limit and refuses one byte more, counted while streaming', async () => {
    const server = await serve((req, res) => {
      res.writeHead(200); // no content-length: chunked, so only counting can catch it
      const size = req.url === '/x' ? 100 : 101;
      res.write('a'.repeat(50));
      res.end('a'.repeat(size - 50));
    });
    const t = transport({ baseUrl: server.url, maxResponseBytes: 100 });
    const exact = await get(t);
    expect(exact.ok && exact.response.body.length).toBe(100);
    const over = await t.send(() => ({ method: 'GET', path: '/y', headers: {} }), {
      signal: AbortSignal.timeout(3_000),
      idempotent: true,
    });
    expect(over).toEqual({
      ok: false,
      failure: {
        code: 'ERR_REGISTRY_MALFORMED',
        retryable: false,
        detail: 'response body exceeds the limit of 100 bytes',
      },
    });
  });

  it('stops reading an endless body at the limit', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200);
      const chunk = 'b'.repeat(64 * 1024);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {}
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const { value, ms } = await timed(get(transport({ baseUrl: server.url, maxResponseBytes: 256 * 1024 })));
    expect(value).toMatchObject({ ok: false, failure: { code: 'ERR_REGISTRY_MALFORMED' } });
    expect(ms).toBeLessThan(1_000);
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) });
      res.write('c');
    });
    const result = await get(transport({ baseUrl: server.url, maxResponseBytes: 1024 }));
    expect(result).toMatchObject({ ok: false, failure: { code: 'ERR_REGISTRY_MALFORMED' } });
  });

  it('returns non-2xx statuses with an empty body for the connector to map', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503, { 'retry-after': '1' });
      res.end('<html>secret stack trace</html>');
    });
    const result = await get(transport({ baseUrl: server.url }));
    expect(result.ok && result.response.status).toBe(503);
    expect(result.ok && result.response.headers['retry-after']).toBe('1');
    expect(result.ok && result.response.body.length).toBe(0);
  });

  it('prefixes the base URL path', async () => {
    let seen = '';
    const server = await serve((req, res) => {
      seen = req.url ?? '';
      res.end();
    });
    const t = transport({ baseUrl: `${server.url}/agency/v1/` });
    expect(t.basePath).toBe('/agency/v1');
    await get(t);
    expect(seen).toBe('/agency/v1/x');
  });

  it('turns a failure to prepare the request into ERR_INTERNAL', async () => {
    const server = await serve((_req, res) => res.end());
    const result = await transport({ baseUrl: server.url }).send(
      () => {
        throw new Error('key unavailable');
      },
      { signal: AbortSignal.timeout(1_000), idempotent: true },
    );
    expect(result).toEqual({
      ok: false,
      failure: {
        code: 'ERR_INTERNAL',
        retryable: false,
        detail: 'the connector could not prepare the request',
      },
    });
    expect(server.count()).toBe(0);
  });

  it('checks its options eagerly', () => {
    expect(() => createHttpTransport({ baseUrl: 'ftp://127.0.0.1/' })).toThrow(
      'registry base URL must be http or https, not ftp:',
    );
    expect(() => createHttpTransport({ baseUrl: 'http://127.0.0.1/', tls: { caPem: '' } })).toThrow(
      'TLS options need an https base URL',
    );
    expect(() => createHttpTransport({ baseUrl: 'http://127.0.0.1/', maxResponseBytes: 0 })).toThrow(
      'transport option maxResponseBytes must be a positive integer',
    );
  });
});
