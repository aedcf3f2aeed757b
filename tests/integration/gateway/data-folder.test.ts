/**
 * Issue 11, should fix: a lock on the data folder, and files created 0600 whatever the folder's
 * mode. A second gateway on the same `--data` is refused (and the first keeps answering); a
 * lock left by a killed process is taken over; `egw start` says so in one line.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation, type Sandboxes, startSandboxes } from '../../../connectors/index.ts';
import { Fixtures } from '../../../schemas/index.ts';
import { LOCK_FILE } from '../../../src/adapters/node/data-lock.ts';
import { startGateway } from '../../../src/runtime/node.ts';
import { type ChildGateway, startChild } from '../../support/gateway-harness.ts';

const fixtures = generatePopulation({ seed: 'data-folder', size: 2 });
const scratch = mkdtempSync(join(tmpdir(), 'egw-data-folder-'));
let sandboxes: Sandboxes;

beforeAll(async () => {
  sandboxes = await startSandboxes({ fixtures: Fixtures.parse(fixtures) });
});
afterAll(async () => {
  await sandboxes?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const start = (dataDir: string) => startGateway({ dataDir, port: 0, registries: sandboxes.connectorConfig });

describe('one gateway per data folder', () => {
  it('refuses a second gateway on the same folder; the first keeps answering; the folder is free after close', async () => {
    const dir = join(scratch, 'twice');
    const first = await start(dir);
    try {
      await expect(start(dir)).rejects.toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
        message: `the data folder is in use by process ${process.pid}`,
      });
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    } finally {
      await first.close();
    }
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await (await start(dir)).close();
  });

  it('takes over a lock whose process is gone (a SIGKILL)', async () => {
    const dir = join(scratch, 'stale');
    await (await start(dir)).close();
    writeFileSync(join(dir, LOCK_FILE), '2147483646\n'); // no such process
    const gw = await start(dir);
    await gw.close();
  });

  it('egw start on a folder in use refuses with one line and exit 1', async () => {
    const dir = join(scratch, 'child');
    mkdirSync(dir);
    const first: ChildGateway = await startChild({ fixtures, dataDir: dir, sandboxes });
    try {
      const second = await startChild({ fixtures, dataDir: dir, sandboxes }).then(
        () => 'started',
        (error: Error) => error.message,
      );
      const lines = second
        .replace(/^gateway exited before listening:\n/, '')
        .trim()
        .split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/data folder is in use by process \d+/);
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    } finally {
      await first.close();
    }
  });
});

describe('file modes', () => {
  it('the database, its WAL and the keys are 0600 even in a world-writable folder under umask 0', async () => {
    const dir = join(scratch, 'modes');
    const before = process.umask(0);
    let gw: Awaited<ReturnType<typeof start>> | undefined;
    try {
      mkdirSync(dir, { mode: 0o777 });
      chmodSync(dir, 0o777);
      gw = await start(dir);
      const files = readdirSync(dir).filter((f) => f.startsWith('gateway.sqlite'));
      expect(files).toEqual(expect.arrayContaining(['gateway.sqlite', 'gateway.sqlite-wal']));
      for (const f of files) expect((statSync(join(dir, f)).mode & 0o777).toString(8)).toBe('600');
      const keys = readdirSync(join(dir, 'keys'));
      expect(keys.length).toBeGreaterThan(0);
      for (const f of keys) expect((statSync(join(dir, 'keys', f)).mode & 0o077).toString(8)).toBe('0');
    } finally {
      process.umask(before);
      await gw?.close();
    }
  });
});
