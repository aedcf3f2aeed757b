/**
 * The portable stores' SqlRunner over better-sqlite3: statements prepared once per text, a
 * write set as one synchronous transaction on the store's own connection, so it interleaves
 * with the group commit on one thread. One per database is enough; it keeps its statements.
 */
import type Database from 'better-sqlite3';
import type { SqlRunner } from '../portable/sql-runner.ts';
import type { Db } from './sqlite-database.ts';

/**
 * The portable stores' runner on better-sqlite3.
 * @example const rows = await sqliteRunner(db).all(statement`SELECT 1 AS one`);
 */
export function sqliteRunner(db: Db): SqlRunner {
  const client = db.$client;
  const prepared = new Map<string, Database.Statement<unknown[]>>();
  const prepare = (sql: string) => {
    let stmt = prepared.get(sql);
    if (stmt === undefined) {
      stmt = client.prepare<unknown[]>(sql);
      prepared.set(sql, stmt);
    }
    return stmt;
  };
  const writeSet = client.transaction((statements: readonly { sql: string; params: readonly unknown[] }[]) =>
    statements.map((s) => prepare(s.sql).run(...(s.params as unknown[])).changes),
  );
  return {
    async all<T>(s: { sql: string; params: readonly unknown[] }) {
      return prepare(s.sql).all(...(s.params as unknown[])) as T[];
    },
    async write(statements) {
      return writeSet(statements);
    },
  };
}
