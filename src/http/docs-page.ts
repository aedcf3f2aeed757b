/**
 * `GET /docs`: the API reference, rendered on the server from the OpenAPI document, so it
 * reads without JavaScript and with no external resource (the gateway may run where no CDN
 * is reachable). It says how to authenticate and gives one example per operation, in
 * Chinese and English.
 */

interface Operation {
  readonly summary?: string;
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly requestBody?: unknown;
  readonly parameters?: readonly {
    readonly name?: string;
    readonly in?: string;
    readonly required?: boolean;
  }[];
  readonly responses?: Readonly<Record<string, { readonly description?: string }>>;
}

/** The part of an OpenAPI 3.1 document the page reads. */
export interface OpenApiDocument {
  readonly paths?: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Example values for path and query parameters (synthetic). */
const EXAMPLE_VALUES: Readonly<Record<string, string>> = {
  id: '0b6f3c3e-5d1a-4c8e-9a53-2f1f4f7d9e21',
  idNumber: '11010519491231002X',
  index: '0',
  start: '0',
  end: '10',
  first: '1',
  second: '2',
  from: '1',
  to: '2',
};

/** The scope a route needs, read from its 403 description ("Token lacks verifications:write"). */
function scopeOf(op: Operation): string | undefined {
  return /lacks ([a-z]+:[a-z]+)/.exec(op.responses?.['403']?.description ?? '')?.[1];
}

function example(method: string, path: string, op: Operation): string {
  const url = path.replace(/\{(\w+)\}/g, (_, name: string) => EXAMPLE_VALUES[name] ?? name);
  const query = (op.parameters ?? [])
    .filter((p) => p.in === 'query' && p.required && p.name)
    .map((p) => `${p.name}=${EXAMPLE_VALUES[p.name ?? ''] ?? '…'}`)
    .join('&');
  const lines = [
    `curl -sS --fail${method === 'get' ? '' : ` -X ${method.toUpperCase()}`} "$GATEWAY${url}${query ? `?${query}` : ''}"`,
  ];
  if (op.security?.length) lines.push('  -H "Authorization: Bearer $TOKEN"');
  if (op.requestBody) lines.push('  -H "Content-Type: application/json"');
  if ((op.parameters ?? []).some((p) => p.in === 'header' && p.name?.toLowerCase() === 'idempotency-key'))
    lines.push('  -H "Idempotency-Key: case-2026-0001"');
  if (op.requestBody) lines.push('  --data @request.json');
  return lines.join(' \\\n');
}

/**
 * @example
 * app.get('/docs', (c) => c.html(docsPage(app.getOpenAPI31Document(config), '/openapi.json')));
 */
export function docsPage(spec: OpenApiDocument, specUrl: string): string {
  const operations: string[] = [];
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const scope = scopeOf(op);
      const auth = op.security?.length
        ? `需要访问令牌 / bearer token${scope ? ` · scope <code>${escapeHtml(scope)}</code>` : ''}`
        : '公开 / public';
      operations.push(`<section class="op" id="${escapeHtml(`${method}-${path}`)}">
<h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(op.summary ?? '')} <small>(${auth})</small></p>
<pre>${escapeHtml(example(method, path, op))}</pre>
</section>`);
    }
  }
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Eligibility Gateway API · 法律援助经济状况核查网关 接口说明</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem} .op{border:1px solid #ddd;border-radius:6px;margin:.75rem 0;padding:.25rem .75rem}
h3{font-size:1rem;margin:.5rem 0} .m{display:inline-block;min-width:4rem;font-weight:600} .get{color:#0a6} .post{color:#06c}
code{background:#f4f4f4;padding:0 .25rem;border-radius:3px} pre{overflow:auto;background:#f8f8f8;padding:.5rem;font-size:12px}
small{color:#555}
</style></head>
<body><h1>接口说明 <small>Eligibility Gateway API</small></h1>
<p>机器可读的规范 / Machine-readable specification: <a href="${escapeHtml(specUrl)}"><code>${escapeHtml(specUrl)}</code></a> (OpenAPI 3.1).
错误均为 RFC 9457 <code>application/problem+json</code>，语言随 <code>Accept-Language</code>（zh-CN 或 en）。
<br><small>Errors are RFC 9457 problem documents in the language of <code>Accept-Language</code> (zh-CN or en).</small></p>
<h2>如何认证 <small>How to authenticate</small></h2>
<p>除公开接口外，每个请求都带 <code>Authorization: Bearer &lt;JWT&gt;</code>：令牌由网关信任的签发方（<code>egw start --issuers FILE</code>）签发，受众为 <code>eligibility-gateway</code>，<code>scope</code> 中列出所需权限。开发环境可用 <code>egw token --scope verifications:write</code> 获取令牌。
<br><small>Every request except the public ones carries <code>Authorization: Bearer &lt;JWT&gt;</code>: a token from an issuer the gateway trusts (<code>egw start --issuers FILE</code>), audience <code>eligibility-gateway</code>, with the scope each operation names. In development, <code>egw token --scope verifications:write</code> prints one. <code>POST /v1/verifications</code> also needs an <code>Idempotency-Key</code>: the same key and body return the same decision.</small></p>
<pre>GATEWAY=http://127.0.0.1:8080
TOKEN=$(npm run -s egw -- token --scope verifications:write)</pre>
<h2>接口 <small>Operations</small></h2>
${operations.join('\n')}
</body></html>`;
}
