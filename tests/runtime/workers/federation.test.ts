/**
 * Issue 16 on Workers: a Nanjing gateway on local workerd (D1, the Durable Object sequencer)
 * asks a Suzhou gateway (Node, loopback) through the fetch transport about a household member
 * registered in Suzhou; Suzhou asks the Worker nothing it does not trust. Its own stack, with
 * REGION and PEERS set, beside the suite's shared one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerGateway } from '../../../schemas/federation.ts';
import { type Decision, Fixtures } from '../../../schemas/index.ts';
import { peerEvidenceItem, verifyPeerReceipt } from '../../../src/audit/verify-peer-receipt.ts';
import { household, member, NANJING, SUZHOU } from '../../support/federation-cases.ts';
import { prepareRegion, type RegionGateway, runRegion } from '../../support/federation-harness.ts';
import { mintDevToken } from '../../support/tokens.ts';
import { startWorkersStack, type WorkersStack } from './workers-stack.ts';

const NANJING_ORIGIN = 'cn-320100.workers.test/log';

describe('a Nanjing gateway on Workers with a Suzhou peer', () => {
  let stack: WorkersStack;
  let suzhou: RegionGateway;
  let decision: Decision;

  beforeAll(async () => {
    const prepared = await prepareRegion('cn-320500', SUZHOU);
    stack = await startWorkersStack({
      logOrigin: NANJING_ORIGIN,
      fixtures: Fixtures.parse(NANJING),
      vars: { REGION: 'cn-320100', PEERS: JSON.stringify({ peers: [prepared.entry] }) },
    });
    const nanjing: PeerGateway = {
      region: 'cn-320100',
      baseUrl: stack.url,
      logOrigin: NANJING_ORIGIN,
      logKey: (await (await fetch(`${stack.url}/v1/log/key`)).text()).trim(),
      jwks: (await (await fetch(`${stack.url}/.well-known/jwks.json`)).json()) as PeerGateway['jwks'],
    };
    suzhou = await runRegion(prepared, [nanjing], 5000);
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
    await suzhou?.gateway.close();
    await suzhou?.sandboxes.close();
    await stack?.close();
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
