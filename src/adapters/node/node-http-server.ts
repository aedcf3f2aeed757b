/**
 * The Node HTTP server in front of the Hono app, with explicit limits (issue 11): how long a
 * client may take to send its headers and its whole request, how long an idle keep-alive
 * connection stays open, and how many connections are served at once. Node's defaults are
 * either unbounded (connections) or far looser than an intake API needs.
 */
import { type ServerType, serve } from '@hono/node-server';

export interface HttpLimits {
  /** Time to receive a request's headers (slowloris). */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request, body included. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept. */
  readonly keepAliveTimeoutMs: number;
  /** Connections served at once; further ones are refused by the kernel's backlog. */
  readonly maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
};

export interface NodeHttpServerOptions {
  readonly fetch: (request: Request) => Response | Promise<Response>;
  readonly hostname: string;
  readonly port: number;
  readonly limits?: Partial<HttpLimits>;
}

/**
 * A 413 is answered before the body is read. The adapter then drains what is left only up to
 * a cap and destroys the socket beyond it, so a keep-alive client that reused the socket saw
 * its next request fail. Saying `Connection: close` makes the client open a new one.
 */
function closingOversized(response: Response): Response {
  if (response.status !== 413) return response;
  const headers = new Headers(response.headers);
  headers.set('connection', 'close');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * @example const { server, limits } = await serveNodeHttp({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
 */
export async function serveNodeHttp(
  options: NodeHttpServerOptions,
): Promise<{ server: ServerType; limits: HttpLimits }> {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  for (const [name, value] of Object.entries(limits))
    if (!Number.isInteger(value) || value <= 0)
      throw new RangeError(`HTTP limit ${name} must be a positive integer`);
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw new RangeError('HTTP limit headersTimeoutMs must not exceed requestTimeoutMs');
  const fetch = async (request: Request) => closingOversized(await options.fetch(request));
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve(
      {
        fetch,
        hostname: options.hostname,
        port: options.port,
        serverOptions: {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
        },
      },
      () => resolve(s),
    );
    // Set before the first connection is accepted (listening is reported on a later tick).
    if ('maxConnections' in s) s.maxConnections = limits.maxConnections;
  });
  return { server, limits };
}
