/**
 * `GET /`: a small page for a person who opens the gateway's address in a browser, pointing
 * to what there is to read, in Chinese and English. No script, no external resource.
 */
export function indexPage(version: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Eligibility Gateway · 法律援助经济状况核查网关</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.6 system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#1b1b1b} small{color:#555}</style>
</head><body>
<h1>法律援助经济状况核查网关 <small>Eligibility Gateway ${version}</small></h1>
<p>本网关为法律援助受理系统出具经签名、附理由、可独立核验的经济困难核查决定。
<br><small>This gateway answers legal-aid intake systems with signed, explained eligibility decisions that anyone can verify.</small></p>
<ul>
<li><a href="/docs">接口说明 / API documentation</a> — 认证方式与每个接口的示例 / how to authenticate, one example per operation</li>
<li><a href="/audit">决定核验 / Verify a decision</a> — 在浏览器中核验决定及其存证 / check a decision and its receipt in this browser</li>
<li><a href="/console">运营控制台 / Operator console</a> — 今日核验、各部门数据源、队列与账本（需 console:read 令牌）/ today, the registries, the queues and the ledger (a console:read token)</li>
<li><a href="/openapi.json">OpenAPI 3.1</a> — 机器可读的接口规范 / the machine-readable specification</li>
<li><a href="/readyz">/readyz</a> — 运行状态 / readiness of the registries, the store and the ledger</li>
</ul>
</body></html>`;
}
