/**
 * Issue 15's first acceptance: a newcomer runs `npm start`, runs the printed sample, opens the
 * printed console address in Chromium, signs in with the printed token and sees the sample
 * decision counted. Screenshot: tmp/browser-artefacts/console/first-hour.png (git-ignored).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { ROOT } from '../support/gateway-harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTEFACTS = process.env.EGW_ARTEFACTS ?? join(ROOT, 'tmp', 'browser-artefacts', 'console');
const data = mkdtempSync(join(tmpdir(), 'egw-console-first-hour-'));
const elsewhere = mkdtempSync(join(tmpdir(), 'egw-console-sample-'));
// Its own process group, reaped whole at the end.
const npm = spawn('npm', ['start', '--', '--port', '0', '--data', data, '--quiet'], {
  cwd: ROOT,
  env: { ...process.env, NODE_ENV: 'test' },
  detached: true,
});
let printed = '';
npm.stdout.on('data', (d: Buffer) => {
  printed += d.toString();
});
npm.stderr.on('data', (d: Buffer) => {
  printed += d.toString();
});

afterAll(() => {
  if (npm.pid !== undefined) process.kill(-npm.pid, 'SIGKILL');
  rmSync(data, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

it('npm start prints the console address; its token opens it and the sample decision is counted', async () => {
  await expect
    .poll(() => /audit verify decision\.json --gateway \S+\n/.test(printed), {
      timeout: 50_000,
      interval: 200,
    })
    .toBe(true);
  const consoleUrl = /^ {2}console: +(http:\/\/127\.0\.0\.1:\d+\/console) /m.exec(printed)?.[1];
  const token = /Development token \(12 h; scopes [^)]*\bconsole:read\b[^)]*\):\n(\S+)\n/.exec(printed)?.[1];
  const sample = /Sample request[^\n]*\n(TOKEN=[\s\S]*?audit verify decision\.json --gateway \S+)\n/.exec(
    printed,
  )?.[1];
  expect(consoleUrl, printed).toBeDefined();
  expect(token, printed).toBeDefined();
  await promisify(execFile)('sh', ['-c', sample ?? 'false'], { cwd: elsewhere, timeout: 60_000 });

  mkdirSync(ARTEFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ locale: 'en' });
    await page.goto(consoleUrl ?? '');
    await page.getByLabel('Bearer token (scope console:read)').fill(token ?? '');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('body[data-loaded]');
    expect(await page.getAttribute('[data-figure=decisions]', 'data-value')).toBe('1');
    expect(await page.getAttribute('[data-figure=eligible]', 'data-value')).toBe('1');
    await page.screenshot({ path: join(ARTEFACTS, 'first-hour.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});
