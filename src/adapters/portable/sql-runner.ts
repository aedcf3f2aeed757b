/**
 * The least a portable store needs from a SQLite driver: reads, and one atomic write set.
 * better-sqlite3 gives it as one synchronous transaction, D1 as one `batch` (D1 has no
 * interactive transactions), so a write set is a list of statements decided before it runs.
 */

/** A value SQLite and D1 both bind. */
export type SqlValue = string | number | null;

/** One statement with positional (`?`) parameters. */
export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/**
 * - `all` answers the rows of one read.
 * - `write` MUST apply every statement or none, in order, and answer how many rows each changed.
 * @example const [changed] = await runner.write([{ sql: 'DELETE FROM webhooks WHERE client_id = ?', params: [id] }]);
 */
export interface SqlRunner {
  all<T>(statement: SqlStatement): Promise<T[]>;
  write(statements: readonly SqlStatement[]): Promise<number[]>;
}

/**
 * A statement from a template: `sql\`… ${value} …\`` becomes `… ? …` with its parameters.
 * @example runner.all(statement`SELECT url FROM webhooks WHERE client_id = ${clientId}`)
 */
export function statement(parts: TemplateStringsArray, ...params: SqlValue[]): SqlStatement {
  return { sql: parts.join('?'), params };
}
