/**
 * Issue 3 acceptance: tampering with a stored leaf, a stored tree node or the database file is
 * detected, by the start-up check (`egw start` refuses with one clear line and exit 1) and by
 * `egw audit monitor` (an alarm, exit 1, with both checkpoints and the proof).
 *
 * A real gateway refuses to serve a tampered log, so to show what the monitor does against a
 * log that serves altered data anyway (a compromised operator that skipped the check), the
 * tampered file is opened with the real SQLite store WITHOUT `verifyIntegrity()` and served by
 * the real log routes. Replacing the whole file with another self-consistent history signed
 * by the same key passes the start-up check (it cannot know what it has not seen): that is
 * the monitor's job, shown with a second gateway sharing the first one's keys.
 */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation, type Sandboxes, startSandboxes } from '../../../connectors/index.ts';
import { Fixtures } from '../../../schemas/index.ts';
import { createCheckpointSigner } from '../../../src/adapters/node/checkpoint-signer.ts';
import { loadDataKeyRing, loadNoteSignerKey } from '../../../src/adapters/node/data-keys.ts';
import { openDatabase } from '../../../src/adapters/node/sqlite-database.ts';
import { createSqliteStore, type SqliteStore } from '../../../src/adapters/node/sqlite-store.ts';
import { createSealer } from '../../../src/adapters/portable/sealer.ts';
import { monitorOnce } from '../../../src/audit/monitor.ts';
import { compactRangeNodes, type NodeId, planConsistency, planNodes } from '../../../src/core/log/index.ts';
import type { AppEnv } from '../../../src/http/app.ts';
import { logRoutes } from '../../../src/http/routes/log.ts';
import { DEFAULT_LOG_ORIGIN } from '../../../src/runtime/node.ts';
import { type ChildGateway, startChild } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';
import { getJson, latestCheckpoint, logKey, type OpenedNote, runCli } from './log-helpers.ts';

const fixtures = generatePopulation({ seed: 'log-tamper', size: 40 });
const scratch = mkdtempSync(join(tmpdir(), 'egw-tamper-'));
const pristine = join(scratch, 'pristine');
const trustedEarly = join(scratch, 'monitor-early.json'); // trusts the first half
const trustedHead = join(scratch, 'monitor-head.json'); // trusts the whole pristine log
let sandboxes: Sandboxes;
let early: OpenedNote;
let head: OpenedNote;
let copies = 0;

async function decide(gw: ChildGateway, from: number, count: number): Promise<void> {
  const token = await gw.token();
  for (let i = from; i < from + count; i++)
    expect((await gw.verify(requestFor(fixtures, i), { token })).status).toBe(201);
}

beforeAll(async () => {
  sandboxes = await startSandboxes({ fixtures: Fixtures.parse(fixtures) });
  mkdirSync(pristine);
  const gw = await startChild({ fixtures, dataDir: pristine, sandboxes });
  try {
    const key = await logKey(gw.url);
    await decide(gw, 0, 3);
    early = await latestCheckpoint(gw.url, key);
    expect(await monitorOnce({ url: gw.url, statePath: trustedEarly })).toMatchObject({
      status: 'initialised',
    });
    await decide(gw, 3, 3);
    head = await latestCheckpoint(gw.url, key);
    expect(await monitorOnce({ url: gw.url, statePath: trustedHead })).toMatchObject({
      status: 'initialised',
    });
  } finally {
    expect(await gw.stop()).toBe(0);
  }
});
afterAll(async () => {
  await sandboxes.close();
  rmSync(scratch, { recursive: true, force: true });
});

function copyOf(dir: string): string {
  const copy = join(scratch, `copy-${copies++}`);
  cpSync(dir, copy, { recursive: true });
  return copy;
}

function copyState(file: string): string {
  const copy = join(scratch, `state-${copies++}.json`);
  copyFileSync(file, copy);
  return copy;
}

function edit(dir: string, change: (db: Database.Database) => void): void {
  const db = new Database(join(dir, 'gateway.sqlite'));
  try {
    change(db);
  } finally {
    db.close();
  }
}

function flipLeafByte(dir: string, index: number): void {
  edit(dir, (db) => {
    const row = db.prepare('SELECT leaf FROM log_leaves WHERE idx = ?').get(index) as { leaf: Buffer };
    const leaf = Buffer.from(row.leaf);
    const at = leaf.indexOf('"at":"') + 6; // an access time, 2026 → 2025: still well-formed JSON
    leaf[at + 3] = (leaf[at + 3] ?? 0) ^ 0x03;
    expect(db.prepare('UPDATE log_leaves SET leaf = ? WHERE idx = ?').run(leaf, index).changes).toBe(1);
  });
}

function flipNodeByte(dir: string, node: NodeId): void {
  edit(dir, (db) => {
    const row = db
      .prepare('SELECT hash FROM log_nodes WHERE level = ? AND idx = ?')
      .get(node.level, node.index) as {
      hash: Buffer;
    };
    const hash = Buffer.from(row.hash);
    hash[5] = (hash[5] ?? 0) ^ 0x01;
    const changed = db
      .prepare('UPDATE log_nodes SET hash = ? WHERE level = ? AND idx = ?')
      .run(hash, node.level, node.index).changes;
    expect(changed).toBe(1);
  });
}

/** The real store and log routes on a data directory, WITHOUT the start-up integrity check. */
async function serveUnchecked(
  dir: string,
): Promise<{ url: string; store: SqliteStore; close(): Promise<void> }> {
  const db = openDatabase(join(dir, 'gateway.sqlite'));
  const store = createSqliteStore({
    db,
    sealer: await createSealer(loadDataKeyRing(dir)),
    checkpoints: createCheckpointSigner(loadNoteSignerKey(dir, DEFAULT_LOG_ORIGIN)),
  });
  const app = new OpenAPIHono<AppEnv>();
  logRoutes(app, { log: store });
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
        resolve({ server: s, port: info.port }),
      );
    },
  );
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        db.$client.close();
      }),
  };
}

function expectOneCleanLine(output: string): string {
  expect(output).not.toMatch(/^\s+at /m); // no stack trace
  const lines = output.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] ?? '';
}

describe('start-up checks and the monitor', () => {
  it('the monitor advances over the untampered log served the same way (the control)', async () => {
    const served = await serveUnchecked(copyOf(pristine));
    try {
      expect(served.store.verifyIntegrity()).toEqual({ size: head.size, checkpoints: expect.any(Number) });
      const cli = await runCli([
        'audit',
        'monitor',
        served.url,
        '--once',
        '--state',
        copyState(trustedEarly),
      ]);
      expect(cli.stderr).toBe('');
      expect(cli.stdout).toMatch(new RegExp(`advanced: tree size ${head.size}\\n$`));
      expect(cli.code).toBe(0);
    } finally {
      await served.close();
    }
  });

  it('a log that withholds its consistency proof raises an alarm, not a crash', async () => {
    const served = await serveUnchecked(copyOf(pristine));
    try {
      const withholding: typeof fetch = (input, init) =>
        String(input).includes('/v1/log/proof/consistency')
          ? Promise.resolve(new Response('busy', { status: 503 }))
          : fetch(input, init);
      const state = copyState(trustedEarly);
      expect(await monitorOnce({ url: served.url, statePath: state, fetch: withholding })).toMatchObject({
        status: 'alarm',
        reason: 'unreachable',
        message: expect.stringContaining('answered 503'),
        trusted: early.note,
      });
      // The alarm left the trusted state alone: with the proof, the same log is accepted.
      expect(await monitorOnce({ url: served.url, statePath: state })).toEqual({
        status: 'advanced',
        size: head.size,
      });
    } finally {
      await served.close();
    }
  });

  it('a stored leaf altered: egw start refuses with one line naming the leaf; the monitor alarms', async () => {
    const dir = copyOf(pristine);
    const victim = early.size + 1; // a leaf the monitor has not replayed yet
    flipLeafByte(dir, victim);

    const start = await runCli([
      'start',
      '--port',
      '0',
      '--data',
      dir,
      '--registries',
      join(dir, 'registries.json'),
    ]);
    expect(start.code).toBe(1);
    expect(start.stdout).not.toMatch(/listening/);
    const line = expectOneCleanLine(start.stderr);
    expect(line).toMatch(/^egw start: the transparency log failed its integrity check, refusing to start: /);
    expect(line).toContain(
      `leaf ${victim} does not hash to its stored leaf hash (tree node level 0, index ${victim})`,
    );
    expect(line).toMatch(/\[ERR_LOG_INTEGRITY\]$/);

    const served = await serveUnchecked(dir);
    try {
      expect(() => served.store.verifyIntegrity()).toThrow(`leaf ${victim} does not hash`);
      const state = copyState(trustedEarly);
      const cli = await runCli(['audit', 'monitor', served.url, '--once', '--state', state]);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/^ALARM \(entries_mismatch\): .*a stored leaf was altered/);
      expect(cli.stderr).toContain(`--- last trusted checkpoint ---\n${early.note}`);
      expect(cli.stderr).toContain(`--- checkpoint received ---\n${head.note}`);
      // The alarm does not move the trusted state.
      expect(await monitorOnce({ url: served.url, statePath: state })).toMatchObject({
        reason: 'entries_mismatch',
      });
    } finally {
      await served.close();
    }
  });

  it('a stored tree node altered: start-up names its level and index; the monitor finds the proof inconsistent', async () => {
    // A node the consistency proof early → head is built from, below the head's compact range.
    const inProof = planNodes(planConsistency(early.size, head.size));
    const top = new Set(compactRangeNodes(head.size).map((n) => `${n.level}/${n.index}`));
    const victim = inProof.find((n) => !top.has(`${n.level}/${n.index}`)) ?? inProof[0];
    if (!victim) throw new Error('no node in the consistency proof');
    const dir = copyOf(pristine);
    flipNodeByte(dir, victim);

    const refused = await startChild({ fixtures, dataDir: dir, sandboxes }).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/^gateway exited before listening:/);
    const line = expectOneCleanLine(refused.replace(/^gateway exited before listening:\n/, ''));
    expect(line).toContain(`stored tree node level ${victim.level}, index ${victim.index} does not match`);
    expect(line).toContain('[ERR_LOG_INTEGRITY]');

    const served = await serveUnchecked(dir);
    try {
      const cli = await runCli([
        'audit',
        'monitor',
        served.url,
        '--once',
        '--state',
        copyState(trustedEarly),
      ]);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/^ALARM \(inconsistent\): /);
      const proof = await getJson<{ hashes: string[] }>(
        `${served.url}/v1/log/proof/consistency?from=${early.size}&to=${head.size}`,
      );
      expect(cli.stderr).toContain(`--- consistency proof ---\n${proof.hashes.join('\n')}`);
    } finally {
      await served.close();
    }
  });

  it('a node of the head’s compact range altered: refused before any request, naming the node', async () => {
    const [node] = compactRangeNodes(head.size);
    if (!node) throw new Error('empty tree');
    const dir = copyOf(pristine);
    flipNodeByte(dir, node);
    const start = await runCli([
      'start',
      '--port',
      '0',
      '--data',
      dir,
      '--registries',
      join(dir, 'registries.json'),
    ]);
    expect(start.code).toBe(1);
    expect(expectOneCleanLine(start.stderr)).toContain(
      `stored tree node level ${node.level}, index ${node.index} does not match the hash of its children`,
    );
  });

  it('the database file replaced by a forked history signed with the same key: the monitor says fork, then inconsistent', async () => {
    // A second gateway with the first one's keys writes another history.
    const forkDir = join(scratch, 'fork');
    mkdirSync(forkDir);
    cpSync(join(pristine, 'keys'), join(forkDir, 'keys'), { recursive: true });
    const fork = await startChild({ fixtures, dataDir: forkDir, sandboxes });
    try {
      await decide(fork, 20, 6);
      const same = await latestCheckpoint(fork.url, await logKey(fork.url));
      expect(same.size).toBe(head.size);
      expect(same.rootHash).not.toEqual(head.rootHash);
      expect(await monitorOnce({ url: fork.url, statePath: copyState(trustedHead) })).toMatchObject({
        status: 'alarm',
        reason: 'fork',
        trusted: head.note,
        received: same.note,
      });
      await decide(fork, 26, 1);
    } finally {
      expect(await fork.stop()).toBe(0);
    }

    const dir = copyOf(pristine);
    rmSync(join(dir, 'gateway.sqlite'));
    copyFileSync(join(forkDir, 'gateway.sqlite'), join(dir, 'gateway.sqlite'));
    // Self-consistent and signed by its own key: the start-up check passes; only a witness can tell.
    const gw = await startChild({ fixtures, dataDir: dir, sandboxes });
    try {
      const forged = await latestCheckpoint(gw.url, await logKey(gw.url));
      expect(forged.size).toBeGreaterThan(head.size);
      const cli = await runCli(['audit', 'monitor', gw.url, '--once', '--state', copyState(trustedHead)], {
        viaNpm: true,
      });
      expect(cli.code).toBe(1);
      expect(cli.stdout).toBe('');
      expect(cli.stderr).toMatch(
        new RegExp(
          `^ALARM \\(inconsistent\\): the checkpoint of size ${forged.size} is not consistent with the trusted one of size ${head.size}`,
        ),
      );
      const proof = await getJson<{ hashes: string[] }>(
        `${gw.url}/v1/log/proof/consistency?from=${head.size}&to=${forged.size}`,
      );
      expect(proof.hashes.length).toBeGreaterThan(0);
      expect(cli.stderr).toContain(
        `--- last trusted checkpoint ---\n${head.note}\n--- checkpoint received ---\n${forged.note}\n--- consistency proof ---\n${proof.hashes.join('\n')}\n`,
      );
    } finally {
      await gw.close();
    }
  });
});
