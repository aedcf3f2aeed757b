/**
 * Reports for the centre and its operators (issue 15), scope `console:read`:
 * `GET /v1/reports/indicators` (per Asia/Shanghai day and month, JSON or CSV) and
 * `GET /v1/reports/console` (what the console at /console shows: today, the registries now,
 * the queues, the ledger, the partner connectors). Counts, durations, codes and names of
 * systems only — never a person.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { SOURCES } from '../../../schemas/common.ts';
import {
  IndicatorQuery,
  IndicatorReport,
  PeriodIndicators,
  RegistryFigures,
} from '../../../schemas/indicators.ts';
import { Problem } from '../../../schemas/problem.ts';
import {
  emptyPeriod,
  indicatorReport,
  indicatorsCsv,
  registryStatus,
  shanghaiDayStart,
} from '../../core/indicators.ts';
import { shanghaiDate } from '../../core/request-dates.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { requireScope } from '../auth.ts';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});

/** How far back "the registries now" looks. */
export const RECENT_MINUTES = 15;

const RegistryNow = RegistryFigures.extend({
  status: z.enum(['up', 'degraded', 'down', 'idle']).meta({
    description:
      'down: its ping fails, its latest call failed, or under 80 % of recent calls answered; degraded: under 99 %; idle: no recent call',
  }),
  ping: z.enum(['ok', 'failing', 'unknown']),
  quota: z
    .object({
      ratePerSecond: z.number(),
      peakPerSecond: z.number().int().meta({ description: 'The most calls begun in one second, recently' }),
      use: z.number().meta({ description: 'peakPerSecond ÷ ratePerSecond' }),
    })
    .nullable()
    .meta({ description: 'Null when the registry has no configured quota' }),
  lastCall: z
    .object({ source: z.string(), result: z.enum(['answered', 'timeout', 'fault']), at: z.string() })
    .nullable()
    .meta({ description: 'Its latest call in the window' }),
}).meta({ id: 'RegistryNow' });

const ConsoleSnapshot = z
  .object({
    generatedAt: z.string(),
    today: PeriodIndicators,
    days: z.array(PeriodIndicators).meta({ description: 'The last 14 Asia/Shanghai days, today last' }),
    hours: z.array(PeriodIndicators).meta({ description: 'Today, hour by hour (registries over time)' }),
    registries: z.array(RegistryNow).meta({ description: `The last ${RECENT_MINUTES} minutes` }),
    queues: z.object({
      reverification: z
        .object({
          pending: z.number().int(),
          due: z.number().int(),
          oldestPendingSince: z.string().optional(),
          lastErrors: z.record(z.string(), z.number().int()),
        })
        .nullable(),
      review: z.object({ open: z.number().int(), oldestSince: z.string().optional() }).nullable(),
    }),
    ledger: z
      .object({
        size: z.number().int(),
        lastCheckpointAt: z.string().optional(),
        pendingAnchors: z.number().int(),
        oldestPendingSince: z.string().optional(),
        lastAnchor: z.object({ size: z.number().int(), anchoredAt: z.string() }).optional(),
        anchoring: z.string().meta({ description: 'ok | degraded | alarm | failing | disabled' }),
      })
      .nullable(),
    connectors: z
      .array(
        z.object({
          id: z.string(),
          agency: z.string(),
          kind: z.string(),
          status: z.string(),
          activeVersion: z.number().int().nullable(),
          versions: z.array(
            z.object({
              version: z.number().int(),
              label: z.string(),
              state: z.string(),
              conformance: z
                .object({ passed: z.boolean(), ranAt: z.string(), failures: z.number().int() })
                .nullable(),
            }),
          ),
        }),
      )
      .nullable(),
  })
  .meta({ id: 'ConsoleSnapshot' });

const indicators = createRoute({
  method: 'get',
  path: '/v1/reports/indicators',
  summary: 'Performance indicators per Asia/Shanghai day and month (JSON or CSV)',
  description:
    'Counts, shares and durations computed from the store, with no personal data. CSV: one figure per line, `granularity,period,indicator,key,value`.',
  security: [{ bearer: [] }],
  middleware: [requireScope('console:read')] as const,
  request: { query: IndicatorQuery },
  responses: {
    200: {
      description: 'The indicators',
      content: {
        'application/json': { schema: IndicatorReport },
        'text/csv': { schema: z.string() },
      },
    },
    400: problem('A malformed date or format, a reversed range, or one over 366 days'),
    401: problem('Missing or invalid token'),
    403: problem('Token lacks console:read'),
  },
});

const consoleSnapshot = createRoute({
  method: 'get',
  path: '/v1/reports/console',
  summary: 'What the operator console shows: today, the registries now, the queues, the ledger, connectors',
  security: [{ bearer: [] }],
  middleware: [requireScope('console:read')] as const,
  responses: {
    200: { description: 'The console figures', content: { 'application/json': { schema: ConsoleSnapshot } } },
    401: problem('Missing or invalid token'),
    403: problem('Token lacks console:read'),
  },
});

const DAY_MS = 86_400_000;

export function reportRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const store = deps.indicators;
  if (!store) return;
  app.openapi(indicators, async (c) => {
    const { from, to, format } = c.req.valid('query');
    const report = await indicatorReport(store, from, to);
    c.header('Cache-Control', 'no-store');
    if (format === 'csv') {
      c.header('Content-Disposition', `attachment; filename="indicators-${from}-${to}.csv"`);
      return c.body(indicatorsCsv(report), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
    }
    return c.json(report, 200);
  });

  app.openapi(consoleSnapshot, async (c) => {
    const now = new Date();
    const today = shanghaiDate(now);
    const from = new Date(Date.parse(today) - 13 * DAY_MS).toISOString().slice(0, 10);
    const todayStart = shanghaiDayStart(today);
    const recentFrom = new Date(now.getTime() - RECENT_MINUTES * 60_000).toISOString();
    const future = new Date(now.getTime() + 60_000).toISOString();
    const [report, hours, recent, last, peaks, readiness, reverification, review, ledger, connectors] =
      await Promise.all([
        indicatorReport(store, from, today),
        store.periods('hour', todayStart, future),
        store.periods('whole', recentFrom, future),
        store.lastCalls(recentFrom),
        store.peakPerSecond(recentFrom),
        deps.readiness().catch(() => undefined),
        deps.reverification?.status() ?? null,
        deps.operations?.reviewQueue() ?? null,
        deps.operations?.ledger() ?? null,
        deps.connectors?.list({ clientId: c.var.principal.clientId, admin: true }) ?? null,
      ]);
    const recentCalls = recent[0]?.registries ?? [];
    const sources = [...new Set([...SOURCES, ...recentCalls.map((r) => r.source)])];
    const checks: Readonly<Record<string, string>> = readiness?.checks ?? {};
    const registries = sources.map((source) => {
      const figures = recentCalls.find((r) => r.source === source) ?? {
        source,
        calls: 0,
        answered: 0,
        timeouts: 0,
        faults: 0,
        availability: null,
        latencyMs: { p50: null, p95: null },
      };
      const check = checks[source];
      const ping = check === 'ok' ? 'ok' : check === 'failing' ? 'failing' : 'unknown';
      const latest = last.find((l) => l.source === source);
      const rate = deps.registryQuotas?.[source];
      const peak = peaks.find((p) => p.source === source)?.calls ?? 0;
      return {
        ...figures,
        ping,
        quota: rate ? { ratePerSecond: rate, peakPerSecond: peak, use: peak / rate } : null,
        lastCall: latest ?? null,
        status: registryStatus(figures, latest?.result, ping),
      } as const;
    });
    c.header('Cache-Control', 'no-store');
    return c.json(
      {
        generatedAt: now.toISOString(),
        today: report.days[report.days.length - 1] ?? emptyPeriod(today),
        days: [...report.days],
        hours: hourNames(todayStart, now).map((h) => hours.find((p) => p.period === h) ?? emptyPeriod(h)),
        registries,
        queues: {
          reverification: reverification && {
            pending: reverification.pending,
            due: reverification.due,
            ...(reverification.oldestPendingSince
              ? { oldestPendingSince: reverification.oldestPendingSince }
              : {}),
            lastErrors: reverification.lastErrors,
          },
          review,
        },
        ledger: ledger && { ...ledger, anchoring: checks.ledger ?? 'disabled' },
        connectors:
          connectors?.map((k) => ({
            id: k.id,
            agency: k.agency,
            kind: k.kind,
            status: k.status,
            activeVersion: k.activeVersion,
            versions: k.versions.map((v) => ({
              version: v.version,
              label: v.label,
              state: v.state,
              conformance: v.conformance,
            })),
          })) ?? null,
      },
      200,
    );
  });
}

/** Today's Asia/Shanghai hours so far (`YYYY-MM-DDTHH:00`), so a chart spans the day. */
function hourNames(dayStart: string, now: Date): string[] {
  const names: string[] = [];
  for (let t = Date.parse(dayStart); t <= now.getTime(); t += 3_600_000)
    names.push(`${new Date(t + 8 * 3_600_000).toISOString().slice(0, 13)}:00`);
  return names;
}
