/**
 * The fetch transport the Worker's connectors use, exercised on Node's fetch against a
 * loopback server that misbehaves on purpose: the same failure values as the undici
 * transport, the deadline answered at once, a lost connection retried only for lookups,
 * and a binding's fetch (the mTLS certificate binding) used for every request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchTransport } from '../../../connectors/shared/fetch-transport.ts';
import type { OutboundRequest } from '../../../connectors/shared/transport.ts';

let server: Server;
let base = '';
let resets = 0;
const seen: { method: string; url: string; body: string; header: string }[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c: Buffer) => {
    body += c.toString();
  });
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', body, header: String(req.headers['x-probe']) });
    const path = (req.url ?? '').replace(/^\/base/, '');
    if (path === '/ok') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-answer': 'yes' });
      res.end('{"ok":true}');
    } else if (path === '/big-declared') {
      res.writeHead(200, { 'content-length': '5000' });
      res.end('x'.repeat(5000));
    } else if (path === '/big-streamed') {
      res.writeHead(200);
      for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
      res.end();
    } else if (path === '/slow-headers') {
      setTimeout(() => {
        res.writeHead(200);
        res.end('late');
      }, 1_000);
    } else if (path === '/refused') {
      res.writeHead(403);
      res.end('secret registry text');
    } else if (path === '/reset-once') {
      resets += 1;
      if (resets === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200);
      res.end('second time');
    } else if (path === '/reset-always') {
      req.socket.destroy();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/base/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const get =
  (path: string, headers: Record<string, string> = {}) =>
  (): OutboundRequest => ({
    method: 'GET',
    path,
    headers,
  });
const deadline = (ms = 3_000) => ({ signal: AbortSignal.timeout(ms), idempotent: true });

describe('createFetchTransport', () => {
  it('sends under the base path and reads the whole answer with lower-cased headers', async () => {
    const t = createFetchTransport({ baseUrl: base });
    expect(t.basePath).toBe('/base');
    const result = await t.send(get('/ok', { 'X-Probe': 'p1' }), deadline());
    expect(result.ok && result.response.status).toBe(200);
    expect(result.ok && result.response.headers['x-answer']).toBe('yes');
    expect(result.ok && new TextDecoder().decode(result.response.body)).toBe('{"ok":true}');
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/base/ok', header: 'p1' });
  });

  it('hands a refusal back as a status with an empty body (connectors act on the status)', async () => {
    const result = await createFetchTransport({ baseUrl: base }).send(get('/refused'), deadline());
    expect(result).toEqual({
      ok: true,
      response: { status: 403, headers: expect.any(Object), body: new Uint8Array(0) },
    });
  });

  it('cuts off bodies over the limit, declared or streamed, as malformed', async () => {
    const t = createFetchTransport({ baseUrl: base, maxResponseBytes: 2048 });
    for (const path of ['/big-declared', '/big-streamed']) {
      const result = await t.send(get(path), deadline());
      expect(result.ok ? 'ok' : result.failure).toEqual({
        code: 'ERR_REGISTRY_MALFORMED',
        retryable: false,
        detail: 'response body exceeds the limit of 2048 bytes',
      });
    }
  });

  it('answers the deadline at once, and its own headers budget as a timeout', async () => {
    const t = createFetchTransport({ baseUrl: base });
    const started = performance.now();
    const late = await t.send(get('/slow-headers'), deadline(100));
    expect(performance.now() - started).toBeLessThan(800);
    expect(late.ok ? 'ok' : late.failure.code).toBe('ERR_REGISTRY_TIMEOUT');
    const budget = await createFetchTransport({ baseUrl: base, headersTimeoutMs: 100 }).send(
      get('/slow-headers'),
      deadline(),
    );
    expect(budget.ok ? 'ok' : budget.failure).toEqual({
      code: 'ERR_REGISTRY_TIMEOUT',
      retryable: true,
      detail: 'registry too slow (headers budget)',
    });
  });

  it('retries a lookup once when the connection is lost, with a freshly prepared request', async () => {
    resets = 0;
    let prepared = 0;
    const t = createFetchTransport({ baseUrl: base });
    const result = await t.send(() => {
      prepared += 1;
      return { method: 'GET', path: '/reset-once', headers: { 'x-probe': `attempt-${prepared}` } };
    }, deadline());
    expect(result.ok && new TextDecoder().decode(result.response.body)).toBe('second time');
    expect(prepared).toBe(2);
    expect(seen.slice(-2).map((s) => s.header)).toEqual(['attempt-1', 'attempt-2']);
  });

  it('does not retry what is not idempotent, and reports a lost connection as unreachable', async () => {
    let prepared = 0;
    const result = await createFetchTransport({ baseUrl: base }).send(
      () => {
        prepared += 1;
        return { method: 'POST', path: '/reset-always', headers: {}, body: 'x' };
      },
      { signal: AbortSignal.timeout(3_000), idempotent: false },
    );
    expect(prepared).toBe(1);
    expect(result.ok ? 'ok' : result.failure).toEqual({
      code: 'ERR_REGISTRY_UNREACHABLE',
      retryable: true,
      detail: 'connection lost (FETCH_RESET)',
    });
  });

  it('reports a closed port as unreachable, never with the URL in the detail', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const result = await createFetchTransport({ baseUrl: `http://127.0.0.1:${port}` }).send(
      get('/x'),
      deadline(),
    );
    expect(result.ok ? 'ok' : result.failure.code).toBe('ERR_REGISTRY_UNREACHABLE');
    expect(result.ok ? '' : result.failure.detail).not.toContain(String(port));
  });

  it('sends through the fetch it was given (the mTLS binding on Workers), and turns its throw into a value', async () => {
    const calls: { url: string; method: string | undefined; body: unknown }[] = [];
    const binding = async (url: string, init: RequestInit): Promise<Response> => {
      calls.push({ url, method: init.method, body: init.body });
      return new Response('<ok/>', { status: 200, headers: { 'content-type': 'text/xml' } });
    };
    const t = createFetchTransport({ baseUrl: 'https://hrss.example.gov.cn/svc/', fetch: binding });
    const result = await t.send(
      () => ({ method: 'POST', path: '/lookup', headers: { soapaction: 'x' }, body: '<q/>' }),
      deadline(),
    );
    expect(result.ok && new TextDecoder().decode(result.response.body)).toBe('<ok/>');
    expect(calls).toEqual([{ url: 'https://hrss.example.gov.cn/svc/lookup', method: 'POST', body: '<q/>' }]);

    // What `wrangler dev --local` does with an mTLS binding: it throws on every fetch.
    const local = createFetchTransport({
      baseUrl: 'https://hrss.example.gov.cn/svc/',
      fetch: async () => {
        throw new Error('Binding HRSS_MTLS needs to be run remotely');
      },
    });
    const refused = await local.send(get('/lookup'), deadline());
    expect(refused.ok ? 'ok' : refused.failure).toEqual({
      code: 'ERR_REGISTRY_UNREACHABLE',
      retryable: false,
      detail: 'mTLS binding unavailable locally (FETCH_BINDING)',
    });
  });

  it('checks its options eagerly', () => {
    expect(() => createFetchTransport({ baseUrl: 'ftp://127.0.0.1/' })).toThrow(
      'registry base URL must be http or https, not ftp:',
    );
    expect(() => createFetchTransport({ baseUrl: base, maxResponseBytes: 0 })).toThrow(
      'transport option maxResponseBytes must be a positive integer',
    );
  });
});
