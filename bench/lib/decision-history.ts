/**
 * A gateway data folder holding `count` real decisions, for the start-up target (issue 14: ready
 * in ≤ 1 s with 100,000 decisions). The decisions are made the way the gateway makes them: a
 * gateway in this process, the sandboxes in this process answering at once, and POST
 * /v1/verifications over loopback, so every table, leaf and checkpoint is what production writes.
 * Writing 100,000 takes minutes, so the folder is kept under tmp/bench-cache/ and reused while
 * the migrations are the same (a new migration makes a new folder).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { generatePopulation, startSandboxes } from '../../connectors/index.ts';
import { Fixtures } from '../../schemas/index.ts';
import { issueDevToken } from '../../src/adapters/node/key-files.ts';
import { startGateway } from '../../src/runtime/node.ts';
import { ROOT } from './processes.ts';
import { BENCH_POPULATION, BENCH_SEED, benchPersons, benchRequest } from './requests.ts';

const MIGRATIONS = join(ROOT, 'src/adapters/portable/migrations');

/** The cache folder of a history of `count` decisions under the current migrations. */
export function historyFolder(count: number): string {
  const schema = createHash('sha256')
    .update(readdirSync(MIGRATIONS).sort().join('\n'))
    .digest('hex')
    .slice(0, 12);
  return join(ROOT, 'tmp', 'bench-cache', `decisions-${count}-${schema}`);
}

/**
 * Returns a copy (in `workDir`) of a data folder with `count` decisions, writing the cached
 * original first when there is none. The copy is what a start-up runs on, so the cache stays clean.
 * @example const dataDir = await decisionHistory(workDir, 100_000, log);
 */
export async function decisionHistory(
  workDir: string,
  count: number,
  log: (line: string) => void,
): Promise<string> {
  const cached = historyFolder(count);
  if (!existsSync(cached)) {
    log(`  writing a history of ${count.toLocaleString('en-US')} decisions (once; kept in ${cached})`);
    const partial = `${cached}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    await writeDecisions(partial, count, log);
    renameSync(partial, cached);
  }
  const copy = join(workDir, `history-${count}`);
  cpSync(cached, copy, { recursive: true });
  return copy;
}

async function writeDecisions(dataDir: string, count: number, log: (line: string) => void): Promise<void> {
  const persons = benchPersons();
  const sandboxes = await startSandboxes({
    fixtures: Fixtures.parse(generatePopulation({ seed: BENCH_SEED, size: BENCH_POPULATION })),
  });
  const gateway = await startGateway({ dataDir, port: 0, registries: sandboxes.connectorConfig });
  const token = await issueDevToken({ dataDir, scopes: 'verifications:write', clientId: 'bench-history' });
  const pool = new Pool(gateway.url, { connections: 32 });
  const began = performance.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await pool.request({
        path: '/v1/verifications',
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': `history-${i}`,
        },
        body: JSON.stringify(benchRequest(persons, i, `HISTORY-${i}`)),
      });
      await res.body.dump();
      if (res.statusCode !== 201) throw new Error(`history decision ${i}: HTTP ${res.statusCode}`);
      if (++done % 10_000 === 0)
        log(
          `    ${done.toLocaleString('en-US')} decisions, ${((performance.now() - began) / 1000).toFixed(0)} s`,
        );
    }
  };
  try {
    await Promise.all(Array.from({ length: 32 }, worker));
  } finally {
    await pool.close();
    await gateway.close();
    await sandboxes.close();
  }
}
