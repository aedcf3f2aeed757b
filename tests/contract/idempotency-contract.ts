/**
 * Contract: idempotent replay returns the identical signed decision, also when the copies
 * arrive at once; the same key with another body is 409 and changes nothing; a client reads only its own decisions (404
 * otherwise, indistinguishable from a missing one) unless its token has `audit:read`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { VerificationRequest } from '../../schemas/index.ts';
import {
  type ContractClient,
  contractClient,
  expectDecision,
  expectProblem,
  freshKey,
} from './contract-client.ts';
import type { ContractTarget, TargetSource } from './contract-target.ts';

/** @example describeIdempotencyContract(() => target); */
export function describeIdempotencyContract(source: TargetSource): void {
  describe('contract: idempotency and ownership', () => {
    let target: ContractTarget;
    let client: ContractClient;
    let request: VerificationRequest;
    let a: { writer: string; reader: string; clientId: string };
    let b: { writer: string; reader: string; auditor: string; clientId: string };

    beforeAll(async () => {
      target = source();
      client = contractClient(target);
      const run = crypto.randomUUID();
      const clientA = `contract-a-${run}`;
      const clientB = `contract-b-${run}`;
      a = {
        clientId: clientA,
        writer: await target.mintToken(['verifications:write'], clientA),
        reader: await target.mintToken(['verifications:read'], clientA),
      };
      b = {
        clientId: clientB,
        writer: await target.mintToken(['verifications:write'], clientB),
        reader: await target.mintToken(['verifications:read'], clientB),
        auditor: await target.mintToken(['audit:read'], clientB),
      };
      const first = target.requests[1];
      if (!first) throw new Error('the target needs at least four requests');
      request = first;
    });

    it('a replay answers 200 with the identical signed decision; 201 only the first time', async () => {
      const key = freshKey('replay');
      const first = await client.post(request, { token: a.writer, key });
      const created = expectDecision(first, 201);
      const second = await client.post(request, { token: a.writer, key });
      const replayed = expectDecision(second, 200);
      expect(replayed.id).toBe(created.id);
      expect(replayed.signature).toBe(created.signature);
      expect(second.text).toBe(first.text);
      // The same JSON written differently is the same body.
      const reordered = JSON.stringify(Object.fromEntries(Object.entries(request).reverse()), null, 2);
      const third = await client.post(reordered, { token: a.writer, key, language: 'zh-CN' });
      expect(expectDecision(third, 200).id).toBe(created.id);
      expect(third.text).toBe(first.text);
    });

    it('the same key with another body is 409 and leaves the first decision as it was', async () => {
      const key = freshKey('conflict');
      const first = await client.post(request, { token: a.writer, key });
      expectDecision(first, 201);
      const other = {
        ...request,
        declaration: {
          ...request.declaration,
          monthlyHouseholdIncome: request.declaration.monthlyHouseholdIncome + 1,
        },
      };
      for (const language of ['en', 'zh-CN'] as const) {
        const conflict = await client.post(other, { token: a.writer, key, language });
        expectProblem(target, conflict, 409, 'ERR_IDEMPOTENCY_CONFLICT', language);
      }
      const again = await client.post(request, { token: a.writer, key });
      expectDecision(again, 200);
      expect(again.text).toBe(first.text);
    });

    it('the same key and body sent five times at once make one decision: one 201, four identical 200s', async () => {
      const key = freshKey('race');
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => client.post(request, { token: a.writer, key })),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
      const decisions = answers.map((r) => expectDecision(r, r.status === 201 ? 201 : 200));
      expect(new Set(decisions.map((d) => d.id)).size).toBe(1);
      expect(new Set(decisions.map((d) => d.signature)).size).toBe(1);
      expect(new Set(decisions.map((d) => d.receipt.leafIndex)).size).toBe(1);
    });

    it('the same key with two bodies at once: one decision, the other body 409', async () => {
      const key = freshKey('race-conflict');
      const other = {
        ...request,
        declaration: {
          ...request.declaration,
          monthlyHouseholdIncome: request.declaration.monthlyHouseholdIncome + 2,
        },
      };
      const answers = await Promise.all([
        client.post(request, { token: a.writer, key }),
        client.post(other, { token: a.writer, key }),
      ]);
      expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
      const loser = answers.find((r) => r.status === 409);
      if (loser) expectProblem(target, loser, 409, 'ERR_IDEMPOTENCY_CONFLICT');
    });

    it("keys are per client: another client's same key and body is a decision of its own", async () => {
      const key = freshKey('per-client');
      const mine = expectDecision(await client.post(request, { token: a.writer, key }), 201);
      const theirs = expectDecision(await client.post(request, { token: b.writer, key }), 201);
      expect(theirs.id).not.toBe(mine.id);
    });

    it("another client's decision is 404, exactly like a missing one; audit:read reads it", async () => {
      const created = await client.post(request, { token: a.writer });
      const decision = expectDecision(created, 201);

      const own = await client.get(`/v1/verifications/${decision.id}`, { token: a.reader });
      expect(own.status).toBe(200);
      expect(own.text).toBe(created.text);

      for (const language of ['en', 'zh-CN'] as const) {
        const foreign = await client.get(`/v1/verifications/${decision.id}`, { token: b.reader, language });
        const missing = await client.get(`/v1/verifications/${crypto.randomUUID()}`, {
          token: b.reader,
          language,
        });
        expectProblem(target, foreign, 404, 'ERR_NOT_FOUND', language);
        expectProblem(target, missing, 404, 'ERR_NOT_FOUND', language);
        expect(foreign.text).toBe(missing.text);
      }

      const audited = await client.get(`/v1/verifications/${decision.id}`, { token: b.auditor });
      expect(audited.status).toBe(200);
      expect(audited.text).toBe(created.text);
    });
  });
}
