/** The civil affairs sandbox refuses anything but a fresh, correctly signed request from the known app key. */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CIVIL_AFFAIRS_LOOKUP_PATH, sign } from '../../../connectors/civil-affairs/civil-affairs-dialect.ts';
import {
  type CivilAffairsSandbox,
  createCivilAffairsConnector,
  loadFixtures,
  startCivilAffairsSandbox,
} from '../../../connectors/index.ts';
import type { Connector } from '../../../src/core/ports.ts';
import { BASIC_FIXTURES, CONSENT, expectUnavailable, PEOPLE, PURPOSE, query } from './helpers.ts';

let sandbox: CivilAffairsSandbox;
const opened: Connector[] = [];

beforeAll(async () => {
  sandbox = await startCivilAffairsSandbox({ fixtures: await loadFixtures(BASIC_FIXTURES) });
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close?.()));
  await sandbox.close();
});
beforeEach(() => sandbox.clearRequestLog());

const body = JSON.stringify({ cxmd: PURPOSE, sqbh: CONSENT, qqlsh: 'raw-1', zjhmList: [PEOPLE.wang] });

interface RawOptions {
  readonly timestamp?: number;
  readonly nonce?: string;
  readonly secret?: string;
  readonly signedPath?: string;
  readonly signedBody?: string;
  readonly sentBody?: string;
  readonly omit?: string;
}

function headersFor(o: RawOptions = {}): Record<string, string> {
  const timestamp = String(o.timestamp ?? Date.now());
  const nonce = o.nonce ?? randomUUID();
  const signature = sign(o.secret ?? sandbox.appSecret, {
    method: 'POST',
    path: o.signedPath ?? CIVIL_AFFAIRS_LOOKUP_PATH,
    timestamp,
    nonce,
    body: o.signedBody ?? body,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-app-key': sandbox.appKey,
    'x-timestamp': timestamp,
    'x-nonce': nonce,
    'x-signature': signature,
  };
  if (o.omit) delete headers[o.omit];
  return headers;
}

async function raw(
  headers: Record<string, string>,
  sent = body,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await request(`${sandbox.url}${CIVIL_AFFAIRS_LOOKUP_PATH}`, {
    method: 'POST',
    headers,
    body: sent,
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

describe('civil affairs sandbox: HMAC authentication', () => {
  it('serves a correctly signed request', async () => {
    const { status, json } = await raw(headersFor());
    expect(status).toBe(200);
    expect(json).toMatchObject({
      code: '0000',
      data: { jzxx: [{ zjhm: PEOPLE.wang, jzlb: 'DB', zt: 'ZB', ksrq: '20230301' }] },
    });
  });

  it('refuses a connector holding the wrong secret (401), which maps to a non-retryable registry error', async () => {
    const wrong = createCivilAffairsConnector({
      ...connectorConfig(),
      appSecret: 'not-the-secret-at-all-0123456789',
    });
    opened.push(wrong);
    const answer = await wrong.query(query([PEOPLE.wang]));
    expectUnavailable(answer, 'ERR_REGISTRY_ERROR', false);
    expect(answer.status === 'unavailable' && answer.detail).toBe(
      "registry refused the gateway's credentials (HTTP 401)",
    );
    expect(sandbox.requestLog()).toMatchObject([
      { outcome: 'refused', status: 401, reason: 'bad signature', subjects: [], subjectCount: 0 },
    ]);
  });

  it('refuses an unknown app key', async () => {
    const stranger = createCivilAffairsConnector({ ...connectorConfig(), appKey: 'someone-else' });
    opened.push(stranger);
    expectUnavailable(await stranger.query(query([PEOPLE.wang])), 'ERR_REGISTRY_ERROR', false);
    expect(sandbox.requestLog()).toMatchObject([{ outcome: 'refused', reason: 'unknown app key' }]);
  });

  it.each([
    ['a wrong secret', { secret: 'x'.repeat(43) }, '4004'],
    ['a body changed after signing', { sentBody: body.replace(PEOPLE.wang, PEOPLE.li) }, '4004'],
    ['a signature over another path', { signedPath: '/api/v2/mz/other' }, '4004'],
    ['a timestamp six minutes old', { timestamp: Date.now() - 360_000 }, '4003'],
    ['a timestamp six minutes ahead', { timestamp: Date.now() + 360_000 }, '4003'],
    ['no signature', { omit: 'x-signature' }, '4001'],
    ['no nonce', { omit: 'x-nonce' }, '4001'],
    ['a too-short nonce', { nonce: 'abc' }, '4001'],
  ] as const)('refuses %s with 401 and no data', async (_what, options: RawOptions, code) => {
    const { status, json } = await raw(headersFor(options), options.sentBody ?? body);
    expect(status).toBe(401);
    expect(json.code).toBe(code);
    expect(json).not.toHaveProperty('data');
    expect(sandbox.requestLog()).toMatchObject([{ outcome: 'refused', status: 401, subjects: [] }]);
  });

  it('accepts a nonce once: the replay of a valid request is refused', async () => {
    const headers = headersFor();
    expect((await raw(headers)).status).toBe(200);
    const replay = await raw(headers);
    expect(replay.status).toBe(401);
    expect(replay.json.code).toBe('4005');
    expect(sandbox.requestLog().map((e) => [e.outcome, e.reason])).toEqual([
      ['answered', undefined],
      ['refused', 'replayed nonce'],
    ]);
  });

  it('rejects a signed body that is not a lookup (400), and records the rejection', async () => {
    const bad = JSON.stringify({ cxmd: PURPOSE, zjhmList: [] });
    const { status, json } = await raw(headersFor({ signedBody: bad }), bad);
    expect(status).toBe(400);
    expect(json.code).toBe('4100');
    expect(sandbox.requestLog()).toMatchObject([
      { outcome: 'rejected', status: 400, reason: 'invalid lookup body' },
    ]);
  });
});

function connectorConfig() {
  return { baseUrl: sandbox.url, appKey: sandbox.appKey, appSecret: sandbox.appSecret };
}
