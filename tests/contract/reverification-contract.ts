/**
 * Contract: re-verification (issue 13). A decision left provisional because a registry was
 * unavailable is queued in its own write set; while the registry stays down a pass writes
 * nothing; once it answers, a pass writes a signed successor that supersedes the provisional
 * decision, with a receipt that verifies. The queue routes need reverifications:admin.
 */
import type { JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../schemas/decision.ts';
import { makeIdNumber } from '../../schemas/id-number.ts';
import type { Fixtures, VerificationRequest } from '../../schemas/index.ts';
import { type ContractClient, contractClient, expectDecision, expectProblem } from './contract-client.ts';
import type { ContractTarget, TargetSource } from './contract-target.ts';
import { verifyDecision } from './verify-decision.ts';

interface PassResult {
  pending: number;
  taken: number;
  superseded: number;
  deferred: number;
}

/** A synthetic person only civil affairs knows: on minimum living allowance since 2024. */
const ASSISTED = makeIdNumber('320113', '1968-11-05', 417);

/**
 * The fixtures with the person the re-verification contract asks about added (the populations
 * the generator makes hold few with active assistance).
 * @example const fixtures = withAssistedPerson(generatePopulation({ seed, size: 40 }));
 */
export function withAssistedPerson(fixtures: Fixtures): Fixtures {
  return {
    ...fixtures,
    persons: [...fixtures.persons, { idNumber: ASSISTED, name: '测试救助', district: '320113' }],
    civilAffairs: [
      ...fixtures.civilAffairs,
      { idNumber: ASSISTED, programme: 'minimum_living_allowance', status: 'active', since: '2024-01-01' },
    ],
  };
}

/**
 * A request civil affairs alone decides (active assistance on the decision date), with only civil
 * affairs in the consent: while civil affairs is unavailable the decision is provisional, and
 * re-verification can settle it.
 * @example const request = assistedRequest(fixtures, (i) => requestFor(fixtures, i));
 */
export function assistedRequest(
  fixtures: Pick<Fixtures, 'persons'>,
  requestAbout: (index: number) => VerificationRequest,
): VerificationRequest {
  const index = fixtures.persons.findIndex((p) => p.idNumber === ASSISTED);
  if (index < 0) throw new Error('the fixtures lack the assisted person: use withAssistedPerson');
  const base = requestAbout(index);
  return {
    ...base,
    decisionDate: '2025-06-30',
    declaration: { ...base.declaration, integrityCommitment: true },
    consent: { ...base.consent, scopes: ['civil_affairs'] },
  };
}

/** @example describeReverificationContract(() => target); */
export function describeReverificationContract(source: TargetSource): void {
  describe('contract: re-verification supersedes a provisional decision', () => {
    let target: ContractTarget;
    let client: ContractClient;
    let admin: string;
    let reader: string;
    let provisional: Decision;

    const run = async (token: string) => client.request('POST', '/v1/reverifications/run', { token });

    beforeAll(async () => {
      target = source();
      client = contractClient(target);
      const lifecycle = target.lifecycle ?? expect.unreachable('the target must control registry faults');
      const clientId = `contract-reverify-${crypto.randomUUID()}`;
      admin = await target.mintToken(['reverifications:admin'], `contract-operator-${crypto.randomUUID()}`);
      reader = await target.mintToken(['verifications:read'], clientId);
      const writer = await target.mintToken(['verifications:write'], clientId);
      const { idNumber } = lifecycle.request.applicant;
      await lifecycle.setFaults([{ source: 'civil_affairs', idNumber, mode: 'error' }]);
      provisional = expectDecision(await client.post(lifecycle.request, { token: writer }), 201);
    });

    it('gives a provisional decision while the registry is unavailable, and queues it', async () => {
      expect(provisional).toMatchObject({ outcome: 'eligible', provisional: true });
      expect(provisional.evidence.find((e) => e.source === 'civil_affairs')?.status).toBe('unavailable');
      const status = await client.get('/v1/reverifications', { token: admin });
      expect(status.status).toBe(200);
      expect((JSON.parse(status.text) as { pending: number }).pending).toBeGreaterThanOrEqual(1);
    });

    it('writes nothing while the registry stays down', async () => {
      const pass = await run(admin);
      expect(pass.status).toBe(200);
      expect((JSON.parse(pass.text) as PassResult).deferred).toBeGreaterThanOrEqual(1);
      const read = expectDecision(
        await client.get(`/v1/verifications/${provisional.id}`, { token: reader }),
        200,
      );
      expect(read.supersededBy).toBeUndefined();
    });

    it('supersedes it with a final, signed decision once the registry answers', async () => {
      await target.lifecycle?.setFaults([]);
      const pass = JSON.parse((await run(admin)).text) as PassResult;
      expect(pass.superseded).toBeGreaterThanOrEqual(1);
      const old = expectDecision(
        await client.get(`/v1/verifications/${provisional.id}`, { token: reader }),
        200,
      );
      expect(old.supersededBy).toBeDefined();
      const response = await client.get(`/v1/verifications/${old.supersededBy}`, { token: reader });
      const successor = expectDecision(response, 200);
      expect(successor).toMatchObject({
        supersedes: provisional.id,
        outcome: 'eligible',
        provisional: false,
        reviewRequired: false,
      });
      expect(successor.basis.map((b) => b.rule)).toEqual(
        expect.arrayContaining(['reverification', 'social_assistance']),
      );
      expect(successor.evidence.find((e) => e.source === 'civil_affairs')?.status).toBe('found');
      const fetchFn = target.fetch ?? fetch;
      const jwks = (await (await fetchFn(`${target.baseUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
      const logKey = (await (await fetchFn(`${target.baseUrl}/v1/log/key`)).text()).trim();
      const verified = await verifyDecision(JSON.parse(response.text), successor, jwks, logKey);
      expect(verified.leaf).toMatchObject({ kind: 'decision', decisionId: successor.id });
    });

    it('refuses the queue routes without reverifications:admin with 403', async () => {
      expectProblem(target, await client.get('/v1/reverifications', { token: reader }), 403, 'ERR_FORBIDDEN');
      expectProblem(target, await run(reader), 403, 'ERR_FORBIDDEN');
    });
  });
}
