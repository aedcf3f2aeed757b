/**
 * Issue 16 on Workers, both ways: a Nanjing gateway on local workerd (D1, the Durable Object
 * sequencer) asks a Suzhou gateway on Node through the fetch transport, and a Suzhou gateway on
 * workerd answers a Nanjing gateway on Node, with its accesses in its own data tracker. Each
 * with its own stack (REGION and PEERS set), beside the suite's shared one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Decision, Fixtures } from '../../../schemas/index.ts';
import { peerEvidenceItem, verifyPeerReceipt } from '../../../src/audit/verify-peer-receipt.ts';
import {
  household,
  member,
  NANJING,
  provenLeaf,
  SUZHOU,
  servedPeerEntry,
} from '../../support/federation-cases.ts';
import { prepareRegion, type RegionGateway, runRegion } from '../../support/federation-harness.ts';
import { mintDevToken } from '../../support/tokens.ts';
import { startWorkersStack, type WorkersStack } from './workers-stack.ts';

const NANJING_ORIGIN = 'cn-320100.workers.test/log';

/**
 * A gateway on workerd for `region` (its own log origin and fixtures) beside a gateway on Node for
 * the other region, each listing the other as its peer; closed together.
 */
async function workersBesideNodePeer(
  own: { region: string; origin: string; fixtures: unknown },
  peer: { region: string; fixtures: Parameters<typeof prepareRegion>[1] },
): Promise<{ stack: WorkersStack; node: RegionGateway; close(): Promise<void> }> {
  const prepared = await prepareRegion(peer.region, peer.fixtures);
  const stack = await startWorkersStack({
    logOrigin: own.origin,
    fixtures: Fixtures.parse(own.fixtures),
    vars: { REGION: own.region, PEERS: JSON.stringify({ peers: [prepared.entry] }) },
  });
  let node: RegionGateway;
  try {
    node = await runRegion(prepared, [await servedPeerEntry(own.region, stack.url, own.origin)], 5000);
  } catch (error) {
    await stack.close();
    throw error;
  }
  return {
    stack,
    node,
    async close() {
      await node.gateway.close();
      await node.sandboxes.close();
      await stack.close();
    },
  };
}

describe('a Nanjing gateway on Workers with a Suzhou peer', () => {
  let stack: WorkersStack;
  let suzhou: RegionGateway;
  let close: (() => Promise<void>) | undefined;
  let decision: Decision;

  beforeAll(async () => {
    ({
      stack,
      node: suzhou,
      close,
    } = await workersBesideNodePeer(
      { region: 'cn-320100', origin: NANJING_ORIGIN, fixtures: NANJING },
      { region: 'cn-320500', fixtures: SUZHOU },
    ));
    const token = await mintDevToken(stack.dataDir, ['verifications:write'], 'intake-a');
    const response = await fetch(`${stack.url}/v1/verifications`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': `workers-federation-${Date.now()}`,
        'accept-language': 'en',
      },
      body: JSON.stringify(household()),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    decision = (await response.json()) as Decision;
  });
  afterAll(async () => {
    await close?.();
  });

  it("decides under Nanjing's policy with Suzhou's signed facts, whose receipt Suzhou's log key proves", () => {
    const alarms = stack
      .output()
      .split('\n')
      .filter((l) => l.includes('peer_facts_unavailable'));
    expect(alarms).toEqual([]);
    expect(decision.policy.id).toBe('cn-320100');
    const peer = decision.evidence.filter((e) => e.via !== undefined);
    expect(peer.map((e) => [e.source, e.status, e.region, e.receipt?.logOrigin])).toEqual([
      ['civil_affairs', 'not_found', 'cn-320500', suzhou.origin],
      ['hrss', 'found', 'cn-320500', suzhou.origin],
    ]);
    const item = peerEvidenceItem(peer[1]);
    expect(item && verifyPeerReceipt(item, suzhou.entry.logKey).ok).toBe(true);
    // Nanjing's own HRSS needs the mTLS binding local workerd lacks (registries.test.ts): the
    // applicant's record is unavailable, so review, never ineligible.
    expect(decision.evidence.find((e) => e.source === 'hrss' && e.via === undefined)?.status).toBe(
      'unavailable',
    );
    expect(decision.outcome).toBe('needs_review');
  });

  it("reaches Suzhou's registries only through the Suzhou gateway", () => {
    expect(new Set(suzhou.sandboxes.requestLog().flatMap((r) => r.subjects))).toEqual(new Set([member]));
  });
});

describe('a Suzhou gateway on Workers answering a Nanjing peer', () => {
  const SUZHOU_ORIGIN = 'cn-320500.workers.test/log';
  let stack: WorkersStack;
  let nanjing: RegionGateway;
  let close: (() => Promise<void>) | undefined;
  let decision: Decision;

  beforeAll(async () => {
    ({
      stack,
      node: nanjing,
      close,
    } = await workersBesideNodePeer(
      { region: 'cn-320500', origin: SUZHOU_ORIGIN, fixtures: SUZHOU },
      { region: 'cn-320100', fixtures: NANJING },
    ));
    const response = await nanjing.verify(household());
    expect(response.status).toBe(201);
    decision = (await response.json()) as Decision;
  });
  afterAll(async () => {
    await close?.();
  });

  it("answers from its own registries, logged in the Durable Object's log (HRSS: no mTLS binding locally)", () => {
    const peer = decision.evidence.filter((e) => e.via !== undefined);
    expect(peer.map((e) => [e.source, e.status, e.region, e.receipt?.logOrigin])).toEqual([
      ['civil_affairs', 'not_found', 'cn-320500', SUZHOU_ORIGIN],
      ['hrss', 'unavailable', 'cn-320500', SUZHOU_ORIGIN],
    ]);
    expect(decision.outcome).toBe('needs_review');
  });

  it("shows the access in Suzhou's data tracker on D1, each leaf proven from its own log", async () => {
    const token = await mintDevToken(stack.dataDir, ['subjects:read'], 'tracker');
    const response = await fetch(`${stack.url}/v1/subjects/access`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ idNumber: member }),
    });
    expect(response.status).toBe(200);
    const { entries } = (await response.json()) as {
      entries: { source?: string; status?: string; logIndex: number }[];
    };
    expect(entries.map((e) => [e.source, e.status])).toEqual([
      ['civil_affairs', 'not_found'],
      ['hrss', 'unavailable'],
    ]);
    const logKey = (await (await fetch(`${stack.url}/v1/log/key`)).text()).trim();
    for (const { logIndex } of entries) {
      const leaf = await provenLeaf({ url: stack.url, origin: SUZHOU_ORIGIN, logKey }, logIndex);
      expect(leaf).toMatchObject({ kind: 'access' });
    }
  });
});
