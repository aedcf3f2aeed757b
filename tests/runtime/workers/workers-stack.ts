/**
 * Starts the gateway on local workerd the way an operator would run it: the sandbox
 * registries on loopback (Node), keys generated into a temporary data directory with the
 * Node tooling (the same file formats a deployment's secrets use), a temporary env file
 * for the secrets, the drizzle migrations applied to a fresh local D1 with
 * `wrangler d1 migrations apply --local`, then `wrangler dev --local` on a free loopback
 * port. Everything lives in one temporary folder and is stopped by process group id.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generatePopulation, type Sandboxes, startSandboxes } from '../../../connectors/index.ts';
import type { Fault, Fixtures } from '../../../schemas/index.ts';
import { loadDataKeyRing, loadNoteSignerKey } from '../../../src/adapters/node/data-keys.ts';
import {
  DEFAULT_AUDIENCE,
  DEV_ISSUER,
  loadDevIssuerKey,
  loadSigningKey,
} from '../../../src/adapters/node/key-files.ts';
import { withAssistedPerson } from '../../contract/reverification-contract.ts';
import { freePort } from '../../support/free-port.ts';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler');
/** The synthetic population the sandboxes serve; tests regenerate it from the same seed. */
export const POPULATION = { seed: 'contract-workers', size: 40 } as const;
export const LOG_ORIGIN = 'eligibility-gateway.workers.local/log';

export function workersFixtures(): Fixtures {
  return withAssistedPerson(generatePopulation(POPULATION));
}

export interface WorkersStack {
  readonly url: string;
  /** Holds the development issuer's key (`mintDevToken(dataDir, …)`), and the keys the Worker got. */
  readonly dataDir: string;
  /** wrangler's local state (D1, Durable Objects): `--persist-to` for `wrangler d1 execute`. */
  readonly persistDir: string;
  readonly wranglerPid: number;
  /** Everything wrangler printed so far. */
  output(): string;
  /** Replaces the sandboxes' faults (the re-verification contract makes a registry fail and recover). */
  setFaults(faults: readonly Fault[]): void;
  close(): Promise<void>;
}

const QUIET_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_LOG: 'info',
  NO_COLOR: '1',
  CI: 'true',
};

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(WRANGLER, [...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolveRun(out) : reject(new Error(`wrangler ${args[0]} failed (${code}):\n${out}`)),
    );
  });
}

/** dotenv lines; values are single-line JSON or keys, quoted so `#` and spaces survive. */
function envFile(vars: Readonly<Record<string, string>>): string {
  return `${Object.entries(vars)
    .map(([k, v]) => {
      if (v.includes("'") || v.includes('\n')) throw new Error(`${k} cannot be written to an env file`);
      return `${k}='${v}'`;
    })
    .join('\n')}\n`;
}

async function stopGroup(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  // wrangler runs workerd as a child: signal the whole group we created, by its id.
  process.kill(-pid, 'SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * @example
 * const stack = await startWorkersStack();
 * const res = await fetch(`${stack.url}/healthz`);
 * await stack.close();
 */
export async function startWorkersStack(
  options: {
    readonly logOrigin?: string;
    /** The sandboxes' population; default workersFixtures(). */
    readonly fixtures?: Fixtures;
    /** More variables for the Worker (issue 16: REGION, PEERS). */
    readonly vars?: Readonly<Record<string, string>>;
  } = {},
): Promise<WorkersStack> {
  const tmp = mkdtempSync(join(tmpdir(), 'egw-workers-'));
  const dataDir = join(tmp, 'data');
  const persist = join(tmp, 'state');
  const env = { ...process.env, ...QUIET_ENV };
  let sandboxes: Sandboxes | undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  let output = '';
  const cleanup = async () => {
    if (child) await stopGroup(child, exited);
    await sandboxes?.close();
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    sandboxes = await startSandboxes({ fixtures: options.fixtures ?? workersFixtures(), slowMs: 5000 });
    const { privateJwk } = await loadSigningKey(dataDir);
    const issuer = await loadDevIssuerKey(dataDir);
    loadDataKeyRing(dataDir);
    const { connectorConfig } = sandboxes;
    const secrets = {
      DECISION_SIGNING_JWK: JSON.stringify(privateJwk),
      // The origin is the note key's name: a ledger test gives each stack its own.
      LOG_NOTE_SIGNER_KEY: loadNoteSignerKey(dataDir, options.logOrigin ?? LOG_ORIGIN),
      DATA_KEYS: JSON.stringify(JSON.parse(readFileSync(join(dataDir, 'keys/data-keys.json'), 'utf8'))),
      TRUSTED_ISSUERS: JSON.stringify([
        { issuer: DEV_ISSUER, audience: DEFAULT_AUDIENCE, jwks: { keys: [issuer.publicJwk] } },
      ]),
      REGISTRIES: JSON.stringify({
        civilAffairs: connectorConfig.civilAffairs,
        hrss: { baseUrl: connectorConfig.hrss.baseUrl },
        disability: connectorConfig.disability,
      }),
      // Generous: a loaded test machine must not turn a reachable sandbox into a registry fault.
      REGISTRY_DEADLINE_MS: '5000',
      // The webhook tests' receiver listens on loopback, as the sandboxes do.
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      ...options.vars,
    };
    const envPath = join(tmp, 'workers.env');
    writeFileSync(envPath, envFile(secrets), { mode: 0o600 });

    await run(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], env);

    const [port, inspectorPort] = [await freePort(), await freePort()];
    const started = spawn(
      WRANGLER,
      [
        'dev',
        '--local',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--inspector-port',
        String(inspectorPort),
        '--persist-to',
        persist,
        '--env-file',
        envPath,
        '--show-interactive-dev-session=false',
        // `GET /__scheduled` runs the Cron Trigger's handler on demand (webhook delivery).
        '--test-scheduled',
      ],
      { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    exited = new Promise((r) => started.on('exit', r));
    // The test script's trap stops this group by id even if the test runner dies.
    const pidFile = process.env.EGW_WORKERS_PIDFILE;
    if (pidFile && started.pid !== undefined) writeFileSync(pidFile, String(started.pid));
    started.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    started.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
      const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`wrangler dev did not become ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const pid = started.pid ?? -1;
    const running = sandboxes;
    return {
      url,
      dataDir,
      persistDir: persist,
      wranglerPid: pid,
      output: () => output,
      setFaults: (faults) => running.setFaults(faults),
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
