/**
 * The indicators over any SqlRunner (better-sqlite3 on Node, D1 on Workers): counts grouped by
 * Asia/Shanghai period in SQL, percentiles by nearest rank with window functions, so no row
 * leaves the database. Reads `decisions` (outcome and time only), `decision_figures`,
 * `supersessions` and `registry_calls`: never a sealed column, a subject hash or an id.
 */
import type {
  Granularity,
  IndicatorStore,
  LastCall,
  Percentiles,
  PeriodIndicators,
  RegistryFigures,
} from '../../core/indicators.ts';
import { emptyPeriod } from '../../core/indicators.ts';
import { type SqlRunner, statement } from './sql-runner.ts';

// Decisions are stored with UTC instants; Asia/Shanghai has no daylight saving time.
const FORMATS: Readonly<Record<Granularity, string>> = {
  day: '%Y-%m-%d',
  month: '%Y-%m',
  hour: '%Y-%m-%dT%H:00',
  whole: 'whole',
};

interface OutcomeRow {
  period: string;
  outcome: string;
  n: number;
  online: number;
  provisional: number;
  green: number;
  review: number;
  superseded: number;
}
interface RankRow {
  period: string;
  source: string;
  ms: number;
  rn: number;
  n: number;
}
interface CallRow {
  period: string;
  source: string;
  calls: number;
  answered: number;
  timeouts: number;
  faults: number;
}

/** Nearest-rank p50 and p95 of each (period, source) group, from the ranked rows. */
function percentiles(rows: readonly RankRow[]): Map<string, Percentiles> {
  const out = new Map<string, { p50: number | null; p95: number | null }>();
  for (const r of rows) {
    const key = `${r.period}\n${r.source}`;
    const p = out.get(key) ?? { p50: null, p95: null };
    if (r.rn === Math.ceil(r.n / 2)) p.p50 = r.ms;
    if (r.rn === Math.ceil((r.n * 95) / 100)) p.p95 = r.ms;
    out.set(key, p);
  }
  return out;
}

const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/** @example const indicators = createIndicatorStore(sqliteRunner(db)); */
export function createIndicatorStore(runner: SqlRunner): IndicatorStore {
  return {
    async lastCalls(from) {
      return runner.all<LastCall>(
        statement`SELECT source, result, at FROM registry_calls
          WHERE id IN (SELECT max(id) FROM registry_calls WHERE at >= ${from} GROUP BY source)
          ORDER BY source`,
      );
    },
    async peakPerSecond(from) {
      // A call's time is its decision's: calls of one fan-out start together.
      return runner.all<{ source: string; calls: number }>(
        statement`SELECT source, max(n) AS calls FROM (
            SELECT source, substr(at, 1, 19) AS second, count(*) AS n FROM registry_calls
            WHERE at >= ${from} GROUP BY source, second)
          GROUP BY source ORDER BY source`,
      );
    },
    async periods(granularity, from, to) {
      const f = FORMATS[granularity];
      const [outcomes, durations, calls, latencies] = await Promise.all([
        runner.all<OutcomeRow>(
          statement`SELECT strftime(${f}, d.decided_at, '+8 hours') AS period, d.outcome AS outcome,
              count(*) AS n,
              coalesce(sum(f.evidence_complete), 0) AS online,
              coalesce(sum(f.provisional), 0) AS provisional,
              coalesce(sum(f.green_channel), 0) AS green,
              coalesce(sum(f.review_required), 0) AS review,
              coalesce(sum(s.superseded_id IS NOT NULL), 0) AS superseded
            FROM decisions d
            LEFT JOIN decision_figures f ON f.decision_id = d.id
            LEFT JOIN supersessions s ON s.superseded_id = d.id
            WHERE d.decided_at >= ${from} AND d.decided_at < ${to}
            GROUP BY period, d.outcome`,
        ),
        runner.all<RankRow>(
          statement`SELECT period, '' AS source, ms, rn, n FROM (
              SELECT period, ms, row_number() OVER (PARTITION BY period ORDER BY ms) AS rn,
                count(*) OVER (PARTITION BY period) AS n
              FROM (SELECT strftime(${f}, decided_at, '+8 hours') AS period, duration_ms AS ms
                FROM decision_figures
                WHERE decided_at >= ${from} AND decided_at < ${to} AND duration_ms IS NOT NULL))
            WHERE rn = (n + 1) / 2 OR rn = (95 * n + 99) / 100`,
        ),
        runner.all<CallRow>(
          statement`SELECT strftime(${f}, at, '+8 hours') AS period, source, count(*) AS calls,
              sum(result = 'answered') AS answered, sum(result = 'timeout') AS timeouts,
              sum(result = 'fault') AS faults
            FROM registry_calls WHERE at >= ${from} AND at < ${to}
            GROUP BY period, source ORDER BY source`,
        ),
        runner.all<RankRow>(
          statement`SELECT period, source, ms, rn, n FROM (
              SELECT period, source, ms,
                row_number() OVER (PARTITION BY period, source ORDER BY ms) AS rn,
                count(*) OVER (PARTITION BY period, source) AS n
              FROM (SELECT strftime(${f}, at, '+8 hours') AS period, source, latency_ms AS ms
                FROM registry_calls WHERE at >= ${from} AND at < ${to}))
            WHERE rn = (n + 1) / 2 OR rn = (95 * n + 99) / 100`,
        ),
      ]);
      const timeToDecision = percentiles(durations);
      const latency = percentiles(latencies);
      const names = [...new Set([...outcomes, ...calls].map((r) => r.period))].sort();
      return names.map((period): PeriodIndicators => {
        const rows = outcomes.filter((r) => r.period === period);
        const sum = (pick: (r: OutcomeRow) => number) => rows.reduce((n, r) => n + pick(r), 0);
        const byOutcome = { ...emptyPeriod(period).byOutcome };
        for (const r of rows)
          if (r.outcome in byOutcome) byOutcome[r.outcome as keyof typeof byOutcome] = r.n;
        const decisions = sum((r) => r.n);
        const checkedOnline = sum((r) => r.online);
        const superseded = sum((r) => r.superseded);
        const registries = calls
          .filter((c) => c.period === period)
          .map(
            (c): RegistryFigures => ({
              source: c.source,
              calls: c.calls,
              answered: c.answered,
              timeouts: c.timeouts,
              faults: c.faults,
              availability: share(c.answered, c.calls),
              latencyMs: latency.get(`${period}\n${c.source}`) ?? { p50: null, p95: null },
            }),
          );
        return {
          period,
          decisions,
          byOutcome,
          checkedOnline,
          checkedOnlineShare: share(checkedOnline, decisions),
          provisional: sum((r) => r.provisional),
          greenChannel: sum((r) => r.green),
          reviewRequired: sum((r) => r.review),
          superseded,
          supersededShare: share(superseded, decisions),
          timeToDecisionMs: timeToDecision.get(`${period}\n`) ?? { p50: null, p95: null },
          registries,
        };
      });
    },
  };
}
