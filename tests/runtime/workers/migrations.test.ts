/**
 * D1 gets its schema from the very drizzle migrations the Node store applies
 * (wrangler.toml `migrations_dir = "src/adapters/portable/migrations"`, no copies to drift):
 * after `wrangler d1 migrations apply --local`, every table and column of the shared drizzle
 * schema exists in the Worker's D1, and wrangler recorded every migration file.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import * as schema from '../../../src/adapters/portable/schema.ts';
import { ROOT, WRANGLER } from './workers-stack.ts';

/** Runs SQL statements in one `wrangler d1 execute` (each call starts workerd): one result set each. */
function d1(...queries: string[]): Record<string, unknown>[][] {
  const run = spawnSync(
    WRANGLER,
    [
      'd1',
      'execute',
      'DB',
      '--local',
      '--persist-to',
      inject('workersPersistDir'),
      '--json',
      '--command',
      queries.join('; '),
    ],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' }, encoding: 'utf8' },
  );
  expect(run.status, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { results: Record<string, unknown>[] }[]).map((r) => r.results);
}

const tables = Object.values<unknown>(schema).filter((t): t is SQLiteTable => t instanceof SQLiteTable);
let columns: Record<string, unknown>[] = [];
let migrations: Record<string, unknown>[] = [];

beforeAll(() => {
  const names = tables.map((t) => `'${getTableConfig(t).name}'`).join(', ');
  [columns = [], migrations = []] = d1(
    `SELECT m.name AS tbl, p.name AS col FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name IN (${names})`,
    'SELECT name FROM d1_migrations ORDER BY id',
  );
});

describe('D1 schema from the shared drizzle migrations', () => {
  it('holds every table and column of src/adapters/portable/schema.ts', () => {
    expect(tables.length).toBeGreaterThanOrEqual(6);
    const have = new Set(columns.map((r) => `${String(r.tbl)}.${String(r.col)}`));
    const want = tables.flatMap((t) => {
      const config = getTableConfig(t);
      return config.columns.map((c) => `${config.name}.${c.name}`);
    });
    expect(want.length).toBeGreaterThan(40);
    expect(want.filter((c) => !have.has(c))).toEqual([]);
  });

  it('recorded every migration file as applied', () => {
    const files = readdirSync(join(ROOT, 'src/adapters/portable/migrations')).filter((f) =>
      f.endsWith('.sql'),
    );
    expect(migrations.map((r) => String(r.name))).toEqual(files.sort());
  });
});
