/**
 * A transparency log of any size on a gateway data directory, written by the real store's
 * sequencer (event leaves, one signed checkpoint per batch), for start-up benchmarks and
 * tests. No personal data: event leaves carry a counter only.
 */
import { join } from 'node:path';
import { createCheckpointSigner } from '../../src/adapters/node/checkpoint-signer.ts';
import { loadDataKeyRing, loadNoteSignerKey } from '../../src/adapters/node/data-keys.ts';
import { openDatabase } from '../../src/adapters/node/sqlite-database.ts';
import { createSqliteStore } from '../../src/adapters/node/sqlite-store.ts';
import { createSealer } from '../../src/adapters/portable/sealer.ts';
import { DEFAULT_LOG_ORIGIN } from '../../src/runtime/node.ts';

/**
 * Appends `leaves` event leaves to `<dataDir>/gateway.sqlite`, `batch` per transaction.
 * @example await buildSyntheticLog('/tmp/egw', 1_000_000);
 */
export async function buildSyntheticLog(
  dataDir: string,
  leaves: number,
  options: { readonly batch?: number; readonly progress?: (done: number) => void } = {},
): Promise<{ size: number; checkpoints: number }> {
  const db = openDatabase(join(dataDir, 'gateway.sqlite'), { synchronous: 'NORMAL' });
  try {
    const store = createSqliteStore({
      db,
      sealer: await createSealer(loadDataKeyRing(dataDir)),
      checkpoints: createCheckpointSigner(loadNoteSignerKey(dataDir, DEFAULT_LOG_ORIGIN)),
    });
    const batch = options.batch ?? 4096;
    const at = '2025-06-30T00:00:00.000Z';
    const before = store.batches;
    for (let done = store.treeSize; done < leaves; ) {
      const n = Math.min(batch, leaves - done);
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          store.appendEvent({ type: 'bench.synthetic', at, actor: 'bench', attributes: { n: done + i } }),
        ),
      );
      done += n;
      options.progress?.(done);
    }
    return { size: store.treeSize, checkpoints: store.batches - before };
  } finally {
    db.$client.close();
  }
}
