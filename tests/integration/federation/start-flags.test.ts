/**
 * `egw start --region CODE --peers FILE` as an operator runs it (a child process): the region's
 * policy decides, the sample request is for that region, and a peer that cannot be reached
 * makes its facts unavailable with one alarm line on stderr (no identity number in it).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision, FixturesInput } from '../../../schemas/index.ts';
import { makeIdNumber } from '../../../schemas/index.ts';
import { freePort } from '../../support/free-port.ts';
import { type ChildGateway, startChild } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const applicant = makeIdNumber('320508', '1970-02-03', 41);
const member = makeIdNumber('320104', '1972-05-06', 42);
/** Registered in Beijing, which no peer serves: asked at this gateway's own registries, as before. */
const elsewhere = makeIdNumber('110105', '1995-08-09', 43);
const fixtures: FixturesInput = {
  persons: [{ idNumber: applicant, name: '测试庚', district: '320508' }],
  hrss: [{ idNumber: applicant, employment: 'employed', monthlyContributionBase: 1800, asOf: '2025-05-01' }],
};

describe('egw start --region cn-320500 --peers FILE', () => {
  let gw: ChildGateway;
  let peersFile: string;

  beforeAll(async () => {
    // A Nanjing peer on a port nobody listens on; its keys need only be well formed.
    const deadPort = await freePort();
    peersFile = join(mkdtempSync(join(tmpdir(), 'egw-peers-')), 'peers.json');
    writeFileSync(
      peersFile,
      JSON.stringify({
        peers: [
          {
            region: 'cn-320100',
            baseUrl: `http://127.0.0.1:${deadPort}/`,
            logOrigin: 'cn-320100.gateway.test/log',
            logKey: 'cn-320100.gateway.test/log+01234567+AQ==',
            jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', kid: 'nj' }] },
          },
        ],
      }),
    );
    gw = await startChild({ fixtures, args: ['--region', 'cn-320500', '--peers', peersFile] });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    rmSync(dirname(peersFile), { recursive: true, force: true });
  });

  it("writes a sample request for the gateway's own region", () => {
    const sample = JSON.parse(readFileSync(join(gw.dataDir, 'sample-request.json'), 'utf8')) as {
      region: string;
    };
    expect(sample.region).toBe('320500');
  });

  it("decides under Suzhou's policy; the unreachable Nanjing peer's facts are unavailable, with an alarm", async () => {
    const body = requestFor({ persons: [{ idNumber: applicant, name: '测试庚', district: '320508' }] }, 0, {
      household: [
        { idNumber: member, name: '测试辛', relation: 'spouse' },
        { idNumber: elsewhere, name: '测试壬', relation: 'child' },
      ],
      declaration: { monthlyHouseholdIncome: 3000, integrityCommitment: false },
      region: '320508',
    });
    const response = await gw.verify(body);
    expect(response.status).toBe(201);
    const decision = (await response.json()) as Decision;
    expect(decision.policy.id).toBe('cn-320500');
    expect(decision.outcome).toBe('needs_review');
    const peer = decision.evidence.filter((e) => e.via !== undefined);
    expect(peer.map((e) => [e.source, e.status, e.region])).toEqual([
      ['civil_affairs', 'unavailable', 'cn-320100'],
      ['hrss', 'unavailable', 'cn-320100'],
    ]);
    const alarms = gw
      .output()
      .split('\n')
      .filter((line) => line.includes('"event":"peer_facts_unavailable"'));
    expect(alarms).toHaveLength(1);
    expect(JSON.parse(alarms[0] ?? '{}')).toMatchObject({ region: 'cn-320100', reason: 'unreachable' });
    const registration = decision.evidence.find((e) => e.source === 'registration');
    const persons = (registration?.facts.persons ?? []) as { askedIn: string }[];
    expect(persons.map((p) => p.askedIn)).toEqual(['cn-320500', 'cn-320100', 'cn-320500']);
    expect(gw.sandboxes.requestLog().flatMap((r) => r.subjects)).toContain(elsewhere);
    expect(gw.output()).not.toContain(member);
    expect(gw.sandboxes.requestLog().flatMap((r) => r.subjects)).not.toContain(member);
  });
});
