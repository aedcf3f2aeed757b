/**
 * Starts the real thing for integration tests: the three sandbox registries (real HTTP
 * servers on loopback) and a gateway on a fresh data directory, either in this process
 * (fast) or as a child process running `egw start` (for SIGKILL tests and for scanning
 * everything the gateway prints).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Sandboxes, startSandboxes } from '../../connectors/index.ts';
import type { FixturesInput, VerificationRequest } from '../../schemas/index.ts';
import { Fixtures } from '../../schemas/registry-records.ts';
import { issueDevToken } from '../../src/adapters/node/key-files.ts';
import { type GatewayConfig, type RunningGateway, startGateway } from '../../src/runtime/node.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const ALL_SCOPES = 'verifications:write verifications:read subjects:read audit:read';

export interface HarnessOptions {
  readonly fixtures: FixturesInput;
  /** Delay of the sandboxes' `slow` fault. Default 5000. */
  readonly slowMs?: number;
  /** The gateway's one registry deadline. Default 800. */
  readonly deadlineMs?: number;
  /** Reuse a data directory (restarts); default a new temporary one. */
  readonly dataDir?: string;
  /** Partner connector settings (endpoint allowlist, loopback for partner sandboxes); in-process only. */
  readonly connectors?: GatewayConfig['connectors'];
  /** Anchor on a ledger (in-process only); default embedded. */
  readonly ledger?: GatewayConfig['ledger'];
  /** The log origin; tests that share a ledger need one each. */
  readonly logOrigin?: string;
  /** Webhook delivery settings (in-process only); default the gateway's. */
  readonly webhooks?: GatewayConfig['webhooks'];
  /**
   * The re-verification worker's interval and first backoff. Default: an hour, so a test that
   * counts registry requests never sees a re-verification it did not ask for.
   */
  readonly reverification?: { readonly intervalMs?: number; readonly backoffBaseMs?: number };
  /** Registry quotas, calls per second (in-process only). */
  readonly registryQuotas?: GatewayConfig['registryQuotas'];
  /** More `egw start` arguments (child only), e.g. `--ledger fabric --fabric-profile FILE`. */
  readonly args?: readonly string[];
}

export interface PostOptions {
  readonly key?: string;
  readonly token?: string;
  readonly language?: 'zh-CN' | 'en';
}

interface Common {
  readonly url: string;
  readonly dataDir: string;
  readonly sandboxes: Sandboxes;
  /** A development token for `clientId` with `scopes` (space- or comma-separated). */
  token(scopes?: string, clientId?: string): Promise<string>;
  /** POST /v1/verifications with a fresh idempotency key unless one is given. */
  verify(body: VerificationRequest | unknown, options?: PostOptions): Promise<Response>;
  get(path: string, token?: string): Promise<Response>;
}

export interface InProcessGateway extends Common {
  readonly gateway: RunningGateway;
  close(): Promise<void>;
}

export interface ChildGateway extends Common {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything the child printed on stdout and stderr so far. */
  output(): string;
  /** SIGKILL, no goodbye. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
  close(): Promise<void>;
}

let keyCounter = 0;

function common(url: string, dataDir: string, sandboxes: Sandboxes): Common {
  const token = (scopes = ALL_SCOPES, clientId = 'intake-a') =>
    issueDevToken({ dataDir, scopes, clientId, ttlSeconds: 3600 });
  return {
    url,
    dataDir,
    sandboxes,
    token,
    async verify(body, options = {}) {
      return fetch(`${url}/v1/verifications`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.token ?? (await token())}`,
          'content-type': 'application/json',
          'idempotency-key': options.key ?? `test-${process.pid}-${Date.now()}-${keyCounter++}`,
          'accept-language': options.language ?? 'en',
        },
        body: JSON.stringify(body),
      });
    },
    async get(path, bearer) {
      return fetch(`${url}${path}`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});
    },
  };
}

function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'egw-test-'));
}

/** Sandboxes + gateway in this process. @example const gw = await startInProcess({ fixtures }); */
export async function startInProcess(options: HarnessOptions): Promise<InProcessGateway> {
  const dataDir = options.dataDir ?? newDataDir();
  // Tests check exactly who was asked: whole identity numbers in the sandboxes' request logs.
  const sandboxes = await startSandboxes({
    fixtures: Fixtures.parse(options.fixtures),
    slowMs: options.slowMs ?? 5000,
    requestLog: { maskSubjects: false },
  });
  const gateway = await startGateway({
    dataDir,
    port: 0,
    registries: sandboxes.connectorConfig,
    registryDeadlineMs: options.deadlineMs ?? 800,
    ...(options.connectors ? { connectors: options.connectors } : {}),
    ...(options.ledger ? { ledger: options.ledger } : {}),
    ...(options.logOrigin ? { logOrigin: options.logOrigin } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    ...(options.registryQuotas ? { registryQuotas: options.registryQuotas } : {}),
    reverification: {
      intervalMs: options.reverification?.intervalMs ?? 3_600_000,
      backoffBaseMs: options.reverification?.backoffBaseMs ?? 60_000,
    },
  });
  return {
    ...common(gateway.url, dataDir, sandboxes),
    gateway,
    async close() {
      await gateway.close();
      await sandboxes.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Sandboxes in this process, the gateway as a child `egw start --registries …`.
 * Pass `sandboxes` to restart a gateway against the same registries (and `dataDir` to keep its data).
 * @example const gw = await startChild({ fixtures }); await gw.kill();
 */
export async function startChild(
  options: HarnessOptions & { readonly sandboxes?: Sandboxes },
): Promise<ChildGateway> {
  const dataDir = options.dataDir ?? newDataDir();
  const sandboxes =
    options.sandboxes ??
    (await startSandboxes({
      fixtures: Fixtures.parse(options.fixtures),
      slowMs: options.slowMs ?? 5000,
      requestLog: { maskSubjects: false },
    }));
  const registries = join(dataDir, 'registries.json');
  writeFileSync(registries, JSON.stringify(sandboxes.connectorConfig), { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'src/cli/main.ts'),
      'start',
      '--port',
      '0',
      '--data',
      dataDir,
      '--registries',
      registries,
      '--deadline-ms',
      String(options.deadlineMs ?? 800),
      ...(options.logOrigin ? ['--log-origin', options.logOrigin] : []),
      '--reverify-interval-ms',
      String(options.reverification?.intervalMs ?? 3_600_000),
      '--reverify-backoff-ms',
      String(options.reverification?.backoffBaseMs ?? 60_000),
      ...(options.args ?? []),
    ],
    { cwd: ROOT, env: { ...process.env, NODE_ENV: 'test' } },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 30_000);
    const onData = () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stdout.on('data', onData);
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before listening:\n${output}`));
    });
  });
  return {
    ...common(url, dataDir, sandboxes),
    child,
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      if (!options.sandboxes) await sandboxes.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
