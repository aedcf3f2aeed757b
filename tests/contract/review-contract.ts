/**
 * Contract: `POST /v1/verifications/{id}/reviews` (issue 13, human review). A reviewer's
 * outcome is a new signed decision that supersedes the reviewed one, with a receipt like any
 * other and a `supersession` leaf in the log that binds both decisions and holds no personal
 * data, no note and no plaintext reviewer id.
 */
import type { JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../schemas/decision.ts';
import { REVIEW_REASON_CODES } from '../../schemas/review.ts';
import { fromBase64 } from '../../src/core/encoding.ts';
import {
  type ContractClient,
  contractClient,
  expectDecision,
  expectProblem,
  hasChinese,
  type TextResponse,
} from './contract-client.ts';
import type { ContractTarget, TargetSource } from './contract-target.ts';
import { findPersonalData } from './personal-data.ts';
import { verifyDecision } from './verify-decision.ts';

const NOTE = 'Called the applicant; payslips for the last six months match the registry.';

/** @example describeReviewContract(() => target); */
export function describeReviewContract(source: TargetSource): void {
  describe('contract: a human review supersedes a decision', () => {
    let target: ContractTarget;
    let client: ContractClient;
    let requesterId: string;
    let reviewerId: string;
    let requesterToken: string;
    let readerToken: string;
    let reviewerToken: string;
    let original: Decision;
    let reviewedResponse: TextResponse;
    let reviewed: Decision;

    const postReview = async (
      id: string,
      body: unknown,
      token: string,
      language: 'en' | 'zh-CN' = 'en',
    ): Promise<TextResponse> => {
      const fetchFn = target.fetch ?? fetch;
      const response = await fetchFn(`${target.baseUrl}/v1/verifications/${encodeURIComponent(id)}/reviews`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'accept-language': language,
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, headers: response.headers, text: await response.text() };
    };
    const review = { outcome: 'eligible', reasonCode: 'declaration_verified', note: NOTE };

    beforeAll(async () => {
      target = source();
      client = contractClient(target);
      requesterId = `contract-review-intake-${crypto.randomUUID()}`;
      reviewerId = `contract-review-desk-${crypto.randomUUID()}`;
      requesterToken = await target.mintToken(['verifications:write'], requesterId);
      readerToken = await target.mintToken(['verifications:read'], requesterId);
      reviewerToken = await target.mintToken(['reviews:write', 'audit:read'], reviewerId);
      original = expectDecision(await client.post(target.requests[1], { token: requesterToken }), 201);
      reviewedResponse = await postReview(original.id, review, reviewerToken);
      reviewed = expectDecision(reviewedResponse, 201);
    });

    it('publishes a closed list of reason codes', () => {
      expect(REVIEW_REASON_CODES).toContain('declaration_verified');
    });

    it('refuses a token without reviews:write with 403', async () => {
      const token = await target.mintToken(['audit:read', 'verifications:read'], reviewerId);
      const response = await postReview(original.id, review, token);
      expectProblem(target, response, 403, 'ERR_FORBIDDEN');
    });

    it('refuses the client that asked for the decision with 403', async () => {
      const token = await target.mintToken(['reviews:write', 'audit:read'], requesterId);
      const response = await postReview(original.id, review, token, 'zh-CN');
      expectProblem(target, response, 403, 'ERR_FORBIDDEN', 'zh-CN');
    });

    it('answers 404 for another client’s decision to a reviewer without audit:read', async () => {
      const token = await target.mintToken(['reviews:write'], `contract-review-other-${crypto.randomUUID()}`);
      expectProblem(target, await postReview(original.id, review, token), 404, 'ERR_NOT_FOUND');
      expectProblem(
        target,
        await postReview('no-such-decision', review, reviewerToken),
        404,
        'ERR_NOT_FOUND',
      );
    });

    it('refuses a reason code off the published list, a control character or an overlong note with 400', async () => {
      const cases = [
        { ...review, reasonCode: 'felt_like_it' },
        { ...review, note: 'line one\nline two' },
        { ...review, note: 'bell \u0007' },
        { ...review, note: 'x'.repeat(2001) },
        { ...review, outcome: 'maybe' },
      ];
      for (const body of cases) {
        const problem = expectProblem(
          target,
          await postReview(original.id, body, reviewerToken),
          400,
          'ERR_VALIDATION',
        );
        expect(problem.errors?.length ?? 0).toBeGreaterThan(0);
      }
    });

    it('answers a new signed decision that supersedes the reviewed one', () => {
      expect(reviewed.id).not.toBe(original.id);
      expect(reviewed.supersedes).toBe(original.id);
      expect(reviewed.reviewRequired).toBe(false);
      expect(reviewed.provisional).toBe(false);
      expect(reviewed.outcome).toBe('eligible');
      expect(reviewed.supersededBy).toBeUndefined();
      expect(reviewedResponse.headers.get('location')).toBe(`/v1/verifications/${reviewed.id}`);
      const [basis] = reviewed.basis;
      expect(basis?.rule).toBe('human_review');
      expect(basis?.explanations?.en).toContain(original.id);
      expect(basis?.explanations?.en).toContain('declaration was verified');
      expect(hasChinese(basis?.explanations?.['zh-CN'] ?? '')).toBe(true);
      expect(reviewedResponse.text).not.toContain(NOTE);
      expect(reviewedResponse.text).not.toContain(reviewerId);
    });

    it('reads the reviewed decision back with supersededBy, and the new one unchanged', async () => {
      const old = expectDecision(
        await client.get(`/v1/verifications/${original.id}`, { token: readerToken }),
        200,
      );
      expect(old.supersededBy).toBe(reviewed.id);
      expect({ ...old, supersededBy: undefined }).toEqual({ ...original, supersededBy: undefined });
      const again = await client.get(`/v1/verifications/${reviewed.id}`, { token: readerToken });
      expect(again.text).toBe(reviewedResponse.text);
    });

    it('signs the reviewed decision and gives it a receipt that verifies', async () => {
      const fetchFn = target.fetch ?? fetch;
      const jwks = (await (await fetchFn(`${target.baseUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
      const logKey = (await (await fetchFn(`${target.baseUrl}/v1/log/key`)).text()).trim();
      const raw = JSON.parse(reviewedResponse.text) as Record<string, unknown>;
      const verified = await verifyDecision(raw, reviewed, jwks, logKey);
      expect(verified.leaf).toMatchObject({ kind: 'decision', decisionId: reviewed.id });
      expect(findPersonalData(verified.leafText, target.people)).toEqual([]);
    });

    it('writes a supersession leaf binding both decisions, with no personal data, note or reviewer id', async () => {
      const fetchFn = target.fetch ?? fetch;
      const index = reviewed.receipt.leafIndex + 1;
      const response = await fetchFn(`${target.baseUrl}/v1/log/entries?start=${index}&end=${index + 1}`);
      expect(response.status).toBe(200);
      const { entries } = (await response.json()) as { entries: { index: number; leaf: string }[] };
      expect(entries).toHaveLength(1);
      const text = new TextDecoder().decode(fromBase64(entries[0]?.leaf ?? ''));
      const leaf = JSON.parse(text) as Record<string, unknown>;
      expect(leaf).toMatchObject({
        kind: 'supersession',
        supersededId: original.id,
        supersededLeaf: original.receipt.leafIndex,
        decisionId: reviewed.id,
        decisionLeaf: reviewed.receipt.leafIndex,
        reasonCode: 'declaration_verified',
      });
      expect(leaf.reviewer).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(findPersonalData(text, target.people, [NOTE, 'payslips', reviewerId, requesterId])).toEqual([]);
    });

    it('answers 409 to a second review of the same decision', async () => {
      const response = await postReview(original.id, { ...review, outcome: 'ineligible' }, reviewerToken);
      expectProblem(target, response, 409, 'ERR_ALREADY_SUPERSEDED');
      const other = await target.mintToken(
        ['reviews:write', 'audit:read'],
        `contract-review-second-${crypto.randomUUID()}`,
      );
      expectProblem(target, await postReview(original.id, review, other), 409, 'ERR_ALREADY_SUPERSEDED');
    });
  });
}
