/**
 * The auditor's page in a real browser (Debian's Chromium driven by playwright-core): it
 * verifies a real decision with WebCrypto and its own RFC 9162 / signed-note / JWS code,
 * and names the check that fails when the decision or its receipt is altered.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../connectors/index.ts';
import { type InProcessGateway, startInProcess } from '../support/gateway-harness.ts';
import { requestFor } from '../support/requests.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const fixtures = generatePopulation({ seed: 'browser', size: 30 });
let gw: InProcessGateway;
let browser: Browser;
let decision: Record<string, unknown>;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  gw = await startInProcess({ fixtures });
  const response = await gw.verify(requestFor(fixtures, 2));
  expect(response.status).toBe(201);
  decision = (await response.json()) as Record<string, unknown>;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

async function check(
  page: Page,
  text: string,
): Promise<{ checks: Record<string, string>; verdict: string | null }> {
  await page.goto(`${gw.url}/audit`);
  await page.fill('#decision', text);
  await page.click('#verify');
  await page.waitForSelector('#verdict[data-ok]');
  const checks = Object.fromEntries(
    await page.$$eval('#results li', (items) =>
      items.map((li) => [li.getAttribute('data-check') ?? '', li.getAttribute('data-ok') ?? '']),
    ),
  );
  return { checks, verdict: await page.getAttribute('#verdict', 'data-ok') };
}

describe('GET /audit verifies receipts in the browser', () => {
  it('passes every check for a real decision', async () => {
    const page = await browser.newPage();
    const { checks, verdict } = await check(page, JSON.stringify(decision));
    expect(checks).toEqual({
      signature: 'true',
      payload: 'true',
      leaf: 'true',
      checkpoint: 'true',
      inclusion: 'true',
    });
    expect(verdict).toBe('true');
    await page.close();
  });

  it('fails the payload check when the outcome is altered', async () => {
    const page = await browser.newPage();
    const altered = { ...decision, outcome: decision.outcome === 'eligible' ? 'ineligible' : 'eligible' };
    const { checks, verdict } = await check(page, JSON.stringify(altered));
    expect(checks.signature).toBe('true');
    expect(checks.payload).toBe('false');
    expect(verdict).toBe('false');
    await page.close();
  });

  it('fails the inclusion check when a proof hash is flipped', async () => {
    const page = await browser.newPage();
    const receipt = decision.receipt as { inclusionProof: string[] };
    const first = receipt.inclusionProof[0] ?? '';
    const flipped = `${first.startsWith('A') ? 'B' : 'A'}${first.slice(1)}`;
    const altered = {
      ...decision,
      receipt: { ...receipt, inclusionProof: [flipped, ...receipt.inclusionProof.slice(1)] },
    };
    const { checks } = await check(page, JSON.stringify(altered));
    expect(receipt.inclusionProof.length).toBeGreaterThan(0);
    expect(checks).toMatchObject({
      signature: 'true',
      payload: 'true',
      leaf: 'true',
      checkpoint: 'true',
      inclusion: 'false',
    });
    await page.close();
  });

  it('fails the checkpoint check under another log key', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/audit`);
    await page.fill('#decision', JSON.stringify(decision));
    await page.fill('#logkey', 'other.example/log+0a0b0c0d+AV+VaHyDhIb+Jip6CLod/LBtnwJ01LhisE/3eTHq4r8c');
    await page.click('#verify');
    await page.waitForSelector('#verdict[data-ok]');
    expect(await page.getAttribute('li[data-check=checkpoint]', 'data-ok')).toBe('false');
    await page.close();
  });
});
