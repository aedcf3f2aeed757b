/**
 * The auditor's page in a real browser (Debian's Chromium driven by playwright-core): it
 * verifies a real decision with WebCrypto and its own RFC 9162 / signed-note / JWS code,
 * and names the check that fails when the decision or its receipt is altered.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../connectors/index.ts';
import { noteKeyFromSeed } from '../../src/core/log/note-key.ts';
import { DEFAULT_LOG_ORIGIN } from '../../src/runtime/node.ts';
import { type InProcessGateway, startInProcess } from '../support/gateway-harness.ts';
import { requestFor } from '../support/requests.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const fixtures = generatePopulation({ seed: 'browser', size: 30 });
let gw: InProcessGateway;
let browser: Browser;
let decision: Record<string, unknown>;
let dataDir: string | undefined;

/**
 * A data directory whose log key has a '+' in its base64 part: the verifier-key string
 * `name+hash+base64` must then be split at the first two '+' only (a bug the page once had).
 */
function dataDirWithPlusInLogKey(): string {
  const dir = mkdtempSync(join(tmpdir(), 'egw-browser-'));
  mkdirSync(join(dir, 'keys'), { recursive: true });
  for (let seed = 1; seed < 256; seed++) {
    const keys = noteKeyFromSeed(DEFAULT_LOG_ORIGIN, new Uint8Array(32).fill(seed));
    if (keys.verifierKey.split('+').length > 3) {
      writeFileSync(join(dir, 'keys', 'log-note.key'), `${keys.signerKey}\n`, { mode: 0o600 });
      return dir;
    }
  }
  throw new Error('no seed gave a verifier key with a + in its base64');
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  dataDir = dataDirWithPlusInLogKey();
  gw = await startInProcess({ fixtures, dataDir });
  expect((await (await fetch(`${gw.url}/v1/log/key`)).text()).trim().split('+').length).toBeGreaterThan(3);
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
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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

  it('opened from disk (file://) says the keys must be pasted, then verifies with them pasted', async () => {
    const page = await browser.newPage();
    const file = join(dataDir ?? tmpdir(), 'audit.html');
    writeFileSync(file, await (await fetch(`${gw.url}/audit`)).text());
    await page.goto(`file://${file}`);
    expect(await page.isVisible('#from-disk')).toBe(true);
    expect(await page.textContent('#from-disk')).toContain('paste the gateway');
    await page.fill('#decision', JSON.stringify(decision));
    await page.click('#verify');
    await page.waitForSelector('#verdict[data-ok]');
    expect(await page.textContent('#verdict')).toContain('cannot fetch the keys: paste the JWKS');
    await page.fill('#jwks', await (await fetch(`${gw.url}/.well-known/jwks.json`)).text());
    await page.fill('#logkey', (await (await fetch(`${gw.url}/v1/log/key`)).text()).trim());
    await page.click('#verify');
    await page.waitForSelector('#verdict[data-ok=true]');
    await page.close();
  });

  it('served by the gateway, the from-disk notice stays hidden', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/audit`);
    expect(await page.isVisible('#from-disk')).toBe(false);
    await page.close();
  });
});
