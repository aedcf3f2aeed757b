/**
 * The auditor's web page (GET /audit): verifies a decision and its receipt in the browser,
 * with the browser's own WebCrypto and an independent implementation of RFC 9162 inclusion,
 * C2SP signed-note checkpoints and JWS written here in plain JavaScript — it shares no code
 * with the gateway, so it is a second, independent verifier. The page loads nothing from
 * anywhere: save it and open it from disk to avoid trusting the gateway that served it.
 */
const SCRIPT = String.raw`
const te = new TextEncoder();
const td = new TextDecoder();
const $ = (id) => document.getElementById(id);
function b64d(s) {
  s = String(s).replace(/-/g, '+').replace(/_/g, '/');
  while (s.length % 4) s += '=';
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
function same(a, b) { return a.length === b.length && a.every((v, i) => v === b[i]); }
async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)); }
function b64url(bytes) { let s = ''; for (const b of bytes) s += String.fromCharCode(b); return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''); }
// RFC 8785 canonical JSON.
function jcs(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map((x) => (x === undefined ? 'null' : jcs(x))).join(',') + ']';
  const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + jcs(v[k])).join(',') + '}';
}
async function verifyJws(jws, jwks) {
  const [h, p, s] = String(jws).split('.');
  const header = JSON.parse(td.decode(b64d(h)));
  const jwk = (jwks.keys || []).find((k) => k.kid === header.kid);
  if (!jwk) return { ok: false };
  let ok = false;
  const data = te.encode(h + '.' + p);
  if (header.alg === 'ES256') {
    const key = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, b64d(s), data);
  } else if (header.alg === 'EdDSA') {
    const key = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, false, ['verify']);
    ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, b64d(s), data);
  }
  return { ok, payload: b64d(p) };
}
// C2SP signed note: verifier key "name+hash+base64(0x01||pubkey)".
async function openCheckpoint(note, verifierKey) {
  // The key's base64 part may itself contain '+': split at the first two only.
  const m = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(verifierKey.trim());
  if (!m) throw new Error('not a verifier key');
  const [, name, hashHex, keyB64] = m;
  const raw = b64d(keyB64);
  if (raw[0] !== 1 || raw.length !== 33) throw new Error('not an Ed25519 verifier key');
  const pub = raw.slice(1);
  const kh = (await sha256(concat(te.encode(name + '\n'), raw))).slice(0, 4);
  if (Array.from(kh, (b) => b.toString(16).padStart(2, '0')).join('') !== hashHex) throw new Error('key hash mismatch');
  const split = note.lastIndexOf('\n\n');
  const text = note.slice(0, split + 1);
  const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
  let verified = false;
  for (const line of note.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const sig = b64d(m[2]);
    if (!same(sig.slice(0, 4), kh)) continue;
    verified = await crypto.subtle.verify({ name: 'Ed25519' }, key, sig.slice(4), te.encode(text));
    if (verified) break;
  }
  if (!verified) throw new Error('no valid signature');
  const [origin, size, root] = text.split('\n');
  return { origin, size: Number(size), root: b64d(root) };
}
// RFC 9162 section 2.1.3.2.
async function rootFromInclusion(leafHash, index, size, proof) {
  if (!(index < size)) throw new Error('index out of range');
  let fn = index, sn = size - 1, r = leafHash;
  const half = (n) => Math.floor(n / 2);
  for (const p of proof) {
    if (sn === 0) throw new Error('proof too long');
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(concat([1], p, r));
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      r = await sha256(concat([1], r, p));
    }
    fn = half(fn); sn = half(sn);
  }
  if (sn !== 0) throw new Error('proof too short');
  return r;
}
const LABELS = {
  signature: ['签名', 'Signature'], payload: ['内容未被改动', 'Payload unaltered'], leaf: ['日志叶子绑定', 'Leaf binding'],
  checkpoint: ['检查点签名', 'Checkpoint signature'], inclusion: ['包含证明', 'Inclusion proof'],
};
async function verify(decision, jwks, logKey) {
  const results = [];
  const { signature, receipt, supersededBy, ...signed } = decision;
  let jws = { ok: false };
  try { jws = await verifyJws(signature, jwks); } catch {}
  results.push(['signature', jws.ok]);
  results.push(['payload', !!jws.payload && same(jws.payload, te.encode(jcs(signed)))]);
  let leafBytes, leafOk = false;
  try {
    leafBytes = b64d(receipt.leaf);
    const leaf = JSON.parse(td.decode(leafBytes));
    leafOk = !!jws.payload && leaf.kind === 'decision' && leaf.decisionId === signed.id && leaf.payloadDigest === b64url(await sha256(jws.payload));
  } catch {}
  results.push(['leaf', leafOk]);
  let cp;
  try { cp = await openCheckpoint(receipt.checkpoint, logKey); if (cp.origin !== receipt.logOrigin) cp = undefined; } catch {}
  results.push(['checkpoint', !!cp]);
  let incl = false;
  try {
    if (cp && leafBytes) {
      const root = await rootFromInclusion(await sha256(concat([0], leafBytes)), receipt.leafIndex, cp.size, receipt.inclusionProof.map(b64d));
      incl = same(root, cp.root);
    }
  } catch {}
  results.push(['inclusion', incl]);
  return results;
}
// Opened from disk there is no gateway to fetch the keys from: say so up front.
const FROM_DISK = location.protocol === 'file:';
if (FROM_DISK) $('from-disk').hidden = false;
$('verify').addEventListener('click', async () => {
  const out = $('results');
  out.textContent = '';
  $('verdict').textContent = '';
  try {
    const decision = JSON.parse($('decision').value);
    if (FROM_DISK && (!$('jwks').value.trim() || !$('logkey').value.trim())) {
      $('verdict').dataset.ok = 'false';
      $('verdict').textContent = '本页从本地文件打开，无法向网关取公钥：请粘贴 JWKS 与日志公钥。 / Opened from disk, this page cannot fetch the keys: paste the JWKS and the log verifier key.';
      return;
    }
    const jwks = $('jwks').value.trim() ? JSON.parse($('jwks').value) : await (await fetch('/.well-known/jwks.json')).json();
    const logKey = $('logkey').value.trim() || (await (await fetch('/v1/log/key')).text()).trim();
    const results = await verify(decision, jwks, logKey);
    for (const [name, ok] of results) {
      const li = document.createElement('li');
      li.dataset.check = name; li.dataset.ok = String(ok); li.className = ok ? 'pass' : 'fail';
      li.textContent = (ok ? '✔ ' : '✘ ') + LABELS[name][0] + ' / ' + LABELS[name][1];
      out.append(li);
    }
    const all = results.every(([, ok]) => ok);
    $('verdict').dataset.ok = String(all);
    $('verdict').textContent = all ? '核验通过：该决定由网关签名并已记入透明日志。 / Verified: signed by the gateway and included in its log.'
      : '核验失败 / NOT verified';
  } catch (e) {
    $('verdict').dataset.ok = 'false';
    $('verdict').textContent = '无法读取输入 / Cannot read the input: ' + e.message;
  }
});
`;

/** The page's HTML, self-contained (inline script and style, no external resources). */
export function auditPage(): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>决定核验 · Verify a decision — Eligibility Gateway</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
textarea,input{width:100%;box-sizing:border-box;font:13px ui-monospace,monospace} textarea{height:12rem}
button{font-size:1rem;padding:.4rem 1.2rem;margin:.75rem 0} .pass{color:#067d3a} .fail{color:#b00020}
#verdict[data-ok=true]{color:#067d3a;font-weight:600} #verdict[data-ok=false]{color:#b00020;font-weight:600}
small{color:#555}
</style></head><body>
<h1>决定核验 <small>Verify a decision and its receipt</small></h1>
<p>粘贴网关返回的决定（含 <code>signature</code> 与 <code>receipt</code>）。核验在浏览器本地完成，使用网关公开的签名公钥与日志公钥，不信任网关。
<br><small>Paste the decision as the gateway returned it. Verification runs in this browser with the gateway's public keys only; save this page and open it from disk to avoid trusting the server that served it.</small></p>
<p id="from-disk" hidden><strong>本页从本地文件打开：请粘贴网关的签名公钥 JWKS（<code>/.well-known/jwks.json</code>）与日志公钥（<code>/v1/log/key</code>），本页不会联网获取。</strong>
<br><small>Opened from disk (file://): paste the gateway's JWKS (<code>/.well-known/jwks.json</code>) and its log verifier key (<code>/v1/log/key</code>) below; this page fetches nothing.</small></p>
<label for="decision">决定 JSON / Decision JSON</label><textarea id="decision" spellcheck="false"></textarea>
<label for="jwks">签名公钥 JWKS（留空则取 /.well-known/jwks.json） / JWKS (empty: fetch from this gateway)</label><textarea id="jwks" style="height:4rem" spellcheck="false"></textarea>
<label for="logkey">日志公钥（留空则取 /v1/log/key） / Log verifier key (empty: fetch from this gateway)</label><input id="logkey" spellcheck="false">
<button id="verify" type="button">核验 / Verify</button>
<ul id="results"></ul><p id="verdict"></p>
<script>${SCRIPT}</script>
</body></html>`;
}
