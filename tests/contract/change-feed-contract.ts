/**
 * Contract: `GET /v1/verifications?changedSince=CURSOR` (issue 13), the change feed for
 * intake systems that poll: the caller's superseded and reviewed decisions in log order
 * (everyone's with `audit:read`), ids and outcomes only, an opaque cursor that pages and stays
 * put while nothing changes, and 400 for a cursor the gateway did not issue.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../schemas/decision.ts';
import { ChangeFeed } from '../../schemas/webhook.ts';
import { type ContractClient, contractClient, expectDecision, expectProblem } from './contract-client.ts';
import type { ContractTarget, TargetSource } from './contract-target.ts';
import { findPersonalData } from './personal-data.ts';

const NOTE = 'Checked the declaration against the payslips on file.';

/** @example describeChangeFeedContract(() => target); */
export function describeChangeFeedContract(source: TargetSource): void {
  describe('contract: the change feed', () => {
    let target: ContractTarget;
    let client: ContractClient;
    let writer: string;
    let reader: string;
    let reviewer: string;
    const originals: Decision[] = [];
    const reviewed: Decision[] = [];

    const review = async (decision: Decision): Promise<Decision> =>
      expectDecision(
        await client.sendJson(
          'POST',
          `/v1/verifications/${decision.id}/reviews`,
          { outcome: 'ineligible', reasonCode: 'income_over_line', note: NOTE },
          { token: reviewer },
        ),
        201,
      );
    const feed = async (query: string, token = reader): Promise<ChangeFeed & { text: string }> => {
      const response = await client.get(`/v1/verifications${query}`, { token });
      expect(response.status, response.text).toBe(200);
      return { ...ChangeFeed.parse(JSON.parse(response.text)), text: response.text };
    };

    beforeAll(async () => {
      target = source();
      client = contractClient(target);
      const clientId = `contract-feed-${crypto.randomUUID()}`;
      writer = await target.mintToken(['verifications:write'], clientId);
      reader = await target.mintToken(['verifications:read'], clientId);
      reviewer = await target.mintToken(
        ['reviews:write', 'audit:read'],
        `contract-feed-desk-${crypto.randomUUID()}`,
      );
      for (const request of target.requests.slice(2, 4))
        originals.push(expectDecision(await client.post(request, { token: writer }), 201));
      const [first] = originals;
      if (first) reviewed.push(await review(first));
    });

    it('lists the caller’s reviewed decision, ids and outcome only', async () => {
      const page = await feed('');
      expect(page.items).toEqual([
        {
          type: 'decision.reviewed',
          decisionId: reviewed[0]?.id,
          supersedes: originals[0]?.id,
          outcome: 'ineligible',
          reviewRequired: false,
          at: reviewed[0]?.decidedAt,
        },
      ]);
      expect(findPersonalData(page.text, target.people, [NOTE])).toEqual([]);
    });

    it('answers the same cursor while nothing changes, then the new change only', async () => {
      const { next } = await feed('');
      const idle = await feed(`?changedSince=${next}`);
      expect(idle).toMatchObject({ items: [], next });
      const second = originals[1];
      if (second) reviewed.push(await review(second));
      const page = await feed(`?changedSince=${next}`);
      expect(page.items.map((i) => [i.decisionId, i.supersedes])).toEqual([
        [reviewed[1]?.id, originals[1]?.id],
      ]);
      expect(page.next).not.toBe(next);
      expect((await feed(`?changedSince=${page.next}`)).items).toEqual([]);
    });

    it('pages with limit in log order', async () => {
      const one = await feed('?limit=1');
      expect(one.items.map((i) => i.decisionId)).toEqual([reviewed[0]?.id]);
      const two = await feed(`?limit=1&changedSince=${one.next}`);
      expect(two.items.map((i) => i.decisionId)).toEqual([reviewed[1]?.id]);
    });

    it('shows another client nothing of this one’s, and audit:read everyone’s', async () => {
      const other = await target.mintToken(
        ['verifications:read'],
        `contract-feed-other-${crypto.randomUUID()}`,
      );
      expect((await feed('', other)).items).toEqual([]);
      const auditor = await target.mintToken(['audit:read'], `contract-feed-auditor-${crypto.randomUUID()}`);
      let page = await feed('?limit=500', auditor);
      const seen = page.items.map((i) => i.decisionId);
      while (page.items.length === 500) {
        page = await feed(`?limit=500&changedSince=${page.next}`, auditor);
        seen.push(...page.items.map((i) => i.decisionId));
      }
      for (const decision of reviewed) expect(seen).toContain(decision.id);
    });

    it('refuses a cursor it did not issue, a bad limit (400) and a token without verifications:read (403)', async () => {
      for (const language of ['en', 'zh-CN'] as const) {
        for (const query of [
          '?changedSince=not-a-cursor!',
          '?changedSince=AAAA',
          '?changedSince=MDA',
          '?limit=0',
          '?limit=x',
        ])
          expectProblem(
            target,
            await client.get(`/v1/verifications${query}`, { token: reader, language }),
            400,
            'ERR_VALIDATION',
            language,
          );
      }
      expectProblem(target, await client.get('/v1/verifications', { token: writer }), 403, 'ERR_FORBIDDEN');
    });
  });
}
