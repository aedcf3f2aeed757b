import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../app-deps.ts';

export function operationsRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const readiness = await deps.readiness();
    return c.json(
      { status: readiness.ok ? 'ready' : 'not_ready', checks: readiness.checks },
      readiness.ok ? 200 : 503,
    );
  });
  app.get('/metrics', async (c) => {
    if (!deps.metrics) return c.text('# metrics are not enabled on this runtime\n', 200);
    const { contentType, body } = await deps.metrics.render();
    return c.body(body, 200, { 'Content-Type': contentType });
  });
  app.get('/.well-known/jwks.json', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(deps.signer.jwks());
  });
}
