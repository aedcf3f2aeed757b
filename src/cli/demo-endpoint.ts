/**
 * A partner registry for trying the connector flow end to end: an HTTPS server on loopback
 * that speaks a REST/JSON manifest's own dialect, built backwards from the manifest. It knows
 * exactly the manifest's conformance subjects (synthetic) and answers their expected facts,
 * raw as the mapping reads them (value maps reversed, `divideBy` multiplied back). Mutual TLS:
 * its certificate comes from the gateway CA (`egw connectors csr --submit`), and it accepts
 * only clients with a certificate from that CA.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ConnectorManifest } from '../../schemas/connector-manifest.ts';
import { CommandError } from './cli-errors.ts';

export interface DemoEndpointOptions {
  readonly manifest: ConnectorManifest;
  readonly keyPem: string;
  readonly chainPem: string;
  /** The gateway CA: client certificates must chain to it. */
  readonly caPem: string;
}

export interface DemoEndpoint {
  readonly url: string;
  readonly subjects: number;
  close(): Promise<void>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Sets `value` at a JSON Pointer, creating objects on the way. */
function setAt(target: Record<string, Json>, pointer: string, value: Json): void {
  const parts = pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  let node: Record<string, Json> = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next;
    else {
      const created: Record<string, Json> = {};
      node[part] = created;
      node = created;
    }
  }
  node[parts[parts.length - 1] ?? ''] = value;
}

/** The raw record a mapping reads back as `facts` for `subject`. */
function rawRecord(manifest: ConnectorManifest, subject: string, facts: Readonly<Record<string, unknown>>) {
  const record: Record<string, Json> = {};
  setAt(record, manifest.mapping.subject, subject);
  for (const [name, mapping] of Object.entries(manifest.mapping.facts)) {
    const fact = facts[name];
    if (fact === undefined) continue;
    let raw: Json = fact as Json;
    if (mapping.values) {
      const entry = Object.entries(mapping.values).find(([, v]) => v === fact);
      if (entry) raw = entry[0];
    } else if (mapping.divideBy && typeof fact === 'number') {
      raw = Math.round(fact * mapping.divideBy);
    }
    setAt(record, mapping.path, raw);
  }
  return record;
}

/** The request body field that carries the subjects (`"{{subjects}}"`). */
function subjectsField(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  return Object.entries(body).find(([, v]) => v === '{{subjects}}')?.[0];
}

/**
 * @example
 * const demo = await startDemoEndpoint({ manifest, keyPem, chainPem, caPem });
 */
export async function startDemoEndpoint(options: DemoEndpointOptions): Promise<DemoEndpoint> {
  const { manifest } = options;
  const url = new URL(manifest.endpoint.url);
  if (!['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
    throw new CommandError(
      `the manifest's endpoint ${url.origin} is not on loopback (egw connectors init --demo-port N)`,
    );
  if (manifest.endpoint.protocol !== 'rest_json' || manifest.authentication.type !== 'mtls')
    throw new CommandError('the demo endpoint speaks REST/JSON with mutual TLS only');
  const field = subjectsField(manifest.request.body);
  if (!field) throw new CommandError('the manifest’s request body has no field with "{{subjects}}"');
  const known = new Map(
    manifest.conformance.cases
      .filter((c) => c.expect === 'found')
      .map((c) => [c.subject, rawRecord(manifest, c.subject, c.facts ?? {})]),
  );
  const path = `${url.pathname.replace(/\/+$/, '')}${manifest.request.path}`;
  const server: Server = createServer(
    {
      key: options.keyPem,
      cert: options.chainPem,
      ca: options.caPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== manifest.request.method || (req.url ?? '').split('?')[0] !== path) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such path"}');
          return;
        }
        let ids: unknown;
        try {
          ids = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)[field];
        } catch {
          ids = undefined;
        }
        if (!Array.isArray(ids)) {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad request"}');
          return;
        }
        const records = ids.flatMap((id) => {
          const record = typeof id === 'string' ? known.get(id) : undefined;
          return record ? [record] : [];
        });
        const answer: Record<string, Json> = {};
        setAt(answer, manifest.mapping.records, records);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(
      Number(url.port || 443),
      url.hostname === 'localhost' ? '127.0.0.1' : url.hostname.replace(/^\[|\]$/g, ''),
      () => resolve(),
    );
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://${url.hostname}:${port}${path}`,
    subjects: known.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
