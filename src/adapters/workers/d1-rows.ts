/**
 * What D1 needs that better-sqlite3 does not: BLOB values cross the binding as arrays of
 * numbers (read) and ArrayBuffers (write), and one statement binds at most 100 parameters,
 * so multi-row inserts and `IN` lists are cut into chunks that fit.
 */
import { type SQL, sql } from 'drizzle-orm';

/** D1's limit of bound parameters per statement. */
export const D1_MAX_PARAMS = 100;

/**
 * A BLOB as D1 returns it (number[], ArrayBuffer or a view) as bytes.
 * @example const hash = blobBytes(row.hash);
 */
export function blobBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value) && value.every((b) => typeof b === 'number')) return Uint8Array.from(value);
  throw new TypeError('not a BLOB value');
}

/**
 * Bytes as a BLOB parameter (an exact ArrayBuffer: a view's buffer may be larger than the view).
 * @example sql`INSERT INTO log_leaves (idx, leaf) VALUES (${i}, ${blobParam(bytes)})`
 */
export function blobParam(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/**
 * Splits rows so that each chunk binds at most `D1_MAX_PARAMS` parameters.
 * @example for (const part of chunks(rows, 3)) statements.push(insertNodes(part));
 */
export function chunks<T>(rows: readonly T[], paramsPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(D1_MAX_PARAMS / paramsPerRow));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * `(a, b), (c, d)` for a multi-row VALUES clause.
 * @example sql`INSERT INTO log_nodes (level, idx, hash) VALUES ${valuesList(part.map((n) => [n.level, n.index, blobParam(n.hash)]))}`
 */
export function valuesList(rows: readonly (readonly unknown[])[]): SQL {
  return sql.join(
    rows.map(
      (row) =>
        sql`(${sql.join(
          row.map((v) => sql`${v}`),
          sql`, `,
        )})`,
    ),
    sql`, `,
  );
}

/**
 * Multi-row INSERT statements for `rows`, each within D1's parameter limit.
 * @example client.batch(insertRows('log_leaves', ['idx', 'leaf'], leaves).map((s) => client.prepare(s.sql).bind(...s.params)))
 */
export function insertRows(
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): { sql: string; params: unknown[] }[] {
  return chunks(rows, columns.length).map((part) => ({
    sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${part
      .map((r) => `(${r.map(() => '?').join(', ')})`)
      .join(', ')}`,
    params: part.flat(),
  }));
}
