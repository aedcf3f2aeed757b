/**
 * Issue 16 acceptance, the failure paths: a peer answering with a key the trust list does not
 * hold, a forged receipt, a peer that never answers, a question altered in transit (refused by
 * the peer), a peer that signs facts about someone it was not asked about or leaves out a
 * source, and a peer that refuses the asking gateway. Each makes Suzhou's facts
 * `unavailable` and raises an alarm (a stderr JSON line and a metric); none gives a wrong
 * decision (here: needs_review, never the ineligible the facts would have given).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Decision, VerificationRequest } from '../../../schemas/index.ts';
import { loadSigningKey } from '../../../src/adapters/node/key-files.ts';
import { bystander, household, member, NANJING, SUZHOU } from '../../support/federation-cases.ts';
import { type Regions, startRegions } from '../../support/federation-harness.ts';
import { type PeerProxy, type ProxyMode, startPeerProxy } from '../../support/federation-proxy.ts';

const DEADLINE_MS = 1000;

describe('a peer gateway that cannot be believed', () => {
  let regions: Regions;
  let proxy: PeerProxy;
  let alarms: string[] = [];

  beforeAll(async () => {
    proxy = await startPeerProxy();
    proxy.extraSubject = bystander;
    regions = await startRegions({
      nanjing: NANJING,
      suzhou: SUZHOU,
      deadlineMs: DEADLINE_MS,
      nanjingTrusts: (suzhou) => {
        proxy.target = suzhou.baseUrl;
        return { ...suzhou, baseUrl: proxy.url };
      },
    });
    // The peer itself misbehaving (a compromised or faulty gateway) signs with its real key.
    proxy.peerKey = (await loadSigningKey(regions.suzhou.dataDir)).privateJwk;
  }, 60_000);
  afterAll(async () => {
    await regions?.close();
    await proxy?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    alarms = [];
  });

  /** egw_federation_alarms_total for Suzhou and `reason`, as Nanjing's /metrics says now. */
  async function alarmCount(reason: string): Promise<number> {
    const metrics = await (await fetch(`${regions.nanjing.url}/metrics`)).text();
    const line = new RegExp(
      `^egw_federation_alarms_total\\{region="cn-320500",reason="${reason}"\\} (\\d+)$`,
      'm',
    );
    return Number(line.exec(metrics)?.[1] ?? 0);
  }

  async function decideThrough(
    mode: ProxyMode,
    body: VerificationRequest = household(),
  ): Promise<{ decision: Decision; ms: number }> {
    proxy.mode = mode;
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      const text = String(chunk);
      if (text.includes('"event":"peer_facts_unavailable"')) alarms.push(text);
      else write(chunk);
      return true;
    });
    const started = performance.now();
    const response = await regions.nanjing.verify(body);
    const ms = performance.now() - started;
    expect(response.status).toBe(201);
    return { decision: (await response.json()) as Decision, ms };
  }

  it('works through the proxy when it only forwards (the control case); a token answers one question only', async () => {
    const { decision } = await decideThrough('pass');
    expect(decision.outcome).toBe('ineligible');
    expect(alarms).toEqual([]);
    const replayed = await fetch(`${regions.suzhou.url}/v1/federation/facts`, {
      method: 'POST',
      headers: { authorization: proxy.lastAuthorization, 'content-type': 'application/json' },
      body: JSON.stringify({
        purpose: 'legal_aid_eligibility',
        consentReference: 'CONSENT-REPLAY',
        decisionId: decision.id,
        queries: [{ source: 'hrss', subjects: [bystander] }],
      }),
    });
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('content-type')).toContain('application/problem+json');
    expect(await replayed.text()).not.toContain(bystander);
    expect(regions.suzhou.sandboxes.requestLog().flatMap((r) => r.subjects)).not.toContain(bystander);
  });

  it('refuses a client token of an intake system on the peer route', async () => {
    const response = await fetch(`${regions.suzhou.url}/v1/federation/facts`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await regions.suzhou.token()}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        purpose: 'legal_aid_eligibility',
        consentReference: 'CONSENT-CLIENT',
        decisionId: 'not-a-peer',
        queries: [{ source: 'hrss', subjects: [member] }],
      }),
    });
    expect(response.status).toBe(401);
  });

  it.each([
    ['untrusted_key', 'bad_signature'],
    ['forge_receipt', 'bad_receipt'],
    ['timeout', 'timeout'],
    ['altered_question', 'refused'],
    ['unasked_subject', 'unasked_subject'],
    ['drop_source', 'malformed'],
    ['untrusted_asker', 'refused'],
  ] as const)('%s: unavailable, an alarm (%s), never ineligible', async (mode, reason) => {
    const before = await alarmCount(reason);
    const { decision, ms } = await decideThrough(mode);
    expect(decision.outcome).toBe('needs_review');
    expect(decision.basis.map((b) => b.rule)).toContain('missing_evidence');
    const peer = decision.evidence.filter((e) => e.via !== undefined);
    expect(peer.map((e) => [e.source, e.status, e.region])).toEqual([
      ['civil_affairs', 'unavailable', 'cn-320500'],
      ['hrss', 'unavailable', 'cn-320500'],
    ]);
    expect(peer.every((e) => e.receipt === undefined && e.digest === '')).toBe(true);
    // The same deadline as any registry: a peer that never answers costs at most that.
    expect(ms).toBeLessThan(DEADLINE_MS + 1500);
    expect(alarms).toHaveLength(1);
    const alarm = JSON.parse(alarms[0] ?? '{}') as Record<string, unknown>;
    expect(alarm).toMatchObject({
      level: 'alarm',
      event: 'peer_facts_unavailable',
      region: 'cn-320500',
      via: regions.suzhou.origin,
      reason,
    });
    for (const id of [member, bystander]) expect(alarms[0]).not.toContain(id);
    expect(await alarmCount(reason)).toBe(before + 1);
  });

  it('re-verification asks the peer again once it answers, and the successor uses its facts', async () => {
    const committed = {
      ...household(),
      declaration: { monthlyHouseholdIncome: 4000, integrityCommitment: true },
    };
    const { decision: first } = await decideThrough('timeout', committed);
    expect([first.outcome, first.provisional]).toEqual(['eligible', true]);
    proxy.mode = 'pass';
    await regions.nanjing.gateway.reverification.runOnce();
    const token = await regions.nanjing.token();
    const read = async (id: string) =>
      (await (
        await fetch(`${regions.nanjing.url}/v1/verifications/${id}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as Decision;
    const successorId = (await read(first.id)).supersededBy;
    expect(successorId).toBeDefined();
    const successor = await read(successorId ?? '');
    // Suzhou's fact now counts: (2000 + 3200) / 2 = 2600 is above 2490.
    expect(successor.basis.find((b) => b.rule === 'income_test')?.explanation).toContain('CNY 2600');
    // Against the provisional grant: a person decides (arts. 41, 48), so needs_review, flagged.
    expect([successor.outcome, successor.reviewRequired]).toEqual(['needs_review', true]);
    expect(successor.basis.map((b) => b.rule)).toContain('possible_false_declaration');
    const peer = successor.evidence.filter((e) => e.via !== undefined);
    expect(peer.map((e) => [e.source, e.status, e.region])).toEqual([
      ['civil_affairs', 'not_found', 'cn-320500'],
      ['hrss', 'found', 'cn-320500'],
    ]);
    expect(peer.every((e) => e.receipt?.logOrigin === regions.suzhou.origin)).toBe(true);
  });
});
