/**
 * Opens the SQLite file (WAL), applies the drizzle migrations, and hands out one drizzle
 * instance. The file is the single writer's: one process owns it.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from '../portable/schema.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const HERE = dirname(fileURLToPath(import.meta.url));
/**
 * The SQL migrations: beside this module's folder in src/ and in the compiled dist/src/, or under
 * dist/ when this runs inside the bundled command (dist/egw.js; scripts/build.js copies them).
 */
const BESIDE = join(HERE, '../portable/migrations');
export const MIGRATIONS_FOLDER = existsSync(BESIDE) ? BESIDE : join(HERE, 'src/adapters/portable/migrations');

export interface OpenDatabaseOptions {
  /** `FULL` fsyncs the WAL at every commit (a committed decision survives power loss); `NORMAL` survives a process crash only. */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

/** @example const db = openDatabase('./data/gateway.sqlite'); */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true });
    // Created 0600 whatever the umask or the folder's mode: SQLite gives the -wal and -shm
    // files the database file's permissions, so they follow.
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
    ownerOnly(file);
  }
  const client = new Database(file);
  client.pragma('journal_mode = WAL');
  if (file !== ':memory:') for (const suffix of ['-wal', '-shm']) ownerOnly(file + suffix);
  client.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  client.pragma('busy_timeout = 5000');
  client.pragma('foreign_keys = ON');
  const db = drizzle({ client, schema });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return db as Db;
}

/** Narrows a file to its owner (0600) when it exists and is wider. */
function ownerOnly(file: string): void {
  if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
}
