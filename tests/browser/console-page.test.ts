/**
 * The operator's console (GET /console, issue 15) in a real browser (Debian's Chromium driven
 * by playwright-core), on a gateway with real sandboxes after a scripted load: every page shows
 * real figures, equal to /v1/reports/indicators; axe-core finds no accessibility violation in
 * either language; no fixture person's identity number or name is ever on the page; a faulted
 * registry and a killed one turn red within one refresh. Screenshots of every page are written
 * to tmp/browser-artefacts/console/ (git-ignored; EGW_ARTEFACTS overrides the folder).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../connectors/index.ts';
import { shanghaiDate } from '../../src/core/request-dates.ts';
import { findPersonalData } from '../contract/personal-data.ts';
import { type InProcessGateway, ROOT, startInProcess } from '../support/gateway-harness.ts';
import { requestFor } from '../support/requests.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTEFACTS = process.env.EGW_ARTEFACTS ?? join(ROOT, 'tmp', 'browser-artefacts', 'console');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TABS = ['today', 'registries', 'queues', 'ledger', 'connectors'] as const;
const fixtures = generatePopulation({ seed: 'console', size: 30 });
const today = shanghaiDate(new Date());
let gw: InProcessGateway;
let browser: Browser;
let token: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  mkdirSync(ARTEFACTS, { recursive: true });
  gw = await startInProcess({ fixtures, deadlineMs: 400 });
  token = await gw.token('console:read', 'centre-console');
  // The scripted load: answered decisions, then some while HRSS fails (provisional, queued).
  for (let i = 0; i < 8; i++) expect((await gw.verify(requestFor(fixtures, i))).status).toBe(201);
  gw.sandboxes.setFaults([{ source: 'hrss', mode: 'error' }]);
  for (let i = 8; i < 12; i++) expect((await gw.verify(requestFor(fixtures, i))).status).toBe(201);
  gw.sandboxes.setFaults([]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

async function signedIn(locale: 'en' | 'zh-CN'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1100, height: 900 } });
  // Only the gateway on loopback: the page must need nothing else.
  await context.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${gw.url}/console`);
  await page
    .getByLabel(locale === 'en' ? 'Bearer token (scope console:read)' : '访问令牌（权限 console:read）')
    .fill(token);
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-loaded]');
  expect(errors).toEqual([]);
  return page;
}

async function refreshed(page: Page): Promise<void> {
  const before = await page.getAttribute('body', 'data-loaded');
  await page.click('#refresh');
  // A string: the test project has no DOM types.
  await page.waitForFunction(`document.body.dataset.loaded !== ${JSON.stringify(before)}`);
}

async function axeViolations(page: Page): Promise<unknown[]> {
  if (!(await page.evaluate("'axe' in window"))) await page.addScriptTag({ content: AXE });
  return page.evaluate<unknown[]>('axe.run().then((r) => JSON.parse(JSON.stringify(r.violations)))');
}

describe('GET /console', () => {
  it('is served with its chart library by the gateway itself', async () => {
    const html = await (await gw.get('/console')).text();
    expect(html).toContain('src="/console/uplot.js"');
    expect(html).not.toMatch(/https?:\/\//);
    const js = await gw.get('/console/uplot.js');
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(await js.text()).toContain('uPlot');
  });

  for (const locale of ['en', 'zh-CN'] as const) {
    it(`renders every page with real data, without accessibility violations (${locale})`, async () => {
      const page = await signedIn(locale);
      expect(await page.getAttribute('html', 'lang')).toBe(locale);
      for (const tab of TABS) {
        await page.click(`nav button[data-tab=${tab}]`);
        await expect.poll(() => page.isVisible(`section#${tab}`)).toBe(true);
        await page.screenshot({ path: join(ARTEFACTS, `${locale}-${tab}.png`), fullPage: true });
        expect(await axeViolations(page), `${locale} ${tab}`).toEqual([]);
      }
      // Real figures: today's count, a chart drawn by uPlot, the registries' rows.
      await page.click('nav button[data-tab=today]');
      expect(Number(await page.getAttribute('[data-figure=decisions]', 'data-value'))).toBe(12);
      expect(await page.locator('#c-days canvas').count()).toBeGreaterThan(0);
      expect(await page.locator('#t-days caption').count()).toBe(1);
      await page.click('nav button[data-tab=registries]');
      expect(await page.locator('#t-registries tbody tr').count()).toBe(3);
      await page.click('nav button[data-tab=queues]');
      expect(Number(await page.textContent('[data-figure=reverification-pending]'))).toBeGreaterThan(0);
      await page.click('nav button[data-tab=ledger]');
      expect(Number(await page.textContent('[data-figure=log-size]'))).toBeGreaterThan(12);
      await page.context().close();
    });
  }

  it('shows the numbers the indicators endpoint gives', async () => {
    const page = await signedIn('en');
    const report = (await (
      await gw.get(`/v1/reports/indicators?from=${today}&to=${today}`, token)
    ).json()) as { days: Record<string, unknown>[] };
    const day = report.days[0] as {
      decisions: number;
      byOutcome: Record<string, number>;
      checkedOnline: number;
      checkedOnlineShare: number | null;
      provisional: number;
      greenChannel: number;
      superseded: number;
      timeToDecisionMs: { p50: number | null; p95: number | null };
    };
    const shown = Object.fromEntries(
      await page.$$eval('[data-figure]', (els) =>
        els.map((e) => [e.getAttribute('data-figure'), e.getAttribute('data-value')]),
      ),
    );
    const str = (v: number | null) => (v === null ? '' : String(v));
    expect(shown).toMatchObject({
      decisions: str(day.decisions),
      eligible: str(day.byOutcome.eligible ?? 0),
      ineligible: str(day.byOutcome.ineligible ?? 0),
      needs_review: str(day.byOutcome.needs_review ?? 0),
      checkedOnline: str(day.checkedOnline),
      checkedOnlineShare: str(day.checkedOnlineShare),
      provisional: str(day.provisional),
      greenChannel: str(day.greenChannel),
      superseded: str(day.superseded),
      p50: str(day.timeToDecisionMs.p50),
      p95: str(day.timeToDecisionMs.p95),
    });
    expect(day.decisions).toBe(12);
    await page.context().close();
  });

  it('never shows an identity number or a name', async () => {
    const page = await signedIn('zh-CN');
    let text = await page.content();
    for (const tab of TABS) {
      await page.click(`nav button[data-tab=${tab}]`);
      text += await page.textContent('body');
    }
    expect(findPersonalData(text, fixtures.persons)).toEqual([]);
    await page.context().close();
  });

  it('turns a faulted registry red, then a killed one, each within one refresh', async () => {
    const page = await signedIn('en');
    await page.click('nav button[data-tab=registries]');
    const status = (source: string) =>
      page.getAttribute(`#t-registries tr:has(th[data-source=${source}]) [data-status]`, 'data-status');
    expect(await status('civil_affairs')).not.toBe('down');

    gw.sandboxes.setFaults([{ source: 'civil_affairs', mode: 'error' }]);
    expect((await gw.verify(requestFor(fixtures, 20))).status).toBe(201);
    await refreshed(page);
    expect(await status('civil_affairs')).toBe('down');
    gw.sandboxes.setFaults([]);
    await page.screenshot({ path: join(ARTEFACTS, 'en-registries-faulted.png'), fullPage: true });

    expect(await status('disability')).not.toBe('down');
    await gw.sandboxes.disability.close();
    await refreshed(page);
    expect(await status('disability')).toBe('down');
    await page.screenshot({ path: join(ARTEFACTS, 'en-registries-killed.png'), fullPage: true });
    await page.context().close();
  });
});
