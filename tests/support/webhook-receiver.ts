/**
 * A webhook receiver on loopback (node:http) for the delivery tests: it answers 500 to the
 * first `failuresPerEvent` attempts of each event (by `webhook-id`), then 200, and keeps every
 * attempt with its headers and raw body so a test can verify each signature independently.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Resolver } from '../../connectors/declarative/guarded-transport.ts';

export interface ReceivedAttempt {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks` */
  readonly url: string;
  readonly attempts: readonly ReceivedAttempt[];
  /** The bodies of the accepted (2xx) attempts, one per `webhook-id`: what a deduping receiver keeps. */
  deduped(): Map<string, string>;
  close(): Promise<void>;
}

/** @example const receiver = await startWebhookReceiver({ failuresPerEvent: 2 }); */
export async function startWebhookReceiver(options: {
  readonly failuresPerEvent: number;
}): Promise<WebhookReceiver> {
  const attempts: ReceivedAttempt[] = [];
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      const count = (seen.get(id) ?? 0) + 1;
      seen.set(id, count);
      const status = count <= options.failuresPerEvent ? 500 : 200;
      attempts.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    attempts,
    deduped() {
      const kept = new Map<string, string>();
      for (const a of attempts)
        if (a.status < 300 && !kept.has(String(a.headers['webhook-id'])))
          kept.set(String(a.headers['webhook-id']), a.body);
      return kept;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * DNS for tests, with no network: `*.example.org` is a public address (never connected to:
 * the contract's webhooks get no events), `*.rebind.example` a private one, the rest nothing.
 */
export const testResolver: Resolver = async (hostname) => {
  if (hostname.endsWith('.rebind.example')) return [{ address: '10.0.0.5', family: 4 }];
  if (hostname.endsWith('.example.org')) return [{ address: '93.184.215.14', family: 4 }];
  throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
};
