/**
 * The performance indicators as Prometheus metrics on Node (issue 15): today's and this
 * month's figures (Asia/Shanghai), the same numbers `/v1/reports/indicators` answers, read
 * from the store at scrape time. Labels are periods, outcomes, sources, results and
 * quantiles — never a person. Names and definitions: README, "Console and indicators".
 */

import type { IndicatorStore } from '../../core/indicators.ts';
import { indicatorReport, type PeriodIndicators } from '../../core/indicators.ts';
import { shanghaiDate } from '../../core/request-dates.ts';
import type { GatewayMetrics } from './prometheus-metrics.ts';

type Sample<L extends string> = { labels: Readonly<Record<L, string>>; value: number };

/** The metric names, for the README and the tests. */
export const INDICATOR_METRICS = [
  'egw_indicator_decisions',
  'egw_indicator_checked_online_share',
  'egw_indicator_provisional',
  'egw_indicator_green_channel',
  'egw_indicator_review_required',
  'egw_indicator_superseded_share',
  'egw_indicator_time_to_decision_ms',
  'egw_indicator_registry_calls',
  'egw_indicator_registry_availability',
  'egw_indicator_registry_latency_ms',
] as const;

/**
 * Registers the indicator gauges; one report per scrape serves all of them.
 * @example registerIndicatorMetrics(metrics, createIndicatorStore(sqliteRunner(db)));
 */
export function registerIndicatorMetrics(
  metrics: GatewayMetrics,
  store: IndicatorStore,
  now: () => Date = () => new Date(),
): void {
  let cached:
    | { at: number; periods: Promise<{ period: 'day' | 'month'; p: PeriodIndicators }[]> }
    | undefined;
  const periods = () => {
    const t = now();
    if (cached === undefined || t.getTime() - cached.at > 1000) {
      const today = shanghaiDate(t);
      const periods = indicatorReport(store, `${today.slice(0, 8)}01`, today).then((r) => {
        const day = r.days[r.days.length - 1];
        const month = r.months[r.months.length - 1];
        return [
          ...(day ? [{ period: 'day' as const, p: day }] : []),
          ...(month ? [{ period: 'month' as const, p: month }] : []),
        ];
      });
      cached = { at: t.getTime(), periods };
      periods.catch(() => {
        cached = undefined;
      });
    }
    return cached.periods;
  };
  const each =
    <L extends string>(pick: (period: 'day' | 'month', p: PeriodIndicators) => Sample<L>[]) =>
    async () =>
      (await periods()).flatMap(({ period, p }) => pick(period, p));
  const one = (value: (p: PeriodIndicators) => number | null) =>
    each<'period'>((period, p) => {
      const v = value(p);
      return v === null ? [] : [{ labels: { period }, value: v }];
    });
  const quantiles = (p50: number | null, p95: number | null) =>
    [
      ['0.5', p50],
      ['0.95', p95],
    ].filter((q): q is [string, number] => q[1] !== null);

  metrics.labelledGauge(
    'egw_indicator_decisions',
    'Decisions of the Asia/Shanghai day or month, by outcome',
    ['period', 'outcome'],
    each((period, p) =>
      Object.entries(p.byOutcome).map(([outcome, value]) => ({ labels: { period, outcome }, value })),
    ),
  );
  metrics.labelledGauge(
    'egw_indicator_checked_online_share',
    'Share of decisions whose evidence came complete from the registries (no paper proof)',
    ['period'],
    one((p) => p.checkedOnlineShare),
  );
  metrics.labelledGauge(
    'egw_indicator_provisional',
    'Provisional decisions',
    ['period'],
    one((p) => p.provisional),
  );
  metrics.labelledGauge(
    'egw_indicator_green_channel',
    'Green-channel decisions',
    ['period'],
    one((p) => p.greenChannel),
  );
  metrics.labelledGauge(
    'egw_indicator_review_required',
    'Decisions flagged for a person',
    ['period'],
    one((p) => p.reviewRequired),
  );
  metrics.labelledGauge(
    'egw_indicator_superseded_share',
    'Share of the period’s decisions later superseded',
    ['period'],
    one((p) => p.supersededShare),
  );
  metrics.labelledGauge(
    'egw_indicator_time_to_decision_ms',
    'Request arrival to signed decision, nearest-rank quantiles, ms',
    ['period', 'quantile'],
    each((period, p) =>
      quantiles(p.timeToDecisionMs.p50, p.timeToDecisionMs.p95).map(([quantile, value]) => ({
        labels: { period, quantile },
        value,
      })),
    ),
  );
  metrics.labelledGauge(
    'egw_indicator_registry_calls',
    'Registry calls by source and result (answered, timeout, fault)',
    ['period', 'source', 'result'],
    each((period, p) =>
      p.registries.flatMap((r) =>
        (
          [
            ['answered', r.answered],
            ['timeout', r.timeouts],
            ['fault', r.faults],
          ] as const
        ).map(([result, value]) => ({ labels: { period, source: r.source, result }, value })),
      ),
    ),
  );
  metrics.labelledGauge(
    'egw_indicator_registry_availability',
    'Share of registry calls answered, by source',
    ['period', 'source'],
    each((period, p) =>
      p.registries.flatMap((r) =>
        r.availability === null ? [] : [{ labels: { period, source: r.source }, value: r.availability }],
      ),
    ),
  );
  metrics.labelledGauge(
    'egw_indicator_registry_latency_ms',
    'Registry call latency by source, nearest-rank quantiles, ms',
    ['period', 'source', 'quantile'],
    each((period, p) =>
      p.registries.flatMap((r) =>
        quantiles(r.latencyMs.p50, r.latencyMs.p95).map(([quantile, value]) => ({
          labels: { period, source: r.source, quantile },
          value,
        })),
      ),
    ),
  );
}
