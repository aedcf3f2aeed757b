/**
 * What a newcomer meets in the first hour over HTTP (issue 12): an index page at `/`, a 404
 * that says the route does not exist, `/docs` readable without JavaScript with how to
 * authenticate and one example per operation (zh-CN and en), a 413 that states the limit,
 * `/audit` explaining, when opened from disk, that the keys must be pasted, an identity
 * number ending in a lowercase x taken as the same number, and the data tracker by POST body
 * so the number stays out of URLs. All people are synthetic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { Decision } from '../../../schemas/index.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const fixtures = generatePopulation({ seed: 'first-hour-pages', size: 60 });
const withX = fixtures.persons.findIndex((p) => p.idNumber.endsWith('X'));
let gw: InProcessGateway;

beforeAll(async () => {
  gw = await startInProcess({ fixtures });
});
afterAll(async () => {
  await gw.close();
});

async function problem(path: string, language: 'en' | 'zh-CN', init: RequestInit = {}) {
  const response = await fetch(`${gw.url}${path}`, {
    ...init,
    headers: { 'accept-language': language, ...(init.headers as Record<string, string>) },
  });
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return { status: response.status, body: (await response.json()) as { code: string; detail: string } };
}

describe('first-hour pages', () => {
  it('GET / is a small index page linking to /docs, /audit, /openapi.json and /readyz', async () => {
    const response = await fetch(`${gw.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    for (const link of ['/docs', '/audit', '/console', '/openapi.json', '/readyz'])
      expect(html).toContain(`href="${link}"`);
    expect(html).toContain('法律援助');
    expect(html).toContain('API documentation');
  });

  it('a mistyped route is a 404 that says the address does not exist, not that a record does not', async () => {
    const en = await problem('/v1/verification', 'en');
    expect(en.status).toBe(404);
    expect(en.body.code).toBe('ERR_NOT_FOUND');
    expect(en.body.detail).toMatch(/^This address does not exist on the gateway/);
    const zh = await problem('/v1/verification', 'zh-CN');
    expect(zh.body.detail).toMatch(/^网关上没有这个地址/);
    // A record that does not exist still speaks of the record.
    const record = await problem('/v1/verifications/0b6f3c3e-5d1a-4c8e-9a53-2f1f4f7d9e21', 'en', {
      headers: { authorization: `Bearer ${await gw.token()}` },
    });
    expect(record.status).toBe(404);
    expect(record.body.detail).toMatch(/^The record does not exist/);
  });

  it('/docs renders without JavaScript: how to authenticate, and one example per operation, in zh-CN and en', async () => {
    const html = await (await fetch(`${gw.url}/docs`)).text();
    expect(html).not.toContain('<script');
    expect(html).toContain('How to authenticate');
    expect(html).toContain('如何认证');
    expect(html).toContain('Authorization: Bearer');
    const spec = (await (await fetch(`${gw.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => ({ path, method })),
    );
    expect(operations.length).toBeGreaterThan(10);
    for (const { path, method } of operations) {
      expect(html).toContain(`id="${method}-${path}"`);
    }
    expect(html.match(/<pre>curl /g)?.length).toBe(operations.length);
    expect(html).toContain('-H &#34;Idempotency-Key: case-2026-0001&#34;');
  });

  it('413 states the limit, in both languages', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(70 * 1024) });
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'too-big-1' };
    const en = await problem('/v1/verifications', 'en', { method: 'POST', body: big, headers });
    expect(en.status).toBe(413);
    expect(en.body.detail).toContain('larger than the 64 KiB the gateway accepts');
    const zh = await problem('/v1/verifications', 'zh-CN', { method: 'POST', body: big, headers });
    expect(zh.body.detail).toContain('64 KiB');
  });

  it('/audit opened from disk (file://) says that the keys must be pasted', async () => {
    const html = await (await fetch(`${gw.url}/audit`)).text();
    expect(html).toContain("location.protocol === 'file:'");
    expect(html).toMatch(/<p id="from-disk" hidden>[\s\S]*请粘贴[\s\S]*paste the gateway's JWKS/);
    expect(html).toContain('Opened from disk, this page cannot fetch the keys');
  });
});

describe('identity numbers and the data tracker', () => {
  it('an identity number ending in a lowercase x is the same number', async () => {
    expect(withX).toBeGreaterThanOrEqual(0);
    const request = requestFor(fixtures, withX);
    const upper = request.applicant.idNumber;
    const lower = `${upper.slice(0, 17)}x`;
    const response = await gw.verify({ ...request, applicant: { ...request.applicant, idNumber: lower } });
    expect(response.status).toBe(201);
    const decision = (await response.json()) as Decision;
    expect(decision.evidence.some((e) => e.status === 'found')).toBe(true);

    const token = await gw.token('subjects:read');
    const byGet = await fetch(`${gw.url}/v1/subjects/access?idNumber=${lower}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(byGet.status).toBe(200);
    const entries = ((await byGet.json()) as { entries: { decisionId: string }[] }).entries;
    expect(entries.map((e) => e.decisionId)).toContain(decision.id);

    // The same by POST: the number in the body, not in a URL a proxy may log.
    const byPost = await fetch(`${gw.url}/v1/subjects/access`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ idNumber: upper }),
    });
    expect(byPost.status).toBe(200);
    expect(byPost.headers.get('cache-control')).toBe('no-store');
    expect(((await byPost.json()) as { entries: unknown[] }).entries).toEqual(entries);
  });

  it('POST /v1/subjects/access validates its body and needs subjects:read', async () => {
    const bad = await fetch(`${gw.url}/v1/subjects/access`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await gw.token('subjects:read')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ idNumber: '123' }),
    });
    expect(bad.status).toBe(400);
    const forbidden = await fetch(`${gw.url}/v1/subjects/access`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await gw.token('verifications:read')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ idNumber: fixtures.persons[0]?.idNumber }),
    });
    expect(forbidden.status).toBe(403);
  });
});
