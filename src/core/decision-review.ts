/**
 * A human review (issue 13): a reviewer's outcome becomes a NEW signed decision that
 * supersedes the reviewed one, committed through the same atomic write set as any decision,
 * with a `supersession` leaf binding both. The reviewer is never the client that asked.
 */
import { type Decision, REVIEW_RULE } from '../../schemas/decision.ts';
import { REVIEW_REASON_LABELS, type ReviewRequest } from '../../schemas/review.ts';
import { canonicalBytes } from './canonical-json.ts';
import type { DecisionStore } from './decision-store.ts';
import { digestOf, sha256 } from './digest.ts';
import { base64url } from './encoding.ts';
import { GatewayError } from './errors.ts';
import type { Language } from './policy/types.ts';
import type { Clock, Signer } from './ports.ts';

/** Legal Aid Law art. 43: the legal aid institution examines the application and decides. */
export const REVIEW_CITATION = '《中华人民共和国法律援助法》第四十三条';

export interface ReviewInput {
  readonly decisionId: string;
  /** From the token: `client_id`, else `sub`. */
  readonly reviewerId: string;
  /** The reviewer holds `audit:read` (may see other clients' decisions). */
  readonly audit: boolean;
  readonly review: ReviewRequest;
  readonly language: Language;
}

export interface ReviewDeps {
  readonly store: DecisionStore;
  readonly signer: Signer;
  readonly clock: Clock;
  readonly newId: () => string;
}

/**
 * The idempotency key a review commits under: one per reviewed decision, so two reviews of
 * the same decision meet in the store. The space keeps it apart from every Idempotency-Key a
 * client can send (printable ASCII without spaces).
 */
export function reviewKey(decisionId: string): string {
  return `review ${decisionId}`;
}

/**
 * @example
 * const reviewed = await reviewDecision({ store, signer, clock, newId }, { decisionId, reviewerId, audit, review, language: 'en' });
 */
export async function reviewDecision(deps: ReviewDeps, input: ReviewInput): Promise<Decision> {
  const { store, signer, clock } = deps;
  const stored = await store.get(input.decisionId);
  // Another client's decision answers exactly as a missing one, as on GET: no existence oracle.
  if (!stored || (!input.audit && stored.clientId !== input.reviewerId)) {
    throw new GatewayError('ERR_NOT_FOUND', 'no such decision');
  }
  if (stored.clientId === input.reviewerId) {
    throw new GatewayError('ERR_FORBIDDEN', 'the reviewer asked for this decision', {
      facts: { reason: 'reviewer_is_requester' },
    });
  }
  if (stored.supersededBy !== undefined) throw superseded();
  const request = await store.request(input.decisionId);
  if (!request) throw new GatewayError('ERR_NOT_FOUND', 'no such decision');

  const old = stored.decision;
  const now = clock.now();
  const label = REVIEW_REASON_LABELS[input.review.reasonCode];
  const explanations = {
    en: `A person reviewed decision ${old.id} and decided “${input.review.outcome}”: ${label.en}. This decision replaces it.`,
    'zh-CN': `经人工审查，原决定 ${old.id} 改为“${OUTCOME_ZH[input.review.outcome]}”，理由：${label['zh-CN']}。本决定取代原决定。`,
  };
  const signed = {
    id: deps.newId(),
    outcome: input.review.outcome,
    provisional: false,
    greenChannel: old.greenChannel,
    decidedAt: now.toISOString(),
    decisionDate: old.decisionDate,
    region: old.region,
    basis: [
      {
        rule: REVIEW_RULE,
        citation: REVIEW_CITATION,
        explanation: explanations[input.language],
        explanations,
      },
    ],
    policy: old.policy,
    evidence: old.evidence,
    supersedes: old.id,
    reviewRequired: false,
  };
  const payload = canonicalBytes(signed);
  const signature = await signer.sign(payload);
  const result = await store.commit({
    clientId: stored.clientId,
    idempotencyKey: reviewKey(old.id),
    requestDigest: digestOf({ review: input.review, reviewer: input.reviewerId }),
    request,
    decision: { ...signed, signature },
    payloadDigest: base64url(sha256(payload)),
    accesses: [],
    supersession: {
      cause: 'review',
      supersededId: old.id,
      supersededLeaf: old.receipt.leafIndex,
      reviewerId: input.reviewerId,
      reasonCode: input.review.reasonCode,
      note: input.review.note,
      at: now.toISOString(),
    },
  });
  // A replay or a conflict both mean the decision already has a successor.
  if (result.status !== 'committed') throw superseded();
  return result.decision;
}

const OUTCOME_ZH: Readonly<Record<Decision['outcome'], string>> = {
  eligible: '符合经济困难条件',
  ineligible: '不符合经济困难条件',
  needs_review: '需人工审查',
};

function superseded(): GatewayError {
  return new GatewayError('ERR_ALREADY_SUPERSEDED', 'the decision was already superseded');
}
