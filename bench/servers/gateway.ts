/**
 * One system under test, as its own process so `taskset` pins it for real:
 * - `full` (F): the gateway exactly as `egw start` runs it (startGateway);
 * - `hello` (B1): a hello-world route on the same stack (Hono + @hono/node-server);
 * - `passthrough` (B2): the same auth middleware and the same connectors, fanning out
 *   to the three registries under the same deadline, and nothing else: no validation,
 *   policy, log, store or signature;
 * - `floor` (B2f): the fan-out floor. The same route, body read the same way, but no auth and
 *   no connectors: three plain undici requests (one keep-alive `Pool` per registry, HRSS over
 *   the same mutual TLS) to a route every sandbox answers at once without authentication or a
 *   log record (`GET /`, a 404), each body read to its end, concurrently. What three HTTPS
 *   exchanges cost Node at the least.
 * Prints `READY <json>` on stdout once listening.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Pool } from 'undici';
import {
  type BuiltInConnectorConfig,
  createBuiltInConnectors,
  DEFAULT_TRANSPORT_OPTIONS,
} from '../../connectors/index.ts';
import { registryPool, type TlsClientOptions } from '../../connectors/shared/http-transport.ts';
import type { Source } from '../../schemas/common.ts';
import { devIssuerConfig } from '../../src/adapters/node/key-files.ts';
import { nodeHashes } from '../../src/adapters/node/node-hashes.ts';
import { nodeJws } from '../../src/adapters/node/node-jws.ts';
import { useHashes } from '../../src/core/log/hashes.ts';
import type { RegistryQuery } from '../../src/core/ports.ts';
import { type AuthEnv, bearerJwt, requireScope } from '../../src/http/auth.ts';
import { startGateway } from '../../src/runtime/node.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    data: { type: 'string' },
    registries: { type: 'string' },
    quotas: { type: 'string' },
    'deadline-ms': { type: 'string', default: '800' },
    // F only: V8's heap growth in per cent (0: V8's own); unset, the gateway's default.
    'heap-growing-percent': { type: 'string' },
  },
});
const mode = values.mode;
const dataDir = values.data ?? '';
const deadlineMs = Number(values['deadline-ms']);
const registries = (): BuiltInConnectorConfig =>
  JSON.parse(readFileSync(values.registries ?? '', 'utf8')) as BuiltInConnectorConfig;

/**
 * A control port beside the system under test, so F needs no bench route of its own:
 * `/profile/start`, `/profile/stop?file=…` (V8 CPU profile of just the load window) and
 * `/usage` (process.cpuUsage and memory).
 */
async function controlPort(): Promise<string> {
  const session = new Session();
  session.connect();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const reply = (value: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const run = async () => {
      if (url.pathname === '/profile/start') {
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 200 });
        await session.post('Profiler.start');
        return reply({ ok: true });
      }
      if (url.pathname === '/profile/stop') {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(url.searchParams.get('file') ?? 'bench.cpuprofile', JSON.stringify(profile));
        return reply({ ok: true });
      }
      return reply({ cpu: process.cpuUsage(), memory: process.memoryUsage() });
    };
    run().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function ready(url: string): Promise<void> {
  const control = await controlPort();
  process.stdout.write(`READY ${JSON.stringify({ url, control, pid: process.pid })}\n`);
}

function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<string> {
  return new Promise((resolve) => {
    const server = serve({ fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
    process.on('SIGTERM', () => server.close(() => process.exit(0)));
  });
}

if (mode === 'full') {
  const gateway = await startGateway({
    dataDir,
    port: 0,
    registries: registries(),
    registryDeadlineMs: deadlineMs,
    ...(values['heap-growing-percent'] !== undefined
      ? { heapGrowingPercent: Number(values['heap-growing-percent']) }
      : {}),
    ...(values.quotas
      ? { registryQuotas: JSON.parse(values.quotas) as Partial<Record<Source, number>> }
      : {}),
  });
  process.on('SIGTERM', () => {
    gateway.close().then(() => process.exit(0));
  });
  await ready(gateway.url);
} else if (mode === 'hello') {
  const app = new Hono();
  app.get('/hello', (c) => c.json({ hello: 'world' }));
  await ready(await listen(app.fetch));
} else if (mode === 'passthrough') {
  // The connectors' hashing (civil affairs' HMAC) through node:crypto, as startGateway sets it for F.
  useHashes(nodeHashes);
  const connectors = createBuiltInConnectors(registries(), nodeJws);
  const auth = bearerJwt({ issuers: [await devIssuerConfig(dataDir)] });
  const stats = { authSeconds: 0, authCount: 0, fanOutSeconds: 0, fanOutCount: 0 };
  const app = new Hono<AuthEnv>();
  app.use('/v1/*', async (c, next) => {
    const started = performance.now();
    // Auth's cost is the time until it hands over; measured here because F's app does not expose it.
    const result = await auth(c, async () => {
      stats.authSeconds += (performance.now() - started) / 1000;
      stats.authCount += 1;
      await next();
    });
    return result;
  });
  app.get('/__bench/stats', (c) => c.json(stats));
  app.post('/v1/verifications', requireScope('verifications:write'), async (c) => {
    const body = (await c.req.json()) as {
      applicant: { idNumber: string };
      household: { idNumber: string }[];
      consent: { reference: string; scopes: Source[] };
    };
    const everyone = [body.applicant.idNumber, ...body.household.map((m) => m.idNumber)];
    const subjects: Record<Source, string[]> = {
      civil_affairs: everyone,
      hrss: everyone,
      disability: [body.applicant.idNumber],
    };
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), deadlineMs);
    const requestId = crypto.randomUUID();
    const query = (s: string[]): RegistryQuery => ({
      subjects: s,
      purpose: 'legal_aid_eligibility',
      consentReference: body.consent.reference,
      requestId,
      signal: controller.signal,
    });
    const scopes = new Set(body.consent.scopes);
    const answers = await Promise.all(
      (['civil_affairs', 'hrss', 'disability'] as const)
        .filter((s) => scopes.has(s))
        .map(async (s) => [s, (await connectors[s].query(query(subjects[s]))).status] as const),
    );
    clearTimeout(timer);
    stats.fanOutSeconds += (performance.now() - started) / 1000;
    stats.fanOutCount += 1;
    return c.json({ answers: Object.fromEntries(answers) }, 201);
  });
  await ready(await listen(app.fetch));
} else if (mode === 'floor') {
  const config = registries();
  // The connectors' own pools: the same settings and, for HRSS, the same TLS context.
  const pool = (baseUrl: string, tls?: TlsClientOptions) =>
    registryPool(new URL(baseUrl).origin, DEFAULT_TRANSPORT_OPTIONS, tls);
  const { hrss } = config;
  const pools = [
    pool(config.civilAffairs.baseUrl),
    pool(hrss.baseUrl, {
      caPem: hrss.caPem,
      certPem: hrss.clientCertPem,
      keyPem: hrss.clientKeyPem,
      ...(hrss.servername === undefined ? {} : { servername: hrss.servername }),
    }),
    pool(config.disability.baseUrl),
  ];
  // `GET /` is no sandbox's route: each answers a 404 at once, with no authentication and no record.
  const exchange = async (p: Pool): Promise<number> => {
    const response = await p.request({ method: 'GET', path: '/' });
    await response.body.dump();
    return response.statusCode;
  };
  const app = new Hono();
  app.post('/v1/verifications', async (c) => {
    await c.req.json();
    const statuses = await Promise.all(pools.map(exchange));
    const ok = statuses.every((s) => s === 404);
    return c.json({ statuses }, ok ? 201 : 502);
  });
  await ready(await listen(app.fetch));
} else {
  process.stderr.write(`unknown --mode ${String(mode)} (full | hello | passthrough | floor)\n`);
  process.exit(2);
}
