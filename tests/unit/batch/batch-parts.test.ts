import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAnsweredPrefix } from '../../../src/batch/answered-prefix.ts';
import { countLines, lineKey, parseLine, readLines } from '../../../src/batch/batch-lines.ts';
import { createRateWindow, formatDuration, progressLine } from '../../../src/batch/progress-display.ts';
import { fileHead, readProgress, writeProgress } from '../../../src/batch/progress-file.ts';
import { priorityOf } from '../../../src/http/routes/verifications.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-batch-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('answered prefix', () => {
  it('advances only over lines that are all answered, whatever the order', () => {
    const p = createAnsweredPrefix(10);
    p.done(12);
    p.done(11);
    expect(p.prefix).toBe(10);
    expect(p.ahead).toBe(2);
    p.done(10);
    expect(p.prefix).toBe(13);
    expect(p.ahead).toBe(0);
    p.done(3); // before the start: ignored
    expect(p.prefix).toBe(13);
  });
});

describe('lines and keys', () => {
  it('derives the same key from the same line and another from another line', () => {
    const a = parseLine(' {"region":"320100"} ', 'egw-batch');
    const b = parseLine('{"region":"320100"}', 'egw-batch');
    const c = parseLine('{"region":"320102"}', 'egw-batch');
    expect(a).toEqual(b);
    expect(a.kind === 'request' && c.kind === 'request' && a.key !== c.key).toBe(true);
    expect(a.kind === 'request' && a.key).toBe(lineKey('{"region":"320100"}', 'egw-batch'));
    expect(a.kind === 'request' && /^egw-batch-[0-9a-f]{32}$/.test(a.key)).toBe(true);
  });

  it('takes a chosen key from {idempotencyKey, request}', () => {
    expect(parseLine('{"idempotencyKey":"case-7","request":{"a":1}}', 'p')).toEqual({
      kind: 'request',
      body: { a: 1 },
      key: 'case-7',
    });
    expect(parseLine('{"idempotencyKey":"has space","request":{}}', 'p').kind).toBe('invalid');
  });

  it('tells blank and invalid lines apart', () => {
    expect(parseLine('   ', 'p').kind).toBe('blank');
    expect(parseLine('{not json', 'p')).toEqual({ kind: 'invalid', reason: 'not JSON' });
    expect(parseLine('[1,2]', 'p')).toEqual({ kind: 'invalid', reason: 'not a JSON object' });
  });

  it('streams numbered lines from a start, handling CRLF and a last line without newline', async () => {
    const file = join(dir, 'lines.jsonl');
    writeFileSync(file, 'a\r\nb\n\nd');
    const all = [];
    for await (const l of readLines(file)) all.push(l);
    expect(all).toEqual([
      { index: 0, text: 'a' },
      { index: 1, text: 'b' },
      { index: 2, text: '' },
      { index: 3, text: 'd' },
    ]);
    const rest = [];
    for await (const l of readLines(file, 2)) rest.push(l.index);
    expect(rest).toEqual([2, 3]);
    expect(await countLines(file)).toBe(4);
    writeFileSync(file, 'a\nb\n');
    expect(await countLines(file)).toBe(2);
  });
});

describe('progress file', () => {
  it('round-trips and refuses progress recorded for another file', () => {
    const file = join(dir, 'cases.jsonl');
    writeFileSync(file, '{"a":1}\n');
    const path = join(dir, 'cases.progress.json');
    expect(readProgress(path, file, fileHead(file))).toBeUndefined();
    writeProgress(path, { version: 1, file, head: fileHead(file), answered: 1, updatedAt: 'now' });
    expect(readProgress(path, file, fileHead(file))?.answered).toBe(1);
    writeFileSync(file, '{"a":2}\n');
    expect(() => readProgress(path, file, fileHead(file))).toThrow(/another file/);
  });
});

describe('progress display', () => {
  it('formats durations', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(245)).toBe('4m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('--');
  });

  it('shows count, share, rate and ETA, with a bar on a terminal', () => {
    const state = { done: 50, total: 200, ratePerSecond: 10, errors: 1 };
    expect(progressLine(state)).toBe('50/200  25.0%  10.0/s  ETA 15s  errors 1');
    expect(progressLine(state, 8)).toBe('[##------] 50/200  25.0%  10.0/s  ETA 15s  errors 1');
  });

  it('measures the rate over a sliding window', () => {
    const w = createRateWindow(1000);
    expect(w.rate()).toBeNaN();
    w.add(0, 0);
    w.add(500, 100);
    expect(w.rate()).toBe(200);
    w.add(3000, 110);
    w.add(3500, 160);
    // The last point before the window is kept, so the span is never shorter than the window.
    expect(w.rate()).toBe(20);
    w.add(4000, 210);
    expect(w.rate()).toBe(100);
  });
});

describe('priority header', () => {
  it('marks batch by X-EGW-Priority or RFC 9218 urgency 7, online otherwise', () => {
    expect(priorityOf('batch', undefined)).toBe('batch');
    expect(priorityOf(' Batch ', undefined)).toBe('batch');
    expect(priorityOf(undefined, 'u=7')).toBe('batch');
    expect(priorityOf(undefined, 'i, u=7')).toBe('batch');
    expect(priorityOf(undefined, 'u=3')).toBe('online');
    expect(priorityOf(undefined, 'u=70')).toBe('online');
    expect(priorityOf('online', undefined)).toBe('online');
    expect(priorityOf(undefined, undefined)).toBe('online');
  });
});
