/**
 * The webhook outbox at the store level, on a real SQLite file: pass (a) is one atomic write
 * set guarded by the cursor it read, so a repeated, raced, failed or killed pass neither loses
 * nor duplicates a delivery row; delivery marks a row delivered only after a 2xx, retries with
 * backoff and gives up 24 h after the event entered the outbox.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook as ReferenceVerifier } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../../src/adapters/node/sqlite-database.ts';
import { sqliteRunner } from '../../../src/adapters/node/sqlite-runner.ts';
import { createSealer, type Sealer } from '../../../src/adapters/portable/sealer.ts';
import type { SqlRunner } from '../../../src/adapters/portable/sql-runner.ts';
import { createWebhookStore } from '../../../src/adapters/portable/webhook-store.ts';
import { runWebhookPass, type WebhookSender } from '../../../src/core/webhook-delivery.ts';
import { webhookSecretText } from '../../../src/core/webhook-signature.ts';
import type { WebhookStore } from '../../../src/core/webhooks.ts';

let dir: string;
let file: string;
let db: Db;
let sealer: Sealer;
let leaf = 0;

const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const T0 = Date.parse('2026-12-03T10:00:00Z');

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'egw-webhooks-'));
  file = join(dir, 'g.sqlite');
  db = openDatabase(file, { synchronous: 'NORMAL' });
  sealer = await createSealer({
    current: 'k1',
    keys: { k1: crypto.getRandomValues(new Uint8Array(32)) },
    lookupKey: crypto.getRandomValues(new Uint8Array(32)),
  });
});
afterEach(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A decision row of `client` (no personal data: these rows are never opened here). */
function decision(id: string, client: string, outcome = 'needs_review'): void {
  db.$client
    .prepare(
      `INSERT INTO decisions (id, client_id, idempotency_key, request_digest, subject_hash, outcome, decided_at,
         leaf_index, receipt, decision_sealed, request_sealed) VALUES (?, ?, ?, 'd', 'h', ?, ?, ?, '{}', 'x', 'x')`,
    )
    .run(id, client, `key-${id}`, outcome, new Date(T0).toISOString(), leaf++);
}

/** `old` of `client` superseded by a new decision; answers the new id. */
function supersede(old: string, client: string, cause: 'review' | 'reverification' = 'review'): string {
  const successor = `${old}-next`;
  decision(successor, client, 'eligible');
  db.$client
    .prepare(
      `INSERT INTO supersessions (superseded_id, decision_id, leaf_index, cause, reviewer_id, reason_code,
         note_sealed, created_at, review_required) VALUES (?, ?, ?, ?, 'desk', 'other', 'x', ?, ?)`,
    )
    .run(old, successor, leaf++, cause, new Date(T0).toISOString(), cause === 'reverification' ? 1 : 0);
  return successor;
}

const deliveries = () =>
  db.$client
    .prepare(
      'SELECT event_id AS id, client_id AS client, state, attempts FROM webhook_deliveries ORDER BY event_id',
    )
    .all() as { id: string; client: string; state: string; attempts: number }[];
const cursorOf = (client: string) =>
  (db.$client.prepare('SELECT cursor FROM webhooks WHERE client_id = ?').get(client) as { cursor: number })
    .cursor;

async function register(store: WebhookStore, client: string): Promise<void> {
  await store.put({
    clientId: client,
    url: `https://${client}.example/hooks`,
    secret: SECRET,
    at: new Date(T0).toISOString(),
  });
}

describe('webhook outbox (pass a)', () => {
  it('starts a new webhook at the latest supersession: it is told of later ones only', async () => {
    const store = createWebhookStore(sqliteRunner(db), sealer);
    decision('a1', 'intake-a');
    supersede('a1', 'intake-a');
    await register(store, 'intake-a');
    expect(cursorOf('intake-a')).toBe(leaf - 1);
    decision('a2', 'intake-a');
    supersede('a2', 'intake-a', 'reverification');
    expect(await store.enqueue({ now: new Date(T0), limit: 100 })).toBe(1);
    expect(deliveries()).toEqual([{ id: 'evt_a2-next', client: 'intake-a', state: 'pending', attempts: 0 }]);
  });

  it('puts each client’s events in its own outbox only, once however often the pass runs', async () => {
    const store = createWebhookStore(sqliteRunner(db), sealer);
    await register(store, 'intake-a');
    await register(store, 'intake-b');
    for (const [id, client] of [
      ['a1', 'intake-a'],
      ['b1', 'intake-b'],
      ['a2', 'intake-a'],
      ['c1', 'intake-c'],
    ] as const) {
      decision(id, client);
      supersede(id, client);
    }
    expect(await store.enqueue({ now: new Date(T0), limit: 100 })).toBe(3);
    expect(await store.enqueue({ now: new Date(T0), limit: 100 })).toBe(0);
    expect(deliveries().map((d) => [d.id, d.client])).toEqual([
      ['evt_a1-next', 'intake-a'],
      ['evt_a2-next', 'intake-a'],
      ['evt_b1-next', 'intake-b'],
    ]);
  });

  it('takes a bounded batch in leaf order and the rest on the next pass', async () => {
    const store = createWebhookStore(sqliteRunner(db), sealer);
    await register(store, 'intake-a');
    const ids = ['a1', 'a2', 'a3', 'a4', 'a5'];
    for (const id of ids) {
      decision(id, 'intake-a');
      supersede(id, 'intake-a');
    }
    expect(await store.enqueue({ now: new Date(T0), limit: 2 })).toBe(2);
    expect(deliveries().map((d) => d.id)).toEqual(['evt_a1-next', 'evt_a2-next']);
    expect(await store.enqueue({ now: new Date(T0), limit: 2 })).toBe(2);
    expect(await store.enqueue({ now: new Date(T0), limit: 2 })).toBe(1);
    expect(deliveries().map((d) => d.id)).toEqual(ids.map((id) => `evt_${id}-next`));
  });

  it('two passes that read the same cursor write the rows once: the second write set is a no-op', async () => {
    const store = createWebhookStore(sqliteRunner(db), sealer);
    await register(store, 'intake-a');
    decision('a1', 'intake-a');
    supersede('a1', 'intake-a');
    // Both passes read before either writes (as two overlapping Cron runs on D1 would).
    const [first, second] = await Promise.all([
      store.enqueue({ now: new Date(T0), limit: 100 }),
      store.enqueue({ now: new Date(T0), limit: 100 }),
    ]);
    expect(first + second).toBe(1);
    expect(deliveries()).toHaveLength(1);
    expect(cursorOf('intake-a')).toBe(leaf - 1);
  });

  it('a write set that fails half-way leaves neither rows nor a moved cursor, and the next pass takes them', async () => {
    const real = sqliteRunner(db);
    const failing: SqlRunner = {
      all: (s) => real.all(s),
      // The last statement (the cursor) fails after the inserts ran inside the transaction.
      write: (statements) =>
        real.write(
          statements.map((s, i) =>
            i === statements.length - 1 ? { sql: 'UPDATE no_such_table SET x = 1', params: [] } : s,
          ),
        ),
    };
    await register(createWebhookStore(real, sealer), 'intake-a');
    const before = cursorOf('intake-a');
    decision('a1', 'intake-a');
    supersede('a1', 'intake-a');
    await expect(
      createWebhookStore(failing, sealer).enqueue({ now: new Date(T0), limit: 100 }),
    ).rejects.toThrow();
    expect(deliveries()).toEqual([]);
    expect(cursorOf('intake-a')).toBe(before);
    expect(await createWebhookStore(real, sealer).enqueue({ now: new Date(T0), limit: 100 })).toBe(1);
    expect(deliveries()).toHaveLength(1);
  });

  it('a process killed between the outbox and the delivery loses nothing: a restart delivers the rows', async () => {
    const store = createWebhookStore(sqliteRunner(db), sealer);
    await register(store, 'intake-a');
    decision('a1', 'intake-a');
    supersede('a1', 'intake-a');
    await store.enqueue({ now: new Date(T0), limit: 100 });
    db.$client.close(); // the "kill": nothing after pass (a) ran
    db = openDatabase(file, { synchronous: 'NORMAL' });
    const restarted = createWebhookStore(sqliteRunner(db), sealer);
    const sent: string[] = [];
    const result = await runWebhookPass({
      store: restarted,
      send: async ({ headers }) => {
        sent.push(headers['webhook-id'] ?? '');
        return 204;
      },
      clock: () => new Date(T0),
    });
    expect(result).toEqual({ enqueued: 0, delivered: 1, retrying: 0, failed: 0 });
    expect(sent).toEqual(['evt_a1-next']);
    expect(deliveries()).toEqual([
      { id: 'evt_a1-next', client: 'intake-a', state: 'delivered', attempts: 1 },
    ]);
  });

  it('removing a webhook drops its pending deliveries; registering again starts after the latest event', async () => {
    const store = createWebhookStore(sqliteRunner(db), sealer);
    await register(store, 'intake-a');
    decision('a1', 'intake-a');
    supersede('a1', 'intake-a');
    await store.enqueue({ now: new Date(T0), limit: 100 });
    expect(await store.remove('intake-a')).toBe(true);
    expect(await store.remove('intake-a')).toBe(false);
    expect(deliveries()).toEqual([]);
    await register(store, 'intake-a');
    expect(await store.enqueue({ now: new Date(T0), limit: 100 })).toBe(0);
  });

  it('replacing a webhook keeps its cursor and its pending events', async () => {
    const store = createWebhookStore(sqliteRunner(db), sealer);
    await register(store, 'intake-a');
    decision('a1', 'intake-a');
    supersede('a1', 'intake-a');
    await store.enqueue({ now: new Date(T0), limit: 100 });
    const cursor = cursorOf('intake-a');
    await store.put({
      clientId: 'intake-a',
      url: 'https://new.example/hooks',
      secret: SECRET,
      at: new Date(T0 + 1000).toISOString(),
    });
    expect(cursorOf('intake-a')).toBe(cursor);
    const due = await store.due(T0, 10);
    expect(due.map((d) => [d.eventId, d.url])).toEqual([['evt_a1-next', 'https://new.example/hooks']]);
    expect((await store.get('intake-a'))?.createdAt).toBe(new Date(T0).toISOString());
  });
});

describe('webhook delivery (pass b)', () => {
  it('retries with growing, jittered delays until a 2xx, signing every attempt verifiably', async () => {
    const store = createWebhookStore(sqliteRunner(db), sealer);
    await register(store, 'intake-a');
    decision('a1', 'intake-a');
    const successor = supersede('a1', 'intake-a', 'reverification');
    const reference = new ReferenceVerifier(webhookSecretText(SECRET));
    const attempts: { at: number; body: string }[] = [];
    let now = T0;
    const send: WebhookSender = async ({ headers, body }) => {
      attempts.push({ at: now, body });
      // The reference implementation signs the same id, time and body: the same signature.
      const id = headers['webhook-id'] ?? '';
      const at = new Date(Number(headers['webhook-timestamp']) * 1000);
      expect(at.getTime()).toBe(Math.floor(now / 1000) * 1000);
      expect(headers['webhook-signature']).toBe(reference.sign(id, at, body));
      return attempts.length < 3 ? 500 : 200;
    };
    const options = { store, send, clock: () => new Date(now), random: () => 0.5, retry: { baseMs: 1000 } };
    expect(await runWebhookPass(options)).toMatchObject({ enqueued: 1, retrying: 1 });
    expect(await runWebhookPass(options)).toMatchObject({ delivered: 0, retrying: 0 }); // not yet due
    now += 750; // 1 s × (0.5 + 0.5 × 0.5)
    expect(await runWebhookPass(options)).toMatchObject({ retrying: 1 });
    now += 1499;
    expect(await runWebhookPass(options)).toMatchObject({ retrying: 0 });
    now += 1;
    expect(await runWebhookPass(options)).toMatchObject({ delivered: 1 });
    expect(await runWebhookPass(options)).toMatchObject({ delivered: 0, retrying: 0 });
    expect(attempts.map((a) => a.at - T0)).toEqual([0, 750, 2250]);
    expect(JSON.parse(attempts[0]?.body ?? '')).toEqual({
      type: 'decision.superseded',
      timestamp: new Date(T0).toISOString(),
      data: {
        decisionId: successor,
        supersedes: 'a1',
        outcome: 'eligible',
        reviewRequired: true,
        links: { decision: `/v1/verifications/${successor}`, superseded: '/v1/verifications/a1' },
      },
    });
    expect(deliveries()).toEqual([
      { id: `evt_${successor}`, client: 'intake-a', state: 'delivered', attempts: 3 },
    ]);
  });

  it('gives up 24 h after the event entered the outbox, and a network error counts as a failure', async () => {
    const store = createWebhookStore(sqliteRunner(db), sealer);
    await register(store, 'intake-a');
    decision('a1', 'intake-a');
    supersede('a1', 'intake-a');
    let now = T0;
    let calls = 0;
    const options = {
      store,
      send: async () => {
        calls += 1;
        throw new TypeError('fetch failed');
      },
      clock: () => new Date(now),
      random: () => 0,
    };
    let result = await runWebhookPass(options);
    while (result.failed === 0 && calls < 200) {
      now += 3_600_000;
      result = await runWebhookPass(options);
    }
    expect(deliveries()[0]?.state).toBe('failed');
    expect(now - T0).toBeLessThanOrEqual(24 * 3_600_000);
    expect(calls).toBeGreaterThan(10);
    now += 3_600_000;
    expect(await runWebhookPass(options)).toEqual({ enqueued: 0, delivered: 0, retrying: 0, failed: 0 });
  });
});
