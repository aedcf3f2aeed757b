/**
 * The centre's performance indicators (issue 15): counts and durations computed from the
 * store, per Asia/Shanghai day and month, with no personal data. The definitions are the
 * README's ("Console and indicators"); this module holds the shapes, the port that computes
 * them, the range check and the CSV rendering, so every runtime says the same thing.
 */
import { GatewayError } from './errors.ts';

/** A registry's figures over a period. `availability` and latencies are null without calls. */
export interface RegistryFigures {
  /** A built-in source or a partner registry kind. */
  readonly source: string;
  readonly calls: number;
  readonly answered: number;
  readonly timeouts: number;
  readonly faults: number;
  /** answered ÷ calls. */
  readonly availability: number | null;
  readonly latencyMs: Percentiles;
}

/** Nearest-rank percentiles, in milliseconds; null when nothing was measured. */
export interface Percentiles {
  readonly p50: number | null;
  readonly p95: number | null;
}

/** The indicators of one period: a day (`YYYY-MM-DD`), a month (`YYYY-MM`) or an hour. */
export interface PeriodIndicators {
  readonly period: string;
  readonly decisions: number;
  readonly byOutcome: {
    readonly eligible: number;
    readonly ineligible: number;
    readonly needs_review: number;
  };
  /** Decisions whose evidence came complete from the registries: no paper proof asked for. */
  readonly checkedOnline: number;
  /** checkedOnline ÷ decisions. */
  readonly checkedOnlineShare: number | null;
  readonly provisional: number;
  readonly greenChannel: number;
  readonly reviewRequired: number;
  /** Decisions of the period that a later decision replaced (review or re-verification). */
  readonly superseded: number;
  readonly supersededShare: number | null;
  /** Request arrival to signed decision, first decisions only. */
  readonly timeToDecisionMs: Percentiles;
  readonly registries: RegistryFigures[];
}

export interface IndicatorReport {
  readonly from: string;
  readonly to: string;
  readonly timeZone: 'Asia/Shanghai';
  readonly days: PeriodIndicators[];
  readonly months: PeriodIndicators[];
}

/**
 * Computes indicators from the store.
 * - `periods` MUST count every decision whose `decidedAt` falls in [fromInstant, toInstant),
 *   including decisions written before figures were recorded (by outcome only), and MUST NOT
 *   read or return personal data.
 * - `granularity` names the Asia/Shanghai period: `day`, `month`, `hour`, or `whole` (one
 *   period named `whole` for the range).
 * - Periods without decisions or calls MAY be absent; callers fill them.
 * @example const periods = await store.periods('day', '2026-12-02T16:00:00.000Z', '2026-12-03T16:00:00.000Z');
 */
export interface IndicatorStore {
  periods(granularity: Granularity, fromInstant: string, toInstant: string): Promise<PeriodIndicators[]>;
  /** Each source's most recent call since `fromInstant`: how it ended, and when. */
  lastCalls(fromInstant: string): Promise<LastCall[]>;
  /** Each source's busiest second since `fromInstant`: the most calls that began in one second. */
  peakPerSecond(fromInstant: string): Promise<{ source: string; calls: number }[]>;
}

/** A registry's latest call. */
export interface LastCall {
  readonly source: string;
  readonly result: 'answered' | 'timeout' | 'fault';
  readonly at: string;
}

export type Granularity = 'day' | 'month' | 'hour' | 'whole';

/** The longest range a report covers: a year and a day. */
export const MAX_REPORT_DAYS = 366;
const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET = '+08:00';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The instant an Asia/Shanghai date begins (ISO, UTC). */
export function shanghaiDayStart(date: string): string {
  return new Date(`${date}T00:00:00${SHANGHAI_OFFSET}`).toISOString();
}

function validDate(value: string | undefined): value is string {
  if (value === undefined || !DATE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/**
 * Checks a report range (inclusive Asia/Shanghai dates): 400 `ERR_VALIDATION` naming the
 * parameter for a malformed date, a reversed range or one longer than {@link MAX_REPORT_DAYS}.
 * @example const { from, to } = reportRange('2026-12-01', '2026-12-03');
 */
export function reportRange(from: string | undefined, to: string | undefined): { from: string; to: string } {
  const errors: { path: string; message: string }[] = [];
  if (!validDate(from)) errors.push({ path: '/from', message: 'must be a date YYYY-MM-DD' });
  if (!validDate(to)) errors.push({ path: '/to', message: 'must be a date YYYY-MM-DD' });
  if (validDate(from) && validDate(to)) {
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1) errors.push({ path: '/to', message: 'must not be before from' });
    else if (days > MAX_REPORT_DAYS)
      errors.push({ path: '/to', message: `at most ${MAX_REPORT_DAYS} days after from` });
  }
  if (errors.length > 0 || from === undefined || to === undefined)
    throw new GatewayError('ERR_VALIDATION', 'bad report range', { errors });
  return { from, to };
}

/** The Asia/Shanghai dates from `from` to `to`, inclusive. */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY_MS)
    dates.push(new Date(t).toISOString().slice(0, 10));
  return dates;
}

/** A period with no decision and no registry call. */
export function emptyPeriod(period: string): PeriodIndicators {
  return {
    period,
    decisions: 0,
    byOutcome: { eligible: 0, ineligible: 0, needs_review: 0 },
    checkedOnline: 0,
    checkedOnlineShare: null,
    provisional: 0,
    greenChannel: 0,
    reviewRequired: 0,
    superseded: 0,
    supersededShare: null,
    timeToDecisionMs: { p50: null, p95: null },
    registries: [],
  };
}

/**
 * The report over a range of Asia/Shanghai dates: every day (empty ones included) and every
 * month the range touches, each month counted over the range's days only.
 * @example const report = await indicatorReport(store, '2026-12-01', '2026-12-03');
 */
export async function indicatorReport(
  store: IndicatorStore,
  from: string,
  to: string,
): Promise<IndicatorReport> {
  const range = reportRange(from, to);
  const start = shanghaiDayStart(range.from);
  const end = new Date(Date.parse(shanghaiDayStart(range.to)) + DAY_MS).toISOString();
  const [days, months] = await Promise.all([
    store.periods('day', start, end),
    store.periods('month', start, end),
  ]);
  const dates = datesBetween(range.from, range.to);
  const monthNames = [...new Set(dates.map((d) => d.slice(0, 7)))];
  const fill = (names: readonly string[], found: readonly PeriodIndicators[]) =>
    names.map((name) => found.find((p) => p.period === name) ?? emptyPeriod(name));
  return {
    from: range.from,
    to: range.to,
    timeZone: 'Asia/Shanghai',
    days: fill(dates, days),
    months: fill(monthNames, months),
  };
}

const CSV_HEADER = 'granularity,period,indicator,key,value';

/**
 * The report as CSV, one figure per line (`granularity,period,indicator,key,value`): decisions
 * by outcome sum to the period's decisions; registry figures are keyed by source.
 * @example const csv = indicatorsCsv(report);
 */
export function indicatorsCsv(report: IndicatorReport): string {
  const lines = [CSV_HEADER];
  const put = (granularity: string, p: PeriodIndicators) => {
    const row = (indicator: string, key: string, value: number | null) =>
      lines.push(`${granularity},${p.period},${indicator},${key},${value ?? ''}`);
    for (const [outcome, n] of Object.entries(p.byOutcome)) row('decisions', outcome, n);
    row('checked_online', '', p.checkedOnline);
    row('checked_online_share', '', p.checkedOnlineShare);
    row('provisional', '', p.provisional);
    row('green_channel', '', p.greenChannel);
    row('review_required', '', p.reviewRequired);
    row('superseded', '', p.superseded);
    row('superseded_share', '', p.supersededShare);
    row('time_to_decision_p50_ms', '', p.timeToDecisionMs.p50);
    row('time_to_decision_p95_ms', '', p.timeToDecisionMs.p95);
    for (const r of p.registries) {
      row('registry_calls', r.source, r.calls);
      row('registry_answered', r.source, r.answered);
      row('registry_timeouts', r.source, r.timeouts);
      row('registry_faults', r.source, r.faults);
      row('registry_availability', r.source, r.availability);
      row('registry_latency_p50_ms', r.source, r.latencyMs.p50);
      row('registry_latency_p95_ms', r.source, r.latencyMs.p95);
    }
  };
  for (const d of report.days) put('day', d);
  for (const m of report.months) put('month', m);
  return `${lines.join('\r\n')}\r\n`;
}

/** What the console shows for a registry now. */
export type RegistryStatus = 'up' | 'degraded' | 'down' | 'idle';

/**
 * A registry's status from its recent calls and its ping: `down` when the ping fails, its
 * latest call failed, or fewer than 80 % of recent calls were answered; `degraded` under 99 %;
 * `idle` with no recent call.
 * @example registryStatus({ calls: 10, answered: 7 }, 'answered', 'ok') // 'down'
 */
export function registryStatus(
  recent: Pick<RegistryFigures, 'calls' | 'answered'>,
  last: LastCall['result'] | undefined,
  ping: 'ok' | 'failing' | 'unknown',
): RegistryStatus {
  if (ping === 'failing' || (last !== undefined && last !== 'answered')) return 'down';
  if (recent.calls === 0) return 'idle';
  const availability = recent.answered / recent.calls;
  if (availability < 0.8) return 'down';
  return availability < 0.99 ? 'degraded' : 'up';
}
