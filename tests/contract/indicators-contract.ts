/**
 * Contract: `GET /v1/reports/indicators` and `GET /console` (issue 15). The indicators need
 * `console:read`; bad ranges are 400 problems in the caller's language; JSON and CSV give the
 * same figures and count today's decision; nothing personal is in either. The console page
 * and its chart library are served by the gateway itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type ContractClient, contractClient, expectDecision, expectProblem } from './contract-client.ts';
import type { ContractTarget, TargetSource } from './contract-target.ts';
import { findPersonalData } from './personal-data.ts';

interface Day {
  readonly period: string;
  readonly decisions: number;
  readonly byOutcome: Readonly<Record<string, number>>;
  readonly checkedOnline: number;
  readonly registries: readonly { readonly source: string; readonly calls: number }[];
}

/** Today in Asia/Shanghai, as the indicators count days. */
function shanghaiToday(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** @example describeIndicatorsContract(() => target); */
export function describeIndicatorsContract(source: TargetSource): void {
  describe('contract: performance indicators and the console', () => {
    let target: ContractTarget;
    let client: ContractClient;
    let reader: string;
    const today = shanghaiToday();
    const range = `from=${today}&to=${today}`;

    beforeAll(async () => {
      target = source();
      client = contractClient(target);
      reader = await target.mintToken(['console:read'], 'contract-centre');
      const writer = await target.mintToken(['verifications:write'], 'contract-indicators');
      const request = target.requests[0];
      if (!request) throw new Error('the target needs at least one request');
      expectDecision(await client.post(request, { token: writer }), 201);
    });

    it('is 401 without a token and 403 without console:read', async () => {
      expectProblem(
        target,
        await client.get(`/v1/reports/indicators?${range}`, { token: null }),
        401,
        'ERR_UNAUTHENTICATED',
      );
      const other = await target.mintToken(['verifications:read', 'audit:read'], 'contract-centre');
      expectProblem(
        target,
        await client.get(`/v1/reports/indicators?${range}`, { token: other }),
        403,
        'ERR_FORBIDDEN',
      );
    });

    it('refuses a malformed date, a reversed range and an unknown format with 400, in zh-CN too', async () => {
      for (const [query, path] of [
        ['from=2026-02-30&to=2026-03-01', '/from'],
        ['from=2026-12-03&to=2026-12-01', '/to'],
        [`${range}&format=xml`, '/format'],
      ] as const) {
        for (const language of ['en', 'zh-CN'] as const) {
          const response = await client.get(`/v1/reports/indicators?${query}`, { token: reader, language });
          const problem = expectProblem(target, response, 400, 'ERR_VALIDATION', language);
          expect(problem.errors?.map((e) => e.path)).toContain(path);
        }
      }
    });

    it('counts today’s decisions, the same in JSON and CSV, with nothing personal', async () => {
      const json = await client.get(`/v1/reports/indicators?${range}`, { token: reader });
      const csv = await client.get(`/v1/reports/indicators?${range}&format=csv`, { token: reader });
      expect(json.status).toBe(200);
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv\b/);
      expect(findPersonalData(json.text + csv.text, target.people)).toEqual([]);
      const [day] = (JSON.parse(json.text) as { days: Day[] }).days;
      expect(day?.period).toBe(today);
      expect(day?.decisions).toBeGreaterThanOrEqual(1);
      expect(day?.registries.reduce((n, r) => n + r.calls, 0)).toBeGreaterThanOrEqual(1);
      const rows = csv.text
        .trim()
        .split('\r\n')
        .slice(1)
        .map((l) => l.split(','));
      const decisions = rows.filter((r) => r[0] === 'day' && r[2] === 'decisions');
      expect(decisions.reduce((n, r) => n + Number(r[4]), 0)).toBe(day?.decisions);
      for (const [outcome, n] of Object.entries(day?.byOutcome ?? {}))
        expect(decisions.find((r) => r[3] === outcome)?.[4]).toBe(String(n));
    });

    it('serves the console page and its chart library itself', async () => {
      const page = await client.get('/console', { token: null });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html\b/);
      expect(page.text).toContain('src="/console/uplot.js"');
      expect(page.text).not.toMatch(/(?:src|href)="https?:/);
      const script = await client.get('/console/uplot.js', { token: null });
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/javascript/);
    });
  });
}
