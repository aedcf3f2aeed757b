/**
 * Issue 11 item 1: personal data in every string field of a request, then a scan of
 * everything the gateway keeps or says: the public log (`/v1/log/entries`), the raw bytes of
 * the SQLite file and its write-ahead log, and every line the process printed.
 *
 * Each request puts a person's identity number and name, plus a unique marker, into every
 * string the request can carry: names, the consent reference, the Idempotency-Key, and the
 * fields whose format refuses them (category, region, dates, scopes: those requests must be
 * refused without a trace). Before the fix, the consent reference reached the access leaves
 * verbatim and sat in plaintext in `access_records`, and the Idempotency-Key in `decisions`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { VerificationRequest } from '../../../schemas/index.ts';
import { findPersonalData } from '../../contract/personal-data.ts';
import { type ChildGateway, startChild } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const fixtures = generatePopulation({ seed: 'personal-data-scan', size: 16 });
const MARKER = `PDSCAN${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;
let gw: ChildGateway;
let token: string;
const statuses: number[] = [];

function person(i: number): { idNumber: string; name: string } {
  const p = fixtures.persons[i] ?? expect.unreachable(`person ${i}`);
  return { idNumber: p.idNumber, name: p.name };
}

async function post(body: unknown, key: string): Promise<number> {
  const r = await fetch(`${gw.url}/v1/verifications`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': key,
      'accept-language': 'zh-CN',
    },
    body: JSON.stringify(body),
  });
  await r.arrayBuffer();
  statuses.push(r.status);
  return r.status;
}

/** Every string field of the request, each holding personal data and the marker. */
function loaded(i: number): { request: VerificationRequest; key: string; pd: string } {
  const applicant = person(i);
  const member = person(i + 1);
  const pd = `${applicant.idNumber}${applicant.name}${MARKER}`;
  const request = requestFor(fixtures, i, {
    applicant: { idNumber: applicant.idNumber, name: `${applicant.name}${MARKER}` },
    household: [{ idNumber: member.idNumber, name: `${member.name}${MARKER}`, relation: 'spouse' }],
    consent: {
      reference: pd.slice(0, 128),
      grantedAt: '2025-06-01T09:00:00+08:00',
      scopes: ['civil_affairs', 'hrss', 'disability'],
    },
  });
  // Header values are Latin-1: the key carries the identity number and the marker.
  return { request, key: `${applicant.idNumber}-${member.idNumber}-${MARKER}`, pd };
}

beforeAll(async () => {
  gw = await startChild({ fixtures });
  token = await gw.token('verifications:write verifications:read subjects:read audit:read', 'scan');
});
afterAll(() => gw?.close());

/** Everything the gateway wrote under its data directory that a SQLite reader would see. */
function databaseBytes(): Buffer {
  return Buffer.concat(
    readdirSync(gw.dataDir)
      .filter((f) => f.startsWith('gateway.sqlite'))
      .map((f) => readFileSync(join(gw.dataDir, f))),
  );
}

function scan(text: string): string[] {
  const people = fixtures.persons.map((p) => ({ idNumber: p.idNumber, name: p.name }));
  return [...findPersonalData(text, people, [MARKER]).map((h) => `${h.kind}: …${h.context}…`)];
}

describe('personal data in every string field never reaches the log, the database or the output', () => {
  it('decides requests carrying personal data in every free-text field (and replays them)', async () => {
    for (let i = 0; i < 6; i += 2) {
      const { request, key } = loaded(i);
      expect(await post(request, key)).toBe(201);
      expect(await post(request, key)).toBe(200);
    }
  });

  it('refuses personal data in fields that have a format, and control characters anywhere', async () => {
    const { request, key, pd } = loaded(8);
    const refused: unknown[] = [
      { ...request, matter: { kind: 'civil', category: pd } },
      { ...request, matter: { kind: pd, category: 'wage_claim' } },
      { ...request, region: pd },
      { ...request, decisionDate: pd },
      { ...request, consent: { ...request.consent, grantedAt: pd } },
      { ...request, consent: { ...request.consent, scopes: [pd] } },
      { ...request, consent: { ...request.consent, partnerScopes: [pd] } },
      { ...request, household: [{ ...request.household[0], relation: pd }] },
      { ...request, applicant: { ...request.applicant, name: `${pd}\n{"level":"fatal"}` } },
      { ...request, consent: { ...request.consent, reference: `${pd.slice(0, 40)}\r\nX-Evil: 1` } },
      { ...request, [pd]: pd },
    ];
    for (const [n, body] of refused.entries()) expect(await post(body, `${key}-${n}`)).toBe(400);
  });

  it('no leaf of /v1/log/entries holds personal data, the consent reference or the marker', async () => {
    const size = Number((await (await fetch(`${gw.url}/v1/log/checkpoint`)).text()).split('\n')[1]);
    expect(size).toBeGreaterThanOrEqual(3 * 4); // three decisions, three accesses each
    const { entries } = (await (await fetch(`${gw.url}/v1/log/entries?start=0&end=${size}`)).json()) as {
      entries: { leaf: string }[];
    };
    const leaves = entries.map((e) => Buffer.from(e.leaf, 'base64').toString('utf8'));
    expect(leaves.filter((l) => l.includes('"kind":"access"')).length).toBeGreaterThanOrEqual(9);
    expect(scan(leaves.join('\n'))).toEqual([]);
    // Every access leaf field is a commitment or from a closed set.
    for (const leaf of leaves.map((l) => JSON.parse(l) as Record<string, unknown>)) {
      if (leaf.kind !== 'access') continue;
      expect(Object.keys(leaf).sort()).toEqual(
        ['at', 'consent', 'decisionId', 'kind', 'purpose', 'source', 'status', 'subject', 'v'].sort(),
      );
      expect(leaf.purpose).toBe('legal_aid_eligibility');
    }
  });

  it('the data tracker, an entitled caller, still shows the consent reference (unsealed)', async () => {
    const { request, pd } = loaded(0);
    const r = await fetch(`${gw.url}/v1/subjects/access?idNumber=${request.applicant.idNumber}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { entries } = (await r.json()) as { entries: { consentReference: string }[] };
    expect(entries.length).toBeGreaterThanOrEqual(4);
    for (const e of entries) expect(e.consentReference).toBe(pd.slice(0, 128));
  });

  it('the SQLite file and its WAL hold none of it, while running and after a clean stop', async () => {
    const running = databaseBytes();
    expect(running.length).toBeGreaterThan(0);
    expect(scan(running.toString('latin1'))).toEqual([]);
    expect(scan(running.toString('utf8'))).toEqual([]);
    expect(await gw.stop()).toBe(0);
    const stopped = databaseBytes();
    expect(scan(stopped.toString('latin1'))).toEqual([]);
    expect(scan(stopped.toString('utf8'))).toEqual([]);
  });

  it('nothing the process printed holds it', () => {
    expect(new Set(statuses)).toEqual(new Set([200, 201, 400]));
    expect(gw.output().length).toBeGreaterThan(0);
    expect(scan(gw.output())).toEqual([]);
  });
});
