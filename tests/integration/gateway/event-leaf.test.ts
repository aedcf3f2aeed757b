import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCheckpointSigner } from '../../../src/adapters/node/checkpoint-signer.ts';
import { loadDataKeyRing, loadNoteSignerKey } from '../../../src/adapters/node/data-keys.ts';
import { openDatabase } from '../../../src/adapters/node/sqlite-database.ts';
import { createSqliteStore } from '../../../src/adapters/node/sqlite-store.ts';
import { createSealer } from '../../../src/adapters/portable/sealer.ts';
import { fromBase64 } from '../../../src/core/encoding.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-event-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('event leaves share the decisions’ sequencer', () => {
  it('appends concurrent events in one group commit with consecutive indices and a checkpoint covering them', async () => {
    const db = openDatabase(join(dir, 'g.sqlite'));
    const store = createSqliteStore({
      db,
      sealer: await createSealer(loadDataKeyRing(dir)),
      checkpoints: createCheckpointSigner(loadNoteSignerKey(dir, 'test.local/log')),
    });
    const appended = await Promise.all(
      [0, 1, 2].map((n) =>
        store.appendEvent({
          type: 'connector.registered',
          at: '2026-01-01T00:00:00Z',
          actor: 'agency-a',
          attributes: { n },
        }),
      ),
    );
    expect(appended.map((a) => a.leafIndex)).toEqual([0, 1, 2]);
    expect(store.batches).toBe(1);
    expect(appended[2]?.checkpoint.split('\n')[1]).toBe('3');
    const [entry] = await store.entries(1, 2);
    const leaf = JSON.parse(new TextDecoder().decode(entry?.leaf ?? fromBase64(''))) as {
      kind: string;
      attributes: { n: number };
    };
    expect(leaf.kind).toBe('event');
    expect(leaf.attributes.n).toBe(1);
    expect(store.verifyIntegrity().size).toBe(3);
    db.$client.close();
  });
});
