import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../../src/core/encoding.ts';
import { openTestStore } from '../../support/sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-event-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('event leaves share the decisions’ sequencer', () => {
  it('appends concurrent events in one group commit with consecutive indices and a checkpoint covering them', async () => {
    const { db, store } = await openTestStore(dir, 'g.sqlite');
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
