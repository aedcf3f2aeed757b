/**
 * `/v1/connectors`: partner agencies register, certify, test, activate and deactivate their
 * connectors (CONTRACT.md). Scope `connectors:admin` sees everything; `connectors:register`
 * with an `agency` claim sees only that agency's connectors (others answer 404). The CA
 * certificate and the CRL are public. Manifests are size-bounded before they are parsed and
 * schema-checked with every path at fault listed.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { ConnectorManifest, MANIFEST_MAX_BYTES } from '../../../schemas/connector-manifest.ts';
import { Problem } from '../../../schemas/problem.ts';
import type { ConnectorActor, ConnectorService } from '../../core/connector-service.ts';
import { GatewayError } from '../../core/errors.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { bearerJwt, requireScope } from '../auth.ts';
import { validationError } from '../problems.ts';

const CSR_MAX_BYTES = 16 * 1024;
const PUBLIC_PATHS = new Set(['/v1/connectors/ca', '/v1/connectors/ca/crl']);
const ConnectorId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
const Serial = z.string().regex(/^[0-9a-fA-F]{1,40}$/);

function actorOf(c: Context<AppEnv>): ConnectorActor {
  const principal = c.get('principal');
  return {
    clientId: principal.clientId,
    admin: principal.scopes.includes('connectors:admin'),
    ...(principal.agency === undefined ? {} : { agency: principal.agency }),
  };
}

function idOf(c: Context<AppEnv>, name = 'id'): string {
  const parsed = ConnectorId.safeParse(c.req.param(name));
  if (!parsed.success) throw new GatewayError('ERR_NOT_FOUND', 'no such connector');
  return parsed.data;
}

/** Reads a bounded body as text; a larger one is a 400 naming the limit. */
async function boundedText(c: Context<AppEnv>, max: number, what: string): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  const tooLarge = () =>
    new GatewayError('ERR_VALIDATION', `${what} too large`, {
      errors: [{ path: '', message: `the ${what} must be at most ${max} bytes` }],
      facts: { limit: max },
    });
  if (declared > max) throw tooLarge();
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length > max) throw tooLarge();
  return new TextDecoder().decode(bytes);
}

async function manifestOf(c: Context<AppEnv>): Promise<ConnectorManifest> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type))
    throw new GatewayError('ERR_UNSUPPORTED_MEDIA_TYPE', 'content type must be application/json');
  const text = await boundedText(c, MANIFEST_MAX_BYTES, 'manifest');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GatewayError('ERR_VALIDATION', 'manifest is not JSON', {
      errors: [{ path: '', message: 'the body is not valid JSON' }],
    });
  }
  const parsed = ConnectorManifest.safeParse(json);
  if (!parsed.success) throw validationError(parsed.error.issues);
  return parsed.data;
}

async function csrOf(c: Context<AppEnv>): Promise<string> {
  const text = await boundedText(c, CSR_MAX_BYTES, 'certificate request');
  if (/^application\/json/i.test(c.req.header('content-type') ?? '')) {
    try {
      const body = JSON.parse(text) as unknown;
      if (typeof body === 'object' && body !== null && 'csr' in body && typeof body.csr === 'string')
        return body.csr;
    } catch {
      // reported below
    }
    throw new GatewayError('ERR_VALIDATION', 'no csr', {
      errors: [{ path: '/csr', message: 'is required' }],
    });
  }
  return text;
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});
const json = (description: string) => ({
  description,
  content: { 'application/json': { schema: z.object({}).passthrough() } },
});

function document(app: OpenAPIHono<AppEnv>): void {
  const secured = { security: [{ bearer: [] }], tags: ['connectors'] };
  const idParam = { params: z.object({ id: ConnectorId }) };
  const manifestBody = {
    body: { required: true, content: { 'application/json': { schema: ConnectorManifest } } },
  };
  const bodyProblems = { 413: problem('Body too large'), 415: problem('Wrong content type') };
  const common = {
    400: problem('Malformed request, with the paths at fault'),
    401: problem('Missing or invalid token'),
    403: problem('Token lacks connectors:register / connectors:admin, or another agency'),
    404: problem('No such connector for this agency'),
  };
  const paths: [string, string, string, Record<string, unknown>, Record<number, unknown>][] = [
    [
      'post',
      '/v1/connectors',
      'Register a connector from its manifest (state registered)',
      manifestBody,
      {
        201: json('The connector'),
        400: problem('Invalid, oversized or refused manifest, with the paths at fault'),
        ...bodyProblems,
      },
    ],
    ['get', '/v1/connectors', 'The connectors this token may see', {}, { 200: json('{ connectors }') }],
    [
      'get',
      '/v1/connectors/{id}',
      'A connector: status, versions, certificates',
      idParam,
      { 200: json('The connector') },
    ],
    [
      'post',
      '/v1/connectors/{id}/versions',
      'Register a new manifest version (the active one keeps serving)',
      { ...idParam, ...manifestBody },
      { 201: json('The connector'), 400: problem('Invalid manifest'), ...bodyProblems },
    ],
    [
      'post',
      '/v1/connectors/{id}/csr',
      'Certify the endpoint: PEM CSR in, PEM certificate chain out',
      { ...idParam, body: { required: true, content: { 'application/pkcs10': { schema: z.string() } } } },
      {
        201: {
          description: 'Leaf then CA',
          content: { 'application/pem-certificate-chain': { schema: z.string() } },
        },
        400: problem('CSR refused, with the paths at fault'),
        ...bodyProblems,
      },
    ],
    [
      'post',
      '/v1/connectors/{id}/credentials',
      'Issue (or rotate) the HMAC app key; the secret is shown once',
      idParam,
      { 201: json('{ keyId, secret }') },
    ],
    [
      'post',
      '/v1/connectors/{id}/conformance',
      'Run the conformance cases against the endpoint',
      idParam,
      { 200: json('Report: passed, cases, failures (case, subject, fact, expected, actual)') },
    ],
    [
      'post',
      '/v1/connectors/{id}/activate',
      'Serve decisions with the conformant latest version (atomic swap)',
      idParam,
      { 200: json('The connector'), 400: problem('Not conformant yet') },
    ],
    [
      'post',
      '/v1/connectors/{id}/deactivate',
      'Stop serving decisions',
      idParam,
      { 200: json('The connector') },
    ],
    [
      'post',
      '/v1/connectors/{id}/certificates/{serial}/revoke',
      'Revoke an endpoint certificate',
      { params: z.object({ id: ConnectorId, serial: Serial }) },
      { 200: json('The certificate') },
    ],
  ];
  for (const [method, path, summary, request, responses] of paths)
    app.openAPIRegistry.registerPath({
      method: method as 'get' | 'post',
      path: path.replace(/\{(\w+)\}/g, '{$1}'),
      summary,
      ...secured,
      request,
      responses: { ...common, ...responses },
    } as Parameters<typeof app.openAPIRegistry.registerPath>[0]);
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/connectors/ca',
    summary: 'The gateway CA certificate and the gateway’s client certificate (PEM)',
    tags: ['connectors'],
    responses: { 200: json('{ certificate, gatewayClientCertificate, crl }') },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/connectors/ca/crl',
    summary: 'The certificate revocation list (DER)',
    tags: ['connectors'],
    responses: { 200: { description: 'CRL', content: { 'application/pkix-crl': { schema: z.string() } } } },
  });
}

/**
 * Mounts the connector routes when the runtime provides the service (Node does; a runtime
 * without partner connectors omits it and the paths answer 404).
 * @example connectorRoutes(app, deps)
 */
export function connectorRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: AppDeps & { readonly connectors?: ConnectorService },
): void {
  const service = deps.connectors;
  if (service === undefined) return;
  const auth = bearerJwt(deps.auth);
  const guard: MiddlewareHandler<AppEnv> = async (c, next) =>
    PUBLIC_PATHS.has(c.req.path) ? next() : auth(c, next);
  const scope = requireScope('connectors:admin', 'connectors:register');
  app.use('/v1/connectors', guard);
  app.use('/v1/connectors/*', guard);

  app.get('/v1/connectors/ca', (c) =>
    c.json({
      certificate: service.caCertificatePem,
      gatewayClientCertificate: service.clientCertificatePem,
      crl: '/v1/connectors/ca/crl',
    }),
  );
  app.get('/v1/connectors/ca/crl', async (c) => {
    const crl = await service.crl();
    return c.body(new Uint8Array(crl).buffer as ArrayBuffer, 200, {
      'content-type': 'application/pkix-crl',
      'cache-control': 'max-age=60',
    });
  });

  app.post('/v1/connectors', scope, async (c) =>
    c.json(await service.register(actorOf(c), await manifestOf(c)), 201),
  );
  app.get('/v1/connectors', scope, async (c) => c.json({ connectors: await service.list(actorOf(c)) }, 200));
  app.get('/v1/connectors/:id', scope, async (c) => c.json(await service.get(actorOf(c), idOf(c)), 200));
  app.post('/v1/connectors/:id/versions', scope, async (c) => {
    const actor = actorOf(c);
    const id = idOf(c);
    await service.get(actor, id); // 404 before reading another agency's body
    return c.json(await service.newVersion(actor, id, await manifestOf(c)), 201);
  });
  app.post('/v1/connectors/:id/csr', scope, async (c) => {
    const actor = actorOf(c);
    const id = idOf(c);
    await service.get(actor, id);
    const { chainPem, certificate } = await service.certify(actor, id, await csrOf(c));
    return c.body(chainPem, 201, {
      'content-type': 'application/pem-certificate-chain',
      'egw-certificate-serial': certificate.serial,
      'cache-control': 'no-store',
    });
  });
  app.post('/v1/connectors/:id/credentials', scope, async (c) => {
    c.header('cache-control', 'no-store');
    return c.json(await service.issueAppKey(actorOf(c), idOf(c)), 201);
  });
  app.post('/v1/connectors/:id/conformance', scope, async (c) =>
    c.json(await service.conformance(actorOf(c), idOf(c)), 200),
  );
  app.post('/v1/connectors/:id/activate', scope, async (c) =>
    c.json(await service.activate(actorOf(c), idOf(c)), 200),
  );
  app.post('/v1/connectors/:id/deactivate', scope, async (c) =>
    c.json(await service.deactivate(actorOf(c), idOf(c)), 200),
  );
  app.post('/v1/connectors/:id/certificates/:serial/revoke', scope, async (c) => {
    const serial = Serial.safeParse(c.req.param('serial'));
    if (!serial.success) throw new GatewayError('ERR_NOT_FOUND', 'no such certificate');
    const text = await boundedText(c, 1024, 'body');
    let reason = 'unspecified';
    try {
      const body = text === '' ? {} : (JSON.parse(text) as unknown);
      if (typeof body === 'object' && body !== null && 'reason' in body && typeof body.reason === 'string')
        reason = /^[a-z][a-zA-Z]{0,31}$/.test(body.reason) ? body.reason : 'unspecified';
    } catch {
      throw new GatewayError('ERR_VALIDATION', 'not JSON', {
        errors: [{ path: '', message: 'the body is not valid JSON' }],
      });
    }
    return c.json(await service.revokeCertificate(actorOf(c), idOf(c), serial.data, reason), 200);
  });
  document(app);
}
