/**
 * The Worker bundle, as `wrangler deploy` would upload it, holds no Node-only package and
 * imports no `node:` module (wrangler.toml sets no nodejs_compat, so one would not even
 * load). Its source map lists every module that went in.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, WRANGLER } from './workers-stack.ts';

const NODE_ONLY = [
  'better-sqlite3',
  'undici',
  '@grpc/grpc-js',
  '@hyperledger/fabric-gateway',
  'prom-client',
  'pino',
  'node-forge',
  '@hono/node-server',
];

const out = mkdtempSync(join(tmpdir(), 'egw-bundle-'));
let code = '';
let sources: string[] = [];

/** The npm package a bundled source path belongs to, or undefined for the project's own files. */
function packageOf(source: string): string | undefined {
  const at = source.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const [scope = '', name = ''] = source.slice(at + 'node_modules/'.length).split('/');
  return scope.startsWith('@') ? `${scope}/${name}` : scope;
}

beforeAll(() => {
  const built = spawnSync(WRANGLER, ['deploy', '--dry-run', '--outdir', out], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: 'true' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(built.status, built.stderr + built.stdout).toBe(0);
  code = readFileSync(join(out, 'workers.js'), 'utf8');
  sources = (JSON.parse(readFileSync(join(out, 'workers.js.map'), 'utf8')) as { sources: string[] }).sources;
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the Worker bundle (wrangler deploy --dry-run)', () => {
  it('is the Workers runtime with its sequencer object, the shared app and the fetch transport', () => {
    const own = sources.filter((s) => packageOf(s) === undefined).map((s) => relative(ROOT, resolve(out, s)));
    expect(own).toEqual(
      expect.arrayContaining([
        'src/runtime/workers.ts',
        'src/http/app.ts',
        'src/core/verification-service.ts',
        'src/adapters/workers/log-sequencer-object.ts',
        'connectors/shared/fetch-transport.ts',
      ]),
    );
    expect(code).toMatch(/export\s*\{[^}]*LogSequencerObject/);
  });

  it('holds no Node-only package and none of the Node adapters or the undici transport', () => {
    const packages = new Set(sources.map(packageOf).filter((p) => p !== undefined));
    expect(NODE_ONLY.filter((p) => packages.has(p))).toEqual([]);
    expect(
      sources.filter((s) => /src\/adapters\/node\/|src\/runtime\/node\.ts|http-transport\.ts/.test(s)),
    ).toEqual([]);
  });

  it('imports no node: module, and requires nothing at run time', () => {
    expect(code.match(/from\s*["']node:[^"']+["']/g) ?? []).toEqual([]);
    expect(code.match(/\brequire\(\s*["'][^"']+["']\s*\)/g) ?? []).toEqual([]);
  });

  it('as built, answers a broken configuration with a 503 problem that quotes nothing of it', async () => {
    const mf = new Miniflare({
      modules: true,
      scriptPath: join(out, 'workers.js'),
      modulesRoot: out,
      compatibilityDate: '2026-04-01',
      d1Databases: ['DB'],
      durableObjects: { LOG_SEQUENCER: 'LogSequencerObject' },
      bindings: {
        DECISION_SIGNING_JWK: '{"kty":"EC","crv":"P-256","d":"SECRET-D-VALUE"}',
        LOG_NOTE_SIGNER_KEY: 'PRIVATE+KEY+nothing',
        DATA_KEYS: 'SECRET-NOT-JSON',
        TRUSTED_ISSUERS: '[]',
        REGISTRIES: '{}',
      },
    });
    try {
      const res = await mf.dispatchFetch('http://gateway.test/healthz', {
        headers: { 'accept-language': 'zh-CN' },
      });
      const text = await res.text();
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(text)).toMatchObject({ status: 503, code: 'ERR_NOT_READY', title: '服务尚未就绪' });
      expect(text).not.toMatch(/SECRET|DATA_KEYS|PRIVATE/);
    } finally {
      await mf.dispose();
    }
  });
});
