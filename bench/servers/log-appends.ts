/**
 * M4: log appends per second on a fresh SQLite log (synchronous = FULL, WAL), either one
 * transaction and one fsync per leaf (each append awaited before the next) or group
 * commit (many appenders at once; the store integrates everything queued per turn of the
 * event loop in one transaction). Prints `READY {json}` with the result.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCheckpointSigner } from '../../src/adapters/node/checkpoint-signer.ts';
import { loadDataKeyRing, loadNoteSignerKey } from '../../src/adapters/node/data-keys.ts';
import { openDatabase } from '../../src/adapters/node/sqlite-database.ts';
import { createSqliteStore } from '../../src/adapters/node/sqlite-store.ts';
import { createSealer } from '../../src/adapters/portable/sealer.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    mode: { type: 'string', default: 'group' },
    count: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '64' },
  },
});
const dir = mkdtempSync(join(values.dir ?? '.', 'appends-'));
const sealer = await createSealer(loadDataKeyRing(dir));
const store = createSqliteStore({
  db: openDatabase(join(dir, 'gateway.sqlite'), { synchronous: 'FULL' }),
  sealer,
  checkpoints: createCheckpointSigner(loadNoteSignerKey(dir, 'bench.local/log')),
});
const event = {
  type: 'bench.append',
  at: new Date().toISOString(),
  actor: 'bench',
  attributes: { note: 'synthetic' },
};
for (let i = 0; i < 20; i++) await store.appendEvent(event); // warm: statements prepared, file grown
const count = Number(values.count);
const batchesBefore = store.batches;
const started = performance.now();
if (values.mode === 'single') {
  for (let i = 0; i < count; i++) await store.appendEvent(event);
} else {
  let issued = 0;
  await Promise.all(
    Array.from({ length: Number(values.concurrency) }, async () => {
      while (issued < count) {
        issued += 1;
        await store.appendEvent(event);
      }
    }),
  );
}
const seconds = (performance.now() - started) / 1000;
const batches = store.batches - batchesBefore;
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `READY ${JSON.stringify({ mode: values.mode, appends: count, seconds, perSecond: count / seconds, batches })}\n`,
);
