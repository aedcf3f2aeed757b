/**
 * Acceptance (issue 5): a malformed, oversized or schema-violating manifest is a 400 problem
 * that lists the paths at fault — and never echoes the identity numbers it carries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_MAX_BYTES } from '../../../schemas/connector-manifest.ts';
import { PROBLEM_CATALOGUE } from '../../../src/http/problems.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { AGENCY, agencyToken, call, DEPOSITOR, housingFundManifest } from './partner-support.ts';

let gw: InProcessGateway;
let token: string;

beforeAll(async () => {
  gw = await startInProcess({
    fixtures: { persons: [] },
    connectors: { allowedHosts: ['hpf.sandbox.test'] },
  });
  token = await agencyToken(gw.dataDir, { agency: AGENCY });
});
afterAll(async () => gw?.close());

interface ProblemBody {
  type: string;
  status: number;
  code: string;
  detail: string;
  errors?: { path: string; message: string }[];
}

async function post(body: string, contentType = 'application/json', language = 'en') {
  const res = await fetch(`${gw.url}/v1/connectors`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'accept-language': language },
    body,
  });
  const text = await res.text();
  return { res, text, body: JSON.parse(text) as ProblemBody };
}

describe('manifest validation', () => {
  it('answers malformed JSON with a 400 problem', async () => {
    const { res, body } = await post('{"manifestVersion": 1, "id": ');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(body).toMatchObject({ code: 'ERR_VALIDATION', type: PROBLEM_CATALOGUE.ERR_VALIDATION.type });
    expect(body.errors).toEqual([{ path: '', message: 'the body is not valid JSON' }]);
  });

  it('answers a manifest over the size bound with a 400 naming the limit, before parsing it', async () => {
    const padded = JSON.stringify(housingFundManifest(8443, { padding: 'x'.repeat(MANIFEST_MAX_BYTES) }));
    expect(padded.length).toBeGreaterThan(MANIFEST_MAX_BYTES);
    expect(padded.length).toBeLessThan(64 * 1024);
    const { res, body } = await post(padded);
    expect(res.status).toBe(400);
    expect(body.errors).toEqual([
      { path: '', message: `the manifest must be at most ${MANIFEST_MAX_BYTES} bytes` },
    ]);
  });

  it('lists every path at fault in a schema-violating manifest, without echoing identity numbers', async () => {
    const manifest = housingFundManifest(8443, {
      endpoint: { url: 'ftp://hpf.sandbox.test/gjj', protocol: 'rest_json' },
      timeoutMs: 60_000,
      regions: ['3201'],
      unexpected: true,
      request: { method: 'POST', path: '/q', body: { ids: '{{subjects}}', leak: '{{password}}' } },
      conformance: {
        cases: [
          { name: 'bad_subject', subject: `${DEPOSITOR.slice(0, 17)}0`, expect: 'found' },
          {
            name: 'bad_fact',
            subject: DEPOSITOR,
            expect: 'found',
            facts: { accountStatus: 'frozen', color: 'red' },
          },
        ],
      },
    });
    const { res, body, text } = await post(JSON.stringify(manifest));
    expect(res.status).toBe(400);
    const paths = (body.errors ?? []).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/endpoint/url',
        '/timeoutMs',
        '/regions/0',
        '/unexpected',
        '/conformance/cases/0/subject',
      ]),
    );
    expect(text).not.toContain(DEPOSITOR.slice(0, 17));
  });

  it('checks rules across fields once the shape is right: facts, templates, conformance values', async () => {
    const manifest = housingFundManifest(8443, {
      request: { method: 'POST', path: '/q', body: { ids: '{{subjects}}', leak: '{{password}}' } },
      mapping: {
        records: '/data',
        subject: '/id',
        facts: { accountStatus: { path: '/s' }, color: { path: '/c' } },
      },
      conformance: {
        cases: [
          {
            name: 'bad_fact',
            subject: DEPOSITOR,
            expect: 'found',
            facts: { accountStatus: 'frozen', color: 'red' },
          },
        ],
      },
    });
    const { res, body, text } = await post(JSON.stringify(manifest));
    expect(res.status).toBe(400);
    expect((body.errors ?? []).map((e) => e.path).sort()).toEqual(
      [
        '/request/body/leak',
        '/mapping/facts/color',
        '/mapping/facts/monthlyDeposit',
        '/mapping/facts/lastDepositDate',
        '/conformance/cases/0/facts/accountStatus',
        '/conformance/cases/0/facts/color',
      ].sort(),
    );
    expect(text).not.toContain(DEPOSITOR);
  });

  it('answers 415 for a manifest that is not JSON, and 413 above the gateway-wide body limit', async () => {
    expect((await post('manifestVersion: 1', 'application/yaml')).res.status).toBe(415);
    const huge = await call(gw.url, token, 'POST', '/v1/connectors', { padding: 'x'.repeat(70 * 1024) });
    expect(huge.status).toBe(413);
  });

  it('documents the connector routes and the manifest schema in /openapi.json', async () => {
    const res = await fetch(`${gw.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/connectors',
        '/v1/connectors/{id}/csr',
        '/v1/connectors/{id}/conformance',
        '/v1/connectors/ca/crl',
      ]),
    );
    expect(doc.components.schemas.ConnectorManifest).toBeDefined();
  });
});
