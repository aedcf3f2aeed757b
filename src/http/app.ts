/**
 * createApp(deps): the one Hono app both runtimes serve. It depends on core ports only;
 * src/runtime/* chooses the implementations.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { GatewayError } from '../core/errors.ts';
import { auditPage } from '../web/audit-page.ts';
import { consolePage } from '../web/console-page.ts';
import { UPLOT_CSS, UPLOT_JS } from '../web/uplot-asset.ts';
import type { AppDeps, AppEnv } from './app-deps.ts';
import { bearerJwt } from './auth.ts';
import { bodyLimit } from './body-limit.ts';
import { docsPage, type OpenApiDocument } from './docs-page.ts';
import { indexPage } from './index-page.ts';
import { payloadTooLargeDetail, ROUTE_NOT_FOUND_DETAIL } from './problem-catalogue.ts';
import { problemResponse, validationError } from './problems.ts';
import { changeFeedRoutes } from './routes/changes.ts';
import { connectorRoutes } from './routes/connectors.ts';
import { federationRoutes } from './routes/federation.ts';
import { logRoutes } from './routes/log.ts';
import { operationsRoutes } from './routes/operations.ts';
import { reportRoutes } from './routes/reports.ts';
import { reverificationRoutes } from './routes/reverifications.ts';
import { subjectRoutes } from './routes/subjects.ts';
import { verificationRoutes } from './routes/verifications.ts';
import { webhookRoutes } from './routes/webhooks.ts';

export type { AppDeps, AppEnv, HttpMetrics, Readiness, RequestLogger } from './app-deps.ts';

/**
 * @example
 * const app = createApp(deps);
 * serve({ fetch: app.fetch, port: 8080 });
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error.issues);
    },
  });

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath;
    const seconds = (performance.now() - started) / 1000;
    deps.metrics?.observeRequest(route, c.req.method, c.res.status, seconds);
    deps.logger?.({ method: c.req.method, route, status: c.res.status, ms: Math.round(seconds * 1000) });
  });

  const maxSize = deps.bodyLimitBytes ?? 64 * 1024;
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize,
      onError: (c) =>
        problemResponse(c, new GatewayError('ERR_PAYLOAD_TOO_LARGE', 'body too large'), {
          detail: payloadTooLargeDetail(maxSize),
        }),
    }),
  );

  const auth = bearerJwt(deps.auth);
  app.use('/v1/verifications', auth);
  app.use('/v1/verifications/*', auth);
  app.use('/v1/subjects/*', auth);
  app.use('/v1/reverifications', auth);
  app.use('/v1/reverifications/*', auth);
  app.use('/v1/reports/*', auth);

  verificationRoutes(app, deps);
  logRoutes(app, deps);
  subjectRoutes(app, deps);
  operationsRoutes(app, deps);
  connectorRoutes(app, deps);
  webhookRoutes(app, deps);
  changeFeedRoutes(app, deps);
  reverificationRoutes(app, deps);
  if (deps.federation) federationRoutes(app, deps.federation);
  reportRoutes(app, deps);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Eligibility Gateway',
      version: deps.version ?? '0.1.0',
      description: 'Signed, explained legal-aid eligibility decisions with a verifiable transparency log.',
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  const info = {
    title: 'Eligibility Gateway',
    version: deps.version ?? '0.1.0',
    description: 'Signed, explained legal-aid eligibility decisions with a verifiable transparency log.',
  };
  let docs: string | undefined;
  app.get('/docs', (c) => {
    docs ??= docsPage(
      app.getOpenAPI31Document({ openapi: '3.1.0', info }) as OpenApiDocument,
      '/openapi.json',
    );
    return c.html(docs);
  });
  app.get('/audit', (c) => c.html(auditPage()));
  app.get('/console', (c) => c.html(consolePage()));
  // The console's chart library, served by the gateway itself: the page needs no CDN.
  const immutable = { 'Cache-Control': 'public, max-age=86400' };
  app.get('/console/uplot.js', (c) =>
    c.body(UPLOT_JS, 200, { ...immutable, 'Content-Type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/console/uplot.css', (c) =>
    c.body(UPLOT_CSS, 200, { ...immutable, 'Content-Type': 'text/css; charset=utf-8' }),
  );
  app.get('/', (c) => c.html(indexPage(info.version)));

  const methodsAt = routeMethods(app);
  app.notFound((c) => {
    // A known address asked with a method it does not serve is 405 with `Allow` (RFC 9110 §15.5.6).
    const allow = methodsAt(c.req.path);
    if (allow.length === 0)
      return problemResponse(c, new GatewayError('ERR_NOT_FOUND', 'no such route'), {
        detail: ROUTE_NOT_FOUND_DETAIL,
      });
    return problemResponse(c, new GatewayError('ERR_METHOD_NOT_ALLOWED', 'method not served here'), {
      headers: { Allow: allow.join(', ') },
    });
  });
  app.onError((err, c) => {
    if (err instanceof HTTPException && err.status === 400) {
      // Hono's own 400 is a body that is not JSON; never echo its text.
      return problemResponse(
        c,
        new GatewayError('ERR_VALIDATION', 'malformed body', {
          errors: [{ path: '', message: 'the body is not valid JSON' }],
        }),
      );
    }
    return problemResponse(c, err);
  });
  return app;
}

/**
 * The methods each registered route serves, looked up by request path (HEAD wherever GET
 * is, as Hono answers it). Built on first use, once every route is registered.
 */
function routeMethods(app: OpenAPIHono<AppEnv>): (path: string) => string[] {
  let table: { readonly pattern: RegExp; readonly method: string }[] | undefined;
  return (path) => {
    table ??= app.routes
      .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
      .map((r) => ({
        pattern: new RegExp(
          `^${r.path
            .split('/')
            .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
            .join('/')}/?$`,
        ),
        method: r.method,
      }));
    const methods = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
