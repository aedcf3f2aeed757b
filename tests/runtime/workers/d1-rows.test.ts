/**
 * D1 binds at most 100 parameters per statement (local D1 does not enforce it; the real one
 * does), so the sequencer's multi-row inserts must stay within it however large the batch.
 */
import { describe, expect, it } from 'vitest';
import {
  blobBytes,
  blobParam,
  chunks,
  D1_MAX_PARAMS,
  insertRows,
} from '../../../src/adapters/workers/d1-rows.ts';

describe('D1 statement shaping', () => {
  it('splits multi-row inserts so that no statement binds more than 100 parameters', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => [i, i * 2, `h${i}`]);
    const statements = insertRows('log_nodes', ['level', 'idx', 'hash'], rows);
    expect(statements.every((s) => s.params.length <= D1_MAX_PARAMS)).toBe(true);
    expect(statements.flatMap((s) => s.params)).toEqual(rows.flat());
    expect(statements[0]?.sql).toBe(
      `INSERT INTO log_nodes (level, idx, hash) VALUES ${Array.from({ length: 33 }, () => '(?, ?, ?)').join(', ')}`,
    );
    expect(statements).toHaveLength(Math.ceil(1000 / 33));
    expect(chunks([1, 2, 3], 200)).toEqual([[1], [2], [3]]);
  });

  it('round-trips BLOBs in every shape D1 hands back', () => {
    const bytes = new Uint8Array([0, 1, 254, 255]);
    const view = new Uint8Array([9, 0, 1, 254, 255, 9]).subarray(1, 5);
    const param = blobParam(view);
    expect(param).toBeInstanceOf(ArrayBuffer);
    expect(param.byteLength).toBe(4);
    expect(blobBytes([0, 1, 254, 255])).toEqual(bytes);
    expect(blobBytes(param)).toEqual(bytes);
    expect(blobBytes(view)).toEqual(bytes);
    expect(() => blobBytes('AAEC')).toThrow('not a BLOB value');
  });
});
