/**
 * The portable stores' SqlRunner over a D1 binding: a write set is one `batch`, which D1 runs
 * as a single transaction.
 */
import type { D1Database } from '@cloudflare/workers-types';
import type { SqlRunner } from '../portable/sql-runner.ts';

/**
 * The portable stores' runner on a D1 binding.
 * @example const rows = await d1Runner(env.DB).all(statement`SELECT 1 AS one`);
 */
export function d1Runner(client: D1Database): SqlRunner {
  return {
    async all<T>(s: { sql: string; params: readonly unknown[] }) {
      const { results } = await client
        .prepare(s.sql)
        .bind(...s.params)
        .all<T>();
      return results;
    },
    async write(statements) {
      if (statements.length === 0) return [];
      const results = await client.batch(statements.map((s) => client.prepare(s.sql).bind(...s.params)));
      return results.map((r) => r.meta.changes ?? 0);
    },
  };
}
