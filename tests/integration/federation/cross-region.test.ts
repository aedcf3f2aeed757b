/**
 * Issue 16 acceptance, the working path: a Nanjing application for a household with one
 * member registered in Suzhou. Two gateways on loopback, each with its own sandboxes and log.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerGateway } from '../../../schemas/federation.ts';
import type { Decision } from '../../../schemas/index.ts';
import { egwInProcess } from '../../support/egw-in-process.ts';
import {
  applicant,
  bystander,
  household,
  member,
  NANJING,
  provenLeaf,
  SUZHOU,
  subjectsAsked,
  tracker,
} from '../../support/federation-cases.ts';
import { type Regions, startRegions } from '../../support/federation-harness.ts';

describe('a Nanjing application with a household member registered in Suzhou', () => {
  let regions: Regions;
  let decision: Decision;
  const dir = mkdtempSync(join(tmpdir(), 'egw-federation-'));

  beforeAll(async () => {
    regions = await startRegions({ nanjing: NANJING, suzhou: SUZHOU });
    const response = await regions.nanjing.verify(household());
    expect(response.status).toBe(201);
    decision = (await response.json()) as Decision;
  }, 60_000);
  afterAll(async () => {
    await regions?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies Nanjing's policy to the whole household, with the Suzhou member's facts", () => {
    expect(decision.policy.id).toBe('cn-320100');
    expect(decision.region).toBe('320100');
    // (2000 + 3200) / 2 = 2600 > 2490, Nanjing's class-1 minimum wage: only with Suzhou's fact.
    expect(decision.outcome).toBe('ineligible');
    expect(decision.basis.map((b) => b.rule)).toContain('income_test');
  });

  it('says where each person was taken to be registered, and why', () => {
    const registration = decision.evidence.find((e) => e.source === 'registration');
    expect(registration?.facts).toEqual({
      persons: [
        {
          role: 'applicant',
          region: '320102',
          askedIn: 'cn-320100',
          assumed: true,
          basis: 'id_number_prefix',
        },
        {
          role: 'member',
          index: 0,
          region: '320508',
          askedIn: 'cn-320500',
          assumed: true,
          basis: 'id_number_prefix',
        },
      ],
      assumptions: 2,
    });
  });

  it("queries Suzhou's registries only through the Suzhou gateway, about the member only", () => {
    expect(subjectsAsked(regions.nanjing)).not.toContain(member);
    expect(new Set(subjectsAsked(regions.nanjing))).toEqual(new Set([applicant]));
    const suzhouLog = regions.suzhou.sandboxes.requestLog();
    expect(new Set(suzhouLog.flatMap((r) => r.subjects))).toEqual(new Set([member]));
    // Minimum necessary: a member's disability record is never asked for (only the applicant's counts).
    expect(new Set(suzhouLog.map((r) => r.source))).toEqual(new Set(['civil_affairs', 'hrss']));
  });

  it("embeds Suzhou's signed receipt, names the region and the peer, and Suzhou answered only what was asked", async () => {
    const peer = decision.evidence.filter((e) => e.via !== undefined);
    expect(peer.map((e) => [e.source, e.status, e.region, e.via])).toEqual([
      ['civil_affairs', 'not_found', 'cn-320500', regions.suzhou.origin],
      ['hrss', 'found', 'cn-320500', regions.suzhou.origin],
    ]);
    for (const e of peer) {
      expect(e.facts.persons).toEqual([{ role: 'member', index: 0 }]);
      expect(e.receipt?.logOrigin).toBe(regions.suzhou.origin);
    }
    const receipt = peer[0]?.receipt;
    expect(receipt).toBeDefined();
    const leaf = await provenLeaf(regions.suzhou, receipt?.leafIndex ?? -1);
    expect(leaf).toMatchObject({
      kind: 'event',
      type: 'federation.access',
      actor: regions.nanjing.origin,
      attributes: {
        askedBy: regions.nanjing.origin,
        askedByRegion: 'cn-320100',
        decision: decision.id,
        sources: 'civil_affairs,hrss',
        subjects: 1,
        found: 1,
        notFound: 1,
        unavailable: 0,
        accessLeaves: 2,
        payloadDigest: peer[0]?.digest,
      },
    });
    expect(JSON.stringify(leaf)).not.toContain(member);
  });

  it('both receipts pass egw audit verify', async () => {
    const decisionFile = join(dir, 'decision.json');
    writeFileSync(decisionFile, JSON.stringify(decision));
    const own = await egwInProcess(['audit', 'verify', decisionFile, '--gateway', regions.nanjing.url]);
    expect(own.code, own.out + own.err).toBe(0);
    const peerFile = join(dir, 'suzhou-receipt.json');
    writeFileSync(peerFile, JSON.stringify(decision.evidence.find((e) => e.via !== undefined)));
    const peer = await egwInProcess(['audit', 'verify', peerFile, '--gateway', regions.suzhou.url]);
    expect(peer.code, peer.out + peer.err).toBe(0);
    expect(peer.out).toContain(`in the log of ${regions.suzhou.origin}`);
    // The other region's key does not prove it: the receipt is Suzhou's own.
    const wrong = await egwInProcess(['audit', 'verify', peerFile, '--gateway', regions.nanjing.url]);
    expect(wrong.code).toBe(1);
    // In one go: the decision, and each access in another region proven from that region's log.
    const withPeers = (name: string, peer: PeerGateway) => {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify({ peers: [peer] }));
      return egwInProcess([
        'audit',
        'verify',
        decisionFile,
        '--gateway',
        regions.nanjing.url,
        '--peers',
        file,
      ]);
    };
    const both = await withPeers('peers.json', regions.suzhou.entry);
    expect(both.code, both.out + both.err).toBe(0);
    expect(both.out.match(/^PASS {2}peer/gm)).toHaveLength(2);
    const refused = await withPeers('wrong-key.json', {
      ...regions.suzhou.entry,
      logKey: regions.nanjing.entry.logKey,
    });
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('a peer region’s receipt in its evidence does not');
  });

  it("Nanjing's data tracker shows the access through Suzhou, proven from Nanjing's log", async () => {
    const entries = await tracker(regions.nanjing, member);
    const access = entries.find((e) => e.kind === 'registry_access');
    expect(access).toMatchObject({ source: 'peer_cn_320500', decisionId: decision.id });
    const leaf = await provenLeaf(regions.nanjing, access?.logIndex ?? -1);
    expect(leaf).toMatchObject({
      kind: 'access',
      source: 'peer_cn_320500',
      decisionId: decision.id,
      status: 'found',
    });
  });

  it("Suzhou's data tracker shows its own registries' accesses for the member, proven from Suzhou's log", async () => {
    const answer = decision.evidence.find((e) => e.via !== undefined)?.facts.answer;
    const entries = await tracker(regions.suzhou, member);
    expect(entries.map((e) => [e.kind, e.source, e.decisionId])).toEqual([
      ['registry_access', 'civil_affairs', answer],
      ['registry_access', 'hrss', answer],
    ]);
    for (const e of entries) {
      const leaf = await provenLeaf(regions.suzhou, e.logIndex);
      expect(leaf).toMatchObject({
        kind: 'access',
        decisionId: answer,
        source: e.source,
        purpose: 'legal_aid_eligibility',
      });
    }
    // Nobody else was looked up in Suzhou on Nanjing's behalf.
    expect(await tracker(regions.suzhou, bystander)).toEqual([]);
  });

  it("counts the question to Suzhou as one more registry call in Nanjing's indicators", async () => {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const response = await fetch(`${regions.nanjing.url}/v1/reports/indicators?from=${day}&to=${day}`, {
      headers: { authorization: `Bearer ${await regions.nanjing.token('console:read')}` },
    });
    expect(response.status).toBe(200);
    const { days } = (await response.json()) as {
      days: { registries: { source: string; calls: number; answered: number }[] }[];
    };
    const peer = days.flatMap((d) => d.registries).find((r) => r.source === 'peer_cn_320500');
    expect(peer).toMatchObject({ calls: 1, answered: 1 });
  });
});
