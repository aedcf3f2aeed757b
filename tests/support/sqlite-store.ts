/** A real SQLite store in a test's own directory, wired as `egw start` wires it (keys and all). */
import { join } from 'node:path';
import { createCheckpointSigner } from '../../src/adapters/node/checkpoint-signer.ts';
import { loadDataKeyRing, loadNoteSignerKey } from '../../src/adapters/node/data-keys.ts';
import { nodeAesGcm } from '../../src/adapters/node/node-aes-gcm.ts';
import { type Db, openDatabase } from '../../src/adapters/node/sqlite-database.ts';
import { createSqliteStore, type SqliteStore } from '../../src/adapters/node/sqlite-store.ts';
import { createSealer } from '../../src/adapters/portable/sealer.ts';

/** @example const { db, store } = await openTestStore(dir, 'g.sqlite'); */
export async function openTestStore(dir: string, file: string): Promise<{ db: Db; store: SqliteStore }> {
  const db = openDatabase(join(dir, file));
  const store = createSqliteStore({
    db,
    // node:crypto AES-GCM, as the Node runtime wires it: sealing resolves in the calling tick,
    // so writes called together integrate in one batch (WebCrypto's thread pool would not).
    sealer: await createSealer(loadDataKeyRing(dir), nodeAesGcm),
    checkpoints: createCheckpointSigner(loadNoteSignerKey(dir, 'test.local/log')),
  });
  return { db, store };
}
