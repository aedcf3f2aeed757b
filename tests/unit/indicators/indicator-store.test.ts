/**
 * The indicators' SQL (src/adapters/portable/indicator-store.ts) against a naive reference in
 * TypeScript, on random decisions and registry calls across Asia/Shanghai day boundaries:
 * counts by day and month, nearest-rank percentiles, decisions written before migration 0007
 * (no figures row) still counted by outcome; and the range checks and CSV of src/core/indicators.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/adapters/node/sqlite-database.ts';
import { sqliteRunner } from '../../../src/adapters/node/sqlite-runner.ts';
import { createIndicatorStore } from '../../../src/adapters/portable/indicator-store.ts';
import { GatewayError } from '../../../src/core/errors.ts';
import {
  indicatorReport,
  indicatorsCsv,
  registryStatus,
  reportRange,
  shanghaiDayStart,
} from '../../../src/core/indicators.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-indicators-'));
const db = openDatabase(join(dir, 'gateway.sqlite'));
const store = createIndicatorStore(sqliteRunner(db));
afterAll(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

const OUTCOMES = ['eligible', 'ineligible', 'needs_review'] as const;
const START = Date.parse('2026-11-29T12:00:00Z');
const decisionArb = fc.record({
  at: fc.integer({ min: 0, max: 4 * 86_400_000 }),
  outcome: fc.constantFrom(...OUTCOMES),
  figures: fc.option(
    fc.record({
      provisional: fc.boolean(),
      green: fc.boolean(),
      complete: fc.boolean(),
      ms: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
    }),
    { nil: undefined },
  ),
});
const callArb = fc.record({
  at: fc.integer({ min: 0, max: 4 * 86_400_000 }),
  source: fc.constantFrom('civil_affairs', 'hrss'),
  result: fc.constantFrom('answered', 'answered', 'timeout', 'fault'),
  ms: fc.integer({ min: 0, max: 900 }),
});

const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
const nearestRank = (values: number[], p: number) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p * sorted.length) / 100) - 1] ?? null;
};

type Decided = typeof decisionArb extends fc.Arbitrary<infer T> ? T : never;
type Called = typeof callArb extends fc.Arbitrary<infer T> ? T : never;

function load(decisions: readonly Decided[], calls: readonly Called[]): void {
  const c = db.$client;
  c.exec('DELETE FROM decisions; DELETE FROM decision_figures; DELETE FROM registry_calls;');
  const insertDecision = c.prepare(
    `INSERT INTO decisions (id, client_id, idempotency_key, request_digest, subject_hash, outcome, decided_at, leaf_index, receipt, decision_sealed, request_sealed)
     VALUES (?, 'c', ?, 'd', 's', ?, ?, ?, '{}', 'x', 'x')`,
  );
  const insertFigures = c.prepare('INSERT INTO decision_figures VALUES (?, ?, ?, ?, 0, ?, ?)');
  const insertCall = c.prepare(
    'INSERT INTO registry_calls (at, source, result, code, latency_ms) VALUES (?, ?, ?, NULL, ?)',
  );
  decisions.forEach((d, i) => {
    const at = new Date(START + d.at).toISOString();
    insertDecision.run(`d${i}`, `k${i}`, d.outcome, at, i);
    if (d.figures)
      insertFigures.run(
        `d${i}`,
        at,
        d.figures.provisional ? 1 : 0,
        d.figures.green ? 1 : 0,
        d.figures.complete ? 1 : 0,
        d.figures.ms,
      );
  });
  for (const call of calls)
    insertCall.run(new Date(START + call.at).toISOString(), call.source, call.result, call.ms);
}

describe('indicator store', () => {
  it('counts and percentiles equal a naive reference, per Asia/Shanghai day and month', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(decisionArb, { maxLength: 40 }),
        fc.array(callArb, { maxLength: 40 }),
        async (decisions, calls) => {
          load(decisions, calls);
          const report = await indicatorReport(store, '2026-11-29', '2026-12-03');
          expect(report.days.map((d) => d.period)).toEqual([
            '2026-11-29',
            '2026-11-30',
            '2026-12-01',
            '2026-12-02',
            '2026-12-03',
          ]);
          for (const d of report.days) {
            const mine = decisions.filter((x) => day(START + x.at) === d.period);
            expect(d.decisions).toBe(mine.length);
            for (const o of OUTCOMES) expect(d.byOutcome[o]).toBe(mine.filter((x) => x.outcome === o).length);
            expect(d.checkedOnline).toBe(mine.filter((x) => x.figures?.complete).length);
            expect(d.provisional).toBe(mine.filter((x) => x.figures?.provisional).length);
            const ms = mine.flatMap((x) => (x.figures?.ms == null ? [] : [x.figures.ms]));
            expect(d.timeToDecisionMs).toEqual({ p50: nearestRank(ms, 50), p95: nearestRank(ms, 95) });
            for (const source of ['civil_affairs', 'hrss']) {
              const theirs = calls.filter((x) => x.source === source && day(START + x.at) === d.period);
              const figures = d.registries.find((r) => r.source === source);
              if (theirs.length === 0) {
                expect(figures).toBeUndefined();
                continue;
              }
              const answered = theirs.filter((x) => x.result === 'answered').length;
              expect(figures).toEqual({
                source,
                calls: theirs.length,
                answered,
                timeouts: theirs.filter((x) => x.result === 'timeout').length,
                faults: theirs.filter((x) => x.result === 'fault').length,
                availability: answered / theirs.length,
                latencyMs: {
                  p50: nearestRank(
                    theirs.map((x) => x.ms),
                    50,
                  ),
                  p95: nearestRank(
                    theirs.map((x) => x.ms),
                    95,
                  ),
                },
              });
            }
          }
          const inRange = decisions.filter(
            (x) => day(START + x.at) >= '2026-11-29' && day(START + x.at) <= '2026-12-03',
          );
          expect(report.months.map((m) => [m.period, m.decisions])).toEqual([
            ['2026-11', inRange.filter((x) => day(START + x.at) < '2026-12-01').length],
            ['2026-12', inRange.filter((x) => day(START + x.at) >= '2026-12-01').length],
          ]);
          // The CSV's decisions add up to the JSON's, day by day.
          const rows = indicatorsCsv(report)
            .trim()
            .split('\r\n')
            .slice(1)
            .map((l) => l.split(','));
          for (const d of report.days)
            expect(
              rows
                .filter((r) => r[0] === 'day' && r[1] === d.period && r[2] === 'decisions')
                .reduce((n, r) => n + Number(r[4]), 0),
            ).toBe(d.decisions);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a Shanghai day starts at 16:00 UTC the day before', () => {
    expect(shanghaiDayStart('2026-12-03')).toBe('2026-12-02T16:00:00.000Z');
  });
});

describe('report range', () => {
  it.each([
    ['2026-02-30', '2026-03-01', '/from'],
    ['2026-12-01', '2026-13-01', '/to'],
    ['2026-12-03', '2026-12-02', '/to'],
    ['2025-01-01', '2026-01-02', '/to'],
  ])('refuses %s..%s at %s', (from, to, path) => {
    try {
      reportRange(from, to);
      expect.unreachable('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(GatewayError);
      expect((e as GatewayError).code).toBe('ERR_VALIDATION');
      expect((e as GatewayError).errors?.map((x) => x.path)).toContain(path);
    }
  });
  it('accepts a leap day and exactly 366 days', () => {
    expect(reportRange('2028-02-29', '2028-02-29')).toEqual({ from: '2028-02-29', to: '2028-02-29' });
    expect(reportRange('2027-01-01', '2028-01-01').to).toBe('2028-01-01');
  });
});

describe('registry status', () => {
  it('is down on a failing ping or a failed latest call, else by recent availability', () => {
    expect(registryStatus({ calls: 0, answered: 0 }, undefined, 'failing')).toBe('down');
    expect(registryStatus({ calls: 0, answered: 0 }, undefined, 'ok')).toBe('idle');
    expect(registryStatus({ calls: 100, answered: 99 }, 'fault', 'ok')).toBe('down');
    expect(registryStatus({ calls: 10, answered: 7 }, 'answered', 'ok')).toBe('down');
    expect(registryStatus({ calls: 100, answered: 98 }, 'answered', 'ok')).toBe('degraded');
    expect(registryStatus({ calls: 100, answered: 100 }, 'answered', 'unknown')).toBe('up');
  });
});
