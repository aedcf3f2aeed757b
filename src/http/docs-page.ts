/**
 * A readable API reference rendered in the browser from /openapi.json, with no external
 * script (the gateway may run where no CDN is reachable).
 */
export function docsPage(specUrl: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Eligibility Gateway API · 法律援助经济状况核查网关</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem} .op{border:1px solid #ddd;border-radius:6px;margin:.75rem 0;padding:.5rem .75rem}
.m{display:inline-block;min-width:4rem;font-weight:600;text-transform:uppercase} .get{color:#0a6} .post{color:#06c}
code{background:#f4f4f4;padding:0 .25rem;border-radius:3px} details pre{overflow:auto;background:#f8f8f8;padding:.5rem;font-size:12px}
</style></head>
<body><h1>Eligibility Gateway API <small>· 法律援助经济状况核查网关</small></h1>
<p>Machine-readable specification: <a href="${specUrl}"><code>${specUrl}</code></a> (OpenAPI 3.1).</p>
<div id="ops">Loading…</div>
<script>
fetch(${JSON.stringify(specUrl)}).then(r=>r.json()).then(spec=>{
  const root=document.getElementById('ops'); root.textContent='';
  for (const [path,item] of Object.entries(spec.paths||{})) for (const [method,op] of Object.entries(item)) {
    const d=document.createElement('div'); d.className='op';
    const h=document.createElement('div');
    const m=document.createElement('span'); m.className='m '+method; m.textContent=method; h.append(m);
    const p=document.createElement('code'); p.textContent=path; h.append(p, ' — ', op.summary||'');
    d.append(h);
    const det=document.createElement('details'); const s=document.createElement('summary'); s.textContent='schema';
    const pre=document.createElement('pre'); pre.textContent=JSON.stringify({parameters:op.parameters,requestBody:op.requestBody,responses:op.responses},null,2);
    det.append(s,pre); d.append(det); root.append(d);
  }
});
</script></body></html>`;
}
