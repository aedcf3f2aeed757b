/**
 * `/readyz` on Node tells an operator which dependency is failing: a registry whose sandbox
 * has gone away, or a store whose last commit failed (here: the database made read-only, as
 * a full or read-only disk would). A failed commit loses nothing and corrupts nothing: the
 * log verifies, and the next commit after recovery succeeds and clears the check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import { GatewayError } from '../../../src/core/errors.ts';
import { startInProcess } from '../../support/gateway-harness.ts';
import { openTestStore } from '../../support/sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-ready-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const event = (n: number) => ({
  type: 'test.event',
  at: '2026-01-01T00:00:00Z',
  actor: 'operator',
  attributes: { n },
});

describe('the store’s health', () => {
  it('turns failing when a commit fails, loses nothing, and recovers with the next commit', async () => {
    const { db, store } = await openTestStore(dir, 'h.sqlite');
    await store.appendEvent(event(0));
    expect(store.healthy()).toBe(true);

    db.$client.pragma('query_only = ON');
    const refused = await store.appendEvent(event(1)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayError);
    expect((refused as GatewayError).code).toBe('ERR_STORE_UNAVAILABLE');
    expect(store.healthy()).toBe(false);
    expect(store.treeSize).toBe(1); // the failed leaf was not counted

    db.$client.pragma('query_only = OFF');
    const next = await store.appendEvent(event(2));
    expect(next.leafIndex).toBe(1); // no gap where the failed commit was
    expect(store.healthy()).toBe(true);
    expect(store.verifyIntegrity()).toEqual({ size: 2, checkpoints: 3 });
    db.$client.close();
  });
});

describe('GET /readyz', () => {
  it('is ready with every registry and the store up, and names the registry that goes away', async () => {
    const gw = await startInProcess({ fixtures: generatePopulation({ seed: 'readyz', size: 4 }) });
    try {
      const ready = await fetch(`${gw.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: { civil_affairs: 'ok', hrss: 'ok', disability: 'ok', store: 'ok', ledger: 'disabled' },
      });

      await gw.sandboxes.disability.close();
      const degraded = await fetch(`${gw.url}/readyz`);
      expect(degraded.status).toBe(503);
      expect(await degraded.json()).toEqual({
        status: 'not_ready',
        checks: { civil_affairs: 'ok', hrss: 'ok', disability: 'failing', store: 'ok', ledger: 'disabled' },
      });
    } finally {
      await gw.close();
    }
  });
});
