/**
 * Issue 11 item 4: start-up must not grow with history. Start-up checks the latest signed
 * checkpoint against the compact range (O(log n)) and rehashes the rest in the background;
 * tampering below the compact range is still found, by that background check, which stops the
 * log growing and fails readiness. (The tampering tests show a small log is still refused
 * before it listens.)
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSyntheticLog } from '../../../bench/lib/synthetic-log.ts';
import { generatePopulation, type Sandboxes, startSandboxes } from '../../../connectors/index.ts';
import { Fixtures } from '../../../schemas/index.ts';
import { compactRangeNodes } from '../../../src/core/log/index.ts';
import { type RunningGateway, startGateway } from '../../../src/runtime/node.ts';

const SMALL = 1024;
const LARGE = 32 * 1024;
const scratch = mkdtempSync(join(tmpdir(), 'egw-startup-'));
let sandboxes: Sandboxes;

beforeAll(async () => {
  sandboxes = await startSandboxes({
    fixtures: Fixtures.parse(generatePopulation({ seed: 'startup', size: 2 })),
  });
  // Keys first (a gateway start creates them), then the synthetic history.
  for (const [name, size] of [
    ['small', SMALL],
    ['large', LARGE],
  ] as const) {
    const dir = join(scratch, name);
    await (await start(dir)).close();
    await buildSyntheticLog(dir, size, { batch: 512 });
  }
}, 120_000);
afterAll(async () => {
  await sandboxes?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function start(dataDir: string, startupFullCheckLeaves = 256): Promise<RunningGateway> {
  return startGateway({ dataDir, port: 0, registries: sandboxes.connectorConfig, startupFullCheckLeaves });
}

/** The fastest of three start-ups, in milliseconds. */
async function startupMs(dataDir: string): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const gw = await start(dataDir);
    best = Math.min(best, performance.now() - t);
    await gw.integrityCheck;
    await gw.close();
  }
  return best;
}

describe('start-up cost and the background integrity check', () => {
  it('a log 32 times larger starts in about the same time', async () => {
    const small = await startupMs(join(scratch, 'small'));
    const large = await startupMs(join(scratch, 'large'));
    // A full check at start-up is linear (about 32× here); the head check is logarithmic.
    expect(large / small).toBeLessThan(3);
  });

  it('the background check covers every leaf and every checkpoint', async () => {
    const gw = await start(join(scratch, 'large'));
    try {
      expect(gw.store.treeSize).toBe(LARGE);
      await gw.integrityCheck;
      expect(gw.store.verifyIntegrity()).toEqual({ size: LARGE, checkpoints: LARGE / 512 + 1 });
      expect(gw.store.healthy()).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it('an old node altered below the compact range: start-up serves, the background check finds it, the log stops growing', async () => {
    const dir = join(scratch, 'tampered');
    cpSync(join(scratch, 'large'), dir, { recursive: true });
    const top = new Set(compactRangeNodes(LARGE).map((n) => `${n.level}/${n.index}`));
    const victim = { level: 3, index: 5 };
    expect(top.has(`${victim.level}/${victim.index}`)).toBe(false);
    const db = new Database(join(dir, 'gateway.sqlite'));
    db.prepare('UPDATE log_nodes SET hash = zeroblob(32) WHERE level = ? AND idx = ?').run(
      victim.level,
      victim.index,
    );
    db.close();

    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    let gw: RunningGateway | undefined;
    try {
      gw = await start(dir);
      await gw.integrityCheck;
    } finally {
      process.stderr.write = write;
    }
    try {
      expect(stderr.join('')).toContain(
        `stored tree node level ${victim.level}, index ${victim.index} does not match`,
      );
      expect(stderr.join('')).toContain('"code":"ERR_LOG_INTEGRITY"');
      expect(gw.store.healthy()).toBe(false);
      expect((await fetch(`${gw.url}/readyz`)).status).toBe(503);
      await expect(
        gw.store.appendEvent({
          type: 'test.after',
          at: new Date().toISOString(),
          actor: 't',
          attributes: {},
        }),
      ).rejects.toMatchObject({ code: 'ERR_LOG_INTEGRITY' });
      expect(gw.store.treeSize).toBe(LARGE);
    } finally {
      await gw.close();
    }
  });
});
