/**
 * The operator's console (GET /console, issue 15): today's verifications, the registries now
 * and over the day, the queues, the ledger and the partner connectors, in zh-CN and en. Its
 * data calls carry the bearer token the operator pastes (scope `console:read`) and read only
 * `/v1/reports/console`: counts, durations, codes and names of systems, never a person. Charts
 * are uPlot, served by the gateway at /console/uplot.js; each has a table as its accessible
 * alternative. Text from the server is set with textContent only.
 */
import { CONSOLE_TEXT } from './console-text.ts';

const SCRIPT = `
const TEXT = __TEXT__;
const $ = (id) => document.getElementById(id);
const REFRESH_MS = 10000;
let lang = (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
let token = sessionStorage.getItem('egw-console-token') || '';
let data = null;
let timer = null;
const charts = [];
const t = (key) => (TEXT[lang] && TEXT[lang][key]) || TEXT.en[key] || key;

function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = t('title');
  $('lang').value = lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  if (data) render();
}
function pct(v) { return v === null || v === undefined ? '—' : (v * 100).toFixed(1) + ' %'; }
function ms(v) { return v === null || v === undefined ? '—' : v + ' ms'; }
function age(iso) {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 120) return s + ' ' + t('seconds');
  if (s < 7200) return Math.round(s / 60) + ' ' + t('minutes');
  return Math.round(s / 3600) + ' ' + t('hours');
}
function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}
function figure(id, value, shown) {
  const node = $(id);
  node.dataset.value = value === null || value === undefined ? '' : String(value);
  node.textContent = shown;
}
function table(target, caption, head, rows) {
  const box = $(target);
  box.replaceChildren();
  const tbl = el('table');
  tbl.append(el('caption', caption));
  const thead = el('thead');
  const tr = el('tr');
  for (const h of head) tr.append(el('th', h, { scope: 'col' }));
  thead.append(tr);
  const tbody = el('tbody');
  for (const row of rows) {
    const r = el('tr');
    row.forEach((cell, i) => {
      const c = i === 0 ? el('th', null, { scope: 'row' }) : el('td');
      if (cell && typeof cell === 'object') {
        c.textContent = cell.text;
        for (const [k, v] of Object.entries(cell.attrs || {})) c.setAttribute(k, String(v));
      } else c.textContent = cell === null || cell === undefined ? '—' : String(cell);
      r.append(c);
    });
    tbody.append(r);
  }
  if (rows.length === 0) {
    const r = el('tr');
    r.append(el('td', t('none'), { colspan: head.length }));
    tbody.append(r);
  }
  tbl.append(thead, tbody);
  box.append(tbl);
  return tbl;
}
const PALETTE = ['#1f5fa8', '#b00020', '#6a3d9a', '#1b7a3a', '#8a5a00', '#444444'];
function chart(target, title, labels, series, yLabel) {
  const box = $(target);
  box.replaceChildren();
  if (typeof uPlot === 'undefined' || labels.length === 0) return;
  const xs = labels.map((_, i) => i);
  const opts = {
    title, width: Math.min(860, box.clientWidth || 600), height: 220,
    legend: { show: true, live: false },
    scales: { x: { time: false } },
    axes: [
      { values: (u, ticks) => ticks.map((i) => labels[i] === undefined ? '' : labels[i]) },
      { label: yLabel },
    ],
    series: [{ label: '' }].concat(series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true }))),
  };
  charts.push(new uPlot(opts, [xs].concat(series.map((s) => s.values)), box));
}
function statusCell(status) {
  return { text: t('status_' + status), attrs: { 'data-status': status, class: 'status ' + status } };
}
function render() {
  for (const c of charts.splice(0)) c.destroy();
  const d = data;
  const today = d.today;
  figure('f-decisions', today.decisions, today.decisions);
  figure('f-eligible', today.byOutcome.eligible, today.byOutcome.eligible);
  figure('f-ineligible', today.byOutcome.ineligible, today.byOutcome.ineligible);
  figure('f-needs_review', today.byOutcome.needs_review, today.byOutcome.needs_review);
  figure('f-checkedOnline', today.checkedOnline, today.checkedOnline);
  figure('f-checkedOnlineShare', today.checkedOnlineShare, pct(today.checkedOnlineShare));
  figure('f-provisional', today.provisional, today.provisional);
  figure('f-greenChannel', today.greenChannel, today.greenChannel);
  figure('f-superseded', today.superseded, today.superseded);
  figure('f-p50', today.timeToDecisionMs.p50, ms(today.timeToDecisionMs.p50));
  figure('f-p95', today.timeToDecisionMs.p95, ms(today.timeToDecisionMs.p95));
  const days = d.days.map((p) => p.period.slice(5));
  chart('c-days', t('chart_days'), days, ['eligible', 'ineligible', 'needs_review'].map((o) => ({ label: t('outcome_' + o), values: d.days.map((p) => p.byOutcome[o]) })), t('decisions'));
  table('t-days', t('chart_days'), [t('day'), t('outcome_eligible'), t('outcome_ineligible'), t('outcome_needs_review'), t('online_share'), t('ttd_p95')],
    d.days.map((p) => [p.period, p.byOutcome.eligible, p.byOutcome.ineligible, p.byOutcome.needs_review, pct(p.checkedOnlineShare), ms(p.timeToDecisionMs.p95)]));

  table('t-registries', t('registries_now'), [t('registry'), t('status'), t('availability'), t('calls'), t('timeouts'), t('faults'), t('p50'), t('p95'), t('quota_use'), t('ping')],
    d.registries.map((r) => [{ text: r.source, attrs: { 'data-source': r.source } }, statusCell(r.status), pct(r.availability), r.calls, r.timeouts, r.faults, ms(r.latencyMs.p50), ms(r.latencyMs.p95), r.quota ? pct(r.quota.use) + ' (' + r.quota.peakPerSecond + ' / ' + r.quota.ratePerSecond + ' /s)' : t('no_quota'), t('ping_' + r.ping)]));
  const sources = d.registries.map((r) => r.source);
  const hours = d.hours.map((h) => h.period.slice(11));
  const per = (h, s) => h.registries.find((r) => r.source === s);
  chart('c-availability', t('chart_availability'), hours, sources.map((s) => ({ label: s, values: d.hours.map((h) => { const r = per(h, s); return r && r.availability !== null ? r.availability * 100 : null; }) })), '%');
  chart('c-latency', t('chart_latency'), hours, sources.map((s) => ({ label: s, values: d.hours.map((h) => { const r = per(h, s); return r ? r.latencyMs.p95 : null; }) })), 'ms');
  const hourRows = [];
  for (const h of d.hours) for (const r of h.registries) hourRows.push([h.period.slice(11) + ' ' + r.source, pct(r.availability), r.calls, r.timeouts, r.faults, ms(r.latencyMs.p50), ms(r.latencyMs.p95)]);
  table('t-hours', t('chart_hours'), [t('hour'), t('availability'), t('calls'), t('timeouts'), t('faults'), t('p50'), t('p95')], hourRows);

  const rq = d.queues.reverification;
  table('t-reverification', t('queue_reverification'), [t('figure'), t('value')], rq ? [
    [t('pending'), { text: rq.pending, attrs: { 'data-figure': 'reverification-pending' } }],
    [t('due'), rq.due],
    [t('oldest_age'), age(rq.oldestPendingSince)],
    [t('last_errors'), Object.entries(rq.lastErrors).map(([k, v]) => k + ' × ' + v).join(', ') || '—'],
  ] : []);
  const rv = d.queues.review;
  table('t-review', t('queue_review'), [t('figure'), t('value')], rv ? [
    [t('open'), { text: rv.open, attrs: { 'data-figure': 'review-open' } }],
    [t('oldest_age'), age(rv.oldestSince)],
  ] : []);

  const l = d.ledger;
  table('t-ledger', t('ledger'), [t('figure'), t('value')], l ? [
    [t('log_size'), { text: l.size, attrs: { 'data-figure': 'log-size' } }],
    [t('last_checkpoint'), l.lastCheckpointAt ? l.lastCheckpointAt + ' (' + age(l.lastCheckpointAt) + ')' : '—'],
    [t('anchoring'), { text: t('anchoring_' + l.anchoring), attrs: { 'data-status': l.anchoring, class: 'status ' + (l.anchoring === 'alarm' || l.anchoring === 'failing' ? 'down' : l.anchoring === 'degraded' ? 'degraded' : 'up') } }],
    [t('pending_anchors'), l.pendingAnchors],
    [t('anchor_lag'), l.anchoring === 'disabled' ? t('anchoring_disabled') : age(l.oldestPendingSince)],
    [t('last_anchor'), l.lastAnchor ? l.lastAnchor.size + ' @ ' + l.lastAnchor.anchoredAt : '—'],
  ] : []);

  const rows = [];
  for (const k of d.connectors || []) for (const v of k.versions)
    rows.push([k.id, k.agency, k.kind, k.status, v.version + ' ' + v.label, v.state,
      v.conformance ? (v.conformance.passed ? t('passed') : t('failed')) + ' (' + v.conformance.failures + ') ' + v.conformance.ranAt : t('not_run')]);
  table('t-connectors', t('connectors'), [t('connector'), t('agency'), t('kind'), t('status'), t('version'), t('state'), t('conformance')], rows);
  $('updated').textContent = t('updated') + ' ' + new Date(d.generatedAt).toLocaleTimeString(lang);
  document.body.dataset.loaded = d.generatedAt;
}
async function refresh() {
  if (!token) return;
  const res = await fetch('/v1/reports/console', { headers: { authorization: 'Bearer ' + token, 'accept-language': lang } }).catch(() => null);
  if (!res || !res.ok) {
    $('signin-error').textContent = !res ? t('unreachable') : res.status === 403 ? t('forbidden') : res.status === 401 ? t('unauthorised') : t('failed_load');
    if (res && (res.status === 401 || res.status === 403)) { $('app').hidden = true; $('signin').hidden = false; }
    return;
  }
  data = await res.json();
  $('signin-error').textContent = '';
  $('signin').hidden = true;
  $('app').hidden = false;
  render();
}
function show(tab) {
  for (const b of document.querySelectorAll('nav button')) {
    if (b.dataset.tab === tab) b.setAttribute('aria-current', 'page'); else b.removeAttribute('aria-current');
  }
  for (const s of document.querySelectorAll('#app section')) s.hidden = s.id !== tab;
  location.hash = tab;
  if (data) render();
}
$('lang').addEventListener('change', (e) => { lang = e.target.value; applyLanguage(); });
$('signin').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem('egw-console-token', token);
  $('token').value = '';
  refresh();
});
$('signout').addEventListener('click', () => {
  token = ''; data = null; sessionStorage.removeItem('egw-console-token');
  $('app').hidden = true; $('signin').hidden = false; $('token').focus();
});
$('refresh').addEventListener('click', refresh);
for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => show(b.dataset.tab));
applyLanguage();
show(['today', 'registries', 'queues', 'ledger', 'connectors'].includes(location.hash.slice(1)) ? location.hash.slice(1) : 'today');
refresh();
timer = setInterval(refresh, REFRESH_MS);
`;

const TABS = ['today', 'registries', 'queues', 'ledger', 'connectors'] as const;

/** The page's HTML: inline script and style, uPlot from the gateway itself. */
export function consolePage(): string {
  const script = SCRIPT.replace('__TEXT__', JSON.stringify(CONSOLE_TEXT).replace(/</g, '\\u003c'));
  const figures = [
    'decisions',
    'eligible',
    'ineligible',
    'needs_review',
    'checkedOnline',
    'checkedOnlineShare',
    'provisional',
    'greenChannel',
    'superseded',
    'p50',
    'p95',
  ]
    .map((f) => `<div><dt data-t="fig_${f}"></dt><dd id="f-${f}" data-figure="${f}">—</dd></div>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Console — Eligibility Gateway</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/console/uplot.css">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:1rem auto;padding:0 1rem;color:#1b1b1b;background:#fff}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem;list-style:none;padding:0}
nav button{font-size:1rem;padding:.4rem .9rem;border:1px solid #1f5fa8;background:#fff;color:#1f5fa8;border-radius:4px;cursor:pointer}
nav button[aria-current=page]{background:#1f5fa8;color:#fff}
button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #8a5a00;outline-offset:2px}
dl{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.5rem}
dl div{border:1px solid #ccc;border-radius:4px;padding:.5rem} dt{font-size:.85rem;color:#444} dd{margin:0;font-size:1.4rem;font-weight:600}
table{border-collapse:collapse;margin:.75rem 0;min-width:50%} caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
.status{font-weight:600;color:#fff;border-radius:3px}
.status.up{background:#1b5e20} .status.degraded{background:#8a4b00} .status.down{background:#b00020} .status.idle{background:#555}
#signin-error{color:#b00020;font-weight:600} .chart{min-height:1rem}
input[type=password]{width:100%;max-width:40rem;font:13px ui-monospace,monospace;padding:.3rem}
</style></head><body>
<header>
<h1 data-t="title">Console</h1>
<div><label for="lang" data-t="language">Language</label>
<select id="lang"><option value="zh-CN">中文（简体）</option><option value="en">English</option></select></div>
</header>
<main>
<form id="signin" aria-labelledby="signin-title">
<h2 id="signin-title" data-t="signin_title">Sign in</h2>
<p data-t="signin_help"></p>
<label for="token" data-t="token_label">Bearer token</label><br>
<input id="token" type="password" autocomplete="off" spellcheck="false" required><br>
<button type="submit" data-t="signin">Sign in</button>
</form>
<p id="signin-error" role="alert"></p>
<div id="app" hidden>
<nav aria-label="Console"><ul>${TABS.map((tab) => `<li><button type="button" data-tab="${tab}" data-t="tab_${tab}">${tab}</button></li>`).join('')}</ul></nav>
<p><button type="button" id="refresh" data-t="refresh">Refresh</button> <button type="button" id="signout" data-t="signout">Sign out</button>
<span id="updated" role="status" aria-live="polite"></span></p>
<section id="today" aria-labelledby="h-today"><h2 id="h-today" data-t="tab_today"></h2>
<dl>${figures}</dl>
<div id="c-days" class="chart" aria-hidden="true"></div><div id="t-days"></div></section>
<section id="registries" aria-labelledby="h-registries" hidden><h2 id="h-registries" data-t="tab_registries"></h2>
<p data-t="registries_help"></p>
<div id="t-registries"></div>
<div id="c-availability" class="chart" aria-hidden="true"></div><div id="c-latency" class="chart" aria-hidden="true"></div><div id="t-hours"></div></section>
<section id="queues" aria-labelledby="h-queues" hidden><h2 id="h-queues" data-t="tab_queues"></h2>
<div id="t-reverification"></div><div id="t-review"></div></section>
<section id="ledger" aria-labelledby="h-ledger" hidden><h2 id="h-ledger" data-t="tab_ledger"></h2>
<div id="t-ledger"></div></section>
<section id="connectors" aria-labelledby="h-connectors" hidden><h2 id="h-connectors" data-t="tab_connectors"></h2>
<div id="t-connectors"></div></section>
</div>
</main>
<script src="/console/uplot.js"></script>
<script>${script}</script>
</body></html>`;
}
