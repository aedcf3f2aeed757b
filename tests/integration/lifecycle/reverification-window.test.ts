/**
 * The re-verification worker against a real SQLite store and real sandbox registries, on a
 * clock the test moves: exponential backoff with jitter, the last attempt at the window's
 * close (the policy's dated 30 days), then a final needs_review that says why; and a decision a
 * person reviewed first is never re-verified.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltInConnectors, type Sandboxes, startSandboxes } from '../../../connectors/index.ts';
import type { Decision } from '../../../schemas/decision.ts';
import { makeIdNumber } from '../../../schemas/id-number.ts';
import { Fixtures } from '../../../schemas/registry-records.ts';
import { loadSigningKey } from '../../../src/adapters/node/key-files.ts';
import { nodeJws } from '../../../src/adapters/node/node-jws.ts';
import type { Db } from '../../../src/adapters/node/sqlite-database.ts';
import { sqliteRunner } from '../../../src/adapters/node/sqlite-runner.ts';
import type { SqliteStore } from '../../../src/adapters/node/sqlite-store.ts';
import { createJoseSigner } from '../../../src/adapters/portable/jose-signer.ts';
import { createReverificationQueue } from '../../../src/adapters/portable/reverification-queue.ts';
import { createConnectorRegistry } from '../../../src/core/connector-registry.ts';
import { createNanjingPolicy } from '../../../src/core/policy/index.ts';
import { backoffMs, createReverificationWorker } from '../../../src/core/reverification-worker.ts';
import {
  createVerificationService,
  type VerificationService,
} from '../../../src/core/verification-service.ts';
import { requestFor } from '../../support/requests.ts';
import { openTestStore } from '../../support/sqlite-store.ts';

const PERSON = makeIdNumber('320106', '1990-02-03', 21);
const fixtures = Fixtures.parse({
  persons: [
    { idNumber: PERSON, name: '测试丙', district: '320106' },
    { idNumber: makeIdNumber('320106', '1991-02-03', 22), name: '测试丁', district: '320106' },
  ],
  hrss: [{ idNumber: PERSON, employment: 'employed', monthlyContributionBase: 2000, asOf: '2025-06-01' }],
});
const DAY = 86_400_000;
const T0 = Date.parse('2025-06-30T02:00:00.000Z');

let dir: string;
let sandboxes: Sandboxes;
let db: Db;
let store: SqliteStore;
let service: VerificationService;
let now = T0;
let ids = 0;
const clock = { now: () => new Date(now) };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'egw-reverify-window-'));
  sandboxes = await startSandboxes({ fixtures, requestLog: { maskSubjects: false } });
  ({ db, store } = await openTestStore(dir, 'w.sqlite'));
  service = createVerificationService({
    policies: [createNanjingPolicy()],
    connectors: createConnectorRegistry(createBuiltInConnectors(sandboxes.connectorConfig, nodeJws)),
    store,
    signer: await createJoseSigner(await loadSigningKey(dir), nodeJws),
    clock,
    newId: () => `window-${++ids}`,
    registryDeadlineMs: 300,
  });
}, 60_000);
afterAll(async () => {
  db?.$client.close();
  await sandboxes?.close();
  rmSync(dir, { recursive: true, force: true });
});

function queueRow(id: string) {
  return db.$client
    .prepare(
      'SELECT state, attempts, next_attempt_at, last_error, not_after, successor_id FROM reverifications WHERE decision_id = ?',
    )
    .get(id) as
    | {
        state: string;
        attempts: number;
        next_attempt_at: number;
        last_error: string | null;
        not_after: string;
        successor_id: string | null;
      }
    | undefined;
}

describe('the re-verification window', () => {
  it('backs off exponentially with jitter, never past the close, and then a person decides', async () => {
    sandboxes.setFaults([{ source: 'hrss', mode: 'error' }]);
    const { decision } = await service.verify({
      clientId: 'intake-a',
      idempotencyKey: 'window-1',
      request: requestFor(fixtures, 0),
      language: 'en',
    });
    expect(decision.provisional).toBe(true);
    const queued = queueRow(decision.id);
    expect(queued).toMatchObject({ state: 'pending', attempts: 0 });
    // The policy's window: 30 days from the decision.
    expect(Date.parse(queued?.not_after ?? '')).toBe(T0 + 30 * DAY);

    const queue = createReverificationQueue(sqliteRunner(db));
    const worker = createReverificationWorker({
      queue,
      reverify: service.reverify,
      clock,
      backoffBaseMs: 60_000,
      backoffMaxMs: 6 * 3_600_000,
      random: () => 1,
    });
    expect(await worker.runOnce()).toMatchObject({ taken: 1, deferred: 1 });
    expect(queueRow(decision.id)).toMatchObject({
      attempts: 1,
      next_attempt_at: T0 + 60_000,
      last_error: 'ERR_REGISTRY_ERROR',
    });
    // Not due yet: nothing is taken.
    now = T0 + 59_000;
    expect(await worker.runOnce()).toMatchObject({ taken: 0 });
    now = T0 + 60_000;
    expect(await worker.runOnce()).toMatchObject({ taken: 1, deferred: 1 });
    expect(queueRow(decision.id)?.next_attempt_at).toBe(now + 120_000);

    // Near the close the next attempt is the close itself.
    now = T0 + 30 * DAY - 1000;
    expect(await worker.runOnce()).toMatchObject({ taken: 1, deferred: 1 });
    expect(queueRow(decision.id)?.next_attempt_at).toBe(T0 + 30 * DAY);
    expect((await store.get(decision.id))?.supersededBy).toBeUndefined();

    now = T0 + 30 * DAY;
    expect(await worker.runOnce()).toMatchObject({ taken: 1, superseded: 1 });
    const stored = await store.get(decision.id);
    const successor = (await store.get(stored?.supersededBy ?? ''))?.decision as Decision;
    expect(successor.supersedes).toBe(decision.id);
    expect(successor.outcome).toBe('needs_review');
    expect(successor.provisional).toBe(false);
    expect(successor.reviewRequired).toBe(true);
    const closed = successor.basis.find((b) => b.rule === 'reverification_window_closed');
    expect(closed?.explanation).toMatch(/human resources and social security.*still could not/);
    expect(closed?.explanations?.['zh-CN']).toMatch(/核查期限已届满/);
    expect(queueRow(decision.id)).toMatchObject({ state: 'done', successor_id: successor.id });
    expect(await worker.runOnce()).toMatchObject({ taken: 0 });
  });

  it('never re-verifies a decision a person reviewed first: the review closes its queue row', async () => {
    now = T0 + 40 * DAY;
    sandboxes.setFaults([{ source: 'hrss', mode: 'timeout' }]);
    const { decision } = await service.verify({
      clientId: 'intake-a',
      idempotencyKey: 'window-2',
      request: requestFor(fixtures, 0, { decisionDate: '2025-08-09' }),
      language: 'zh-CN',
    });
    expect(queueRow(decision.id)?.state).toBe('pending');
    const reviewed = await service.review({
      decisionId: decision.id,
      reviewerId: 'review-desk',
      audit: true,
      review: { outcome: 'eligible', reasonCode: 'declaration_verified', note: 'checked' },
      language: 'zh-CN',
    });
    expect(queueRow(decision.id)).toMatchObject({ state: 'done', successor_id: reviewed.id });
    sandboxes.setFaults([]);
    sandboxes.clearRequestLogs();
    const worker = createReverificationWorker({
      queue: createReverificationQueue(sqliteRunner(db)),
      reverify: service.reverify,
      clock,
    });
    expect(await worker.runOnce()).toMatchObject({ taken: 0 });
    expect(sandboxes.requestLog()).toHaveLength(0);
  });

  it('computes equal-jitter backoff: half fixed, half random, doubling, capped', () => {
    expect(backoffMs(1, 60_000, 3_600_000, () => 0)).toBe(30_000);
    expect(backoffMs(1, 60_000, 3_600_000, () => 1)).toBe(60_000);
    expect(backoffMs(4, 60_000, 3_600_000, () => 0.5)).toBe(360_000);
    expect(backoffMs(20, 60_000, 3_600_000, () => 1)).toBe(3_600_000);
  });
});
