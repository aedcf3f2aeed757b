/**
 * GET /v1/reports/indicators (issue 15) on a gateway with real sandboxes after a scripted
 * load: scope and range checks as RFC 9457 problems, JSON and CSV agreeing, the day's CSV
 * adding up to the decisions in the log for that day, the Prometheus figures equal to the
 * JSON, and no personal data anywhere in the answers.
 */

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import { shanghaiDate } from '../../../src/core/request-dates.ts';
import { findPersonalData } from '../../contract/personal-data.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const fixtures = generatePopulation({ seed: 'indicators', size: 24 });
let gw: InProcessGateway;
let reader: string;
let decided = 0;
const decisions: { provisional: boolean; greenChannel: boolean; basis: { rule: string }[] }[] = [];
async function decide(i: number): Promise<void> {
  const res = await gw.verify(requestFor(fixtures, i));
  expect(res.status).toBe(201);
  decisions.push((await res.json()) as (typeof decisions)[number]);
}
const today = shanghaiDate(new Date());

beforeAll(async () => {
  gw = await startInProcess({ fixtures, deadlineMs: 400, registryQuotas: { hrss: 50 } });
  reader = await gw.token('console:read', 'centre-dashboard');
  for (let i = 0; i < 6; i++) await decide(i);
  // HRSS failing: decisions without its answer (provisional or held for missing evidence).
  gw.sandboxes.setFaults([{ source: 'hrss', mode: 'error' }]);
  for (let i = 6; i < 9; i++) await decide(i);
  gw.sandboxes.setFaults([]);
  decided = 9;
});
afterAll(async () => {
  await gw?.close();
});

const indicators = (query: string, token = reader) => gw.get(`/v1/reports/indicators?${query}`, token);

describe('GET /v1/reports/indicators', () => {
  it('is 401 without a token and 403 without console:read', async () => {
    const none = await indicators(`from=${today}&to=${today}`, '');
    expect(none.status).toBe(401);
    const res = await indicators(
      `from=${today}&to=${today}`,
      await gw.token('verifications:read audit:read'),
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('ERR_FORBIDDEN');
  });

  it.each([
    ['from=2026-02-30&to=2026-03-01', '/from'],
    ['from=2026-12-01&to=yesterday', '/to'],
    ['from=2026-12-03&to=2026-12-01', '/to'],
    ['from=2024-01-01&to=2026-01-01', '/to'],
    ['to=2026-12-01', '/from'],
    [`from=${today}&to=${today}&format=xml`, '/format'],
  ])('is 400 ERR_VALIDATION for %s', async (query, path) => {
    const res = await indicators(query);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as { code: string; errors: { path: string }[] };
    expect(body.code).toBe('ERR_VALIDATION');
    expect(body.errors.map((e) => e.path)).toContain(path);
  });

  it('answers today with the scripted load, and no personal data', async () => {
    const res = await indicators(`from=${today}&to=${today}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const text = await res.text();
    expect(findPersonalData(text, fixtures.persons)).toEqual([]);
    const report = JSON.parse(text) as {
      days: {
        period: string;
        decisions: number;
        byOutcome: Record<string, number>;
        checkedOnline: number;
        provisional: number;
        greenChannel: number;
        timeToDecisionMs: { p50: number | null; p95: number | null };
        registries: { source: string; calls: number; faults: number; availability: number }[];
      }[];
      months: { period: string; decisions: number }[];
    };
    const [day] = report.days;
    expect(day?.period).toBe(today);
    expect(day?.decisions).toBe(decided);
    expect(Object.values(day?.byOutcome ?? {}).reduce((a, b) => a + b, 0)).toBe(decided);
    expect(day?.timeToDecisionMs.p50).toBeGreaterThanOrEqual(0);
    expect(day?.timeToDecisionMs.p95).toBeGreaterThanOrEqual(day?.timeToDecisionMs.p50 ?? 0);
    const hrss = day?.registries.find((r) => r.source === 'hrss');
    expect(hrss?.faults).toBeGreaterThan(0);
    expect(hrss?.availability).toBeLessThan(1);
    // Decided online: neither provisional nor held for missing evidence, as the decisions say.
    const online = decisions.filter(
      (d) => !d.provisional && !d.basis.some((b) => b.rule === 'missing_evidence'),
    );
    expect(day?.checkedOnline).toBe(online.length);
    expect(day?.provisional).toBe(decisions.filter((d) => d.provisional).length);
    expect(day?.greenChannel).toBe(decisions.filter((d) => d.greenChannel).length);
    expect(report.months).toEqual([
      expect.objectContaining({ period: today.slice(0, 7), decisions: decided }),
    ]);
  });

  it('CSV says what JSON says, and the day adds up to the decisions in the log for that day', async () => {
    const from = new Date(Date.parse(today) - 2 * 86_400_000).toISOString().slice(0, 10);
    const [json, csv] = await Promise.all([
      indicators(`from=${from}&to=${today}`).then((r) => r.json()),
      indicators(`from=${from}&to=${today}&format=csv`),
    ]);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('granularity,period,indicator,key,value');
    const rows = lines.slice(1).map((l) => l.split(','));
    const value = (g: string, period: string, indicator: string, key = '') =>
      rows.find((r) => r[0] === g && r[1] === period && r[2] === indicator && r[3] === key)?.[4];
    const report = json as {
      days: { period: string; byOutcome: Record<string, number>; checkedOnline: number }[];
    };
    expect(report.days.map((d) => d.period)).toHaveLength(3);
    for (const d of report.days) {
      for (const [outcome, n] of Object.entries(d.byOutcome))
        expect(value('day', d.period, 'decisions', outcome)).toBe(String(n));
      expect(value('day', d.period, 'checked_online')).toBe(String(d.checkedOnline));
    }
    const csvToday = rows
      .filter((r) => r[0] === 'day' && r[1] === today && r[2] === 'decisions')
      .reduce((n, r) => n + Number(r[4]), 0);
    // The decisions in the log: decision leaves' rows, counted in Asia/Shanghai days.
    const db = new Database(join(gw.dataDir, 'gateway.sqlite'), { readonly: true });
    const inLog = db
      .prepare<[string], { n: number }>(
        `SELECT count(*) AS n FROM decisions d JOIN log_leaves l ON l.idx = d.leaf_index
         WHERE strftime('%Y-%m-%d', d.decided_at, '+8 hours') = ?`,
      )
      .get(today)?.n;
    db.close();
    expect(inLog).toBe(decided);
    expect(csvToday).toBe(inLog);
  });

  it('gives the same figures as Prometheus metrics', async () => {
    const report = (await (await indicators(`from=${today}&to=${today}`)).json()) as {
      days: { byOutcome: Record<string, number>; checkedOnlineShare: number }[];
    };
    const metrics = await (await gw.get('/metrics')).text();
    const sample = (name: string, labels: string) =>
      Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    for (const [outcome, n] of Object.entries(report.days[0]?.byOutcome ?? {}))
      expect(sample('egw_indicator_decisions', `period="day",outcome="${outcome}"`)).toBe(n);
    expect(sample('egw_indicator_checked_online_share', 'period="day"')).toBeCloseTo(
      report.days[0]?.checkedOnlineShare ?? -1,
    );
    expect(metrics).toMatch(/^egw_indicator_registry_availability\{period="month",source="hrss"\} /m);
    expect(findPersonalData(metrics, fixtures.persons)).toEqual([]);
  });

  it('GET /v1/reports/console: registries now with quota use, the queues and the ledger, for console:read only', async () => {
    expect((await gw.get('/v1/reports/console', await gw.token('audit:read'))).status).toBe(403);
    const res = await gw.get('/v1/reports/console', reader);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(findPersonalData(text, fixtures.persons)).toEqual([]);
    const snapshot = JSON.parse(text) as {
      today: { decisions: number };
      registries: {
        source: string;
        status: string;
        quota: { ratePerSecond: number; peakPerSecond: number; use: number } | null;
      }[];
      queues: { reverification: { pending: number } | null; review: { open: number } | null };
      ledger: { size: number; anchoring: string } | null;
    };
    expect(snapshot.today.decisions).toBe(decided);
    expect(snapshot.registries.map((r) => r.source)).toEqual(['civil_affairs', 'hrss', 'disability']);
    const hrss = snapshot.registries.find((r) => r.source === 'hrss');
    expect(hrss?.quota?.ratePerSecond).toBe(50);
    expect(hrss?.quota?.peakPerSecond).toBeGreaterThanOrEqual(1);
    expect(hrss?.quota?.use).toBeCloseTo((hrss?.quota?.peakPerSecond ?? 0) / 50);
    expect(snapshot.registries.find((r) => r.source === 'civil_affairs')?.quota).toBeNull();
    // HRSS's latest calls failed (the faults were cleared after them): red until it answers again.
    expect(hrss?.status).toBe('down');
    expect(snapshot.queues.reverification?.pending).toBeGreaterThanOrEqual(0);
    expect(snapshot.queues.review?.open).toBeGreaterThanOrEqual(0);
    expect(snapshot.ledger?.size).toBeGreaterThan(decided);
    expect(snapshot.ledger?.anchoring).toBe('disabled');
  });
});
