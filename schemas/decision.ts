import { z } from 'zod';
import { DateTime, EvidenceKind } from './common.ts';

export const RULE_IDS = [
  'criminal_assignment',
  'no_economic_condition',
  'matter_out_of_scope',
  'social_assistance',
  'migrant_worker',
  'specific_group',
  'disability_commitment_group',
  'income_test',
  'missing_evidence',
  'green_channel',
  'declaration_mismatch',
  'parameter_review_overdue',
] as const;
export const RuleId = z.enum(RULE_IDS);
export type RuleId = z.infer<typeof RuleId>;

/** The basis a reviewed decision gives: a person decided, not a rule of the policy. */
export const REVIEW_RULE = 'human_review' as const;

/**
 * The bases a re-verified decision adds to the policy's: `reverification` (which registries
 * were asked again, and which decision this replaces), `reverification_window_closed` (they
 * never answered: a person decides) and `possible_false_declaration` (the registries contradict
 * the declaration a provisional grant rested on: arts. 41 and 48, a person decides).
 */
export const REVERIFICATION_RULES = [
  'reverification',
  'reverification_window_closed',
  'possible_false_declaration',
] as const;

export const OUTCOMES = ['eligible', 'ineligible', 'needs_review'] as const;
export const EVIDENCE_STATUSES = [
  'found',
  'not_found',
  'unavailable',
  'not_queried',
  'out_of_scope',
] as const;

export const Basis = z.object({
  rule: z.enum([...RULE_IDS, REVIEW_RULE, ...REVERIFICATION_RULES]),
  citation: z.string(),
  explanation: z
    .string()
    .meta({ description: 'A sentence a clerk can read to the applicant, in the language asked for.' }),
  explanations: z.object({ 'zh-CN': z.string(), en: z.string() }).optional(),
});

export const Evidence = z.object({
  source: EvidenceKind.meta({
    description:
      'civil_affairs | hrss | disability, or the kind of an active partner registry the consent covers (e.g. housing_fund).',
  }),
  status: z.enum(EVIDENCE_STATUSES),
  facts: z.record(z.string(), z.unknown()).meta({ description: 'Only what the decision used.' }),
  digest: z.string().meta({
    description: 'sha256 (base64url) of the canonical registry answer; empty string when nothing was asked.',
  }),
  region: z.string().optional().meta({
    description:
      'Issue 16: the region (policy code, e.g. cn-320500) whose registries answered, when another region’s gateway was asked.',
  }),
  via: z.string().optional().meta({
    description: 'Issue 16: the log origin of the peer gateway that answered (and logged the access).',
  }),
  get receipt() {
    return Receipt.optional().meta({
      description:
        'Issue 16: the peer gateway’s receipt for its access leaf, which commits to `digest` (its signed answer).',
    });
  },
});
export type Evidence = z.infer<typeof Evidence>;

export const PolicyRef = z.object({ id: z.string(), version: z.string(), digest: z.string() });

export const Receipt = z
  .object({
    logOrigin: z.string(),
    leafIndex: z.number().int().nonnegative(),
    leaf: z.string().meta({ description: 'base64 of the canonical leaf bytes' }),
    checkpoint: z.string().meta({ description: 'C2SP signed-note checkpoint' }),
    inclusionProof: z
      .array(z.string())
      .meta({ description: 'base64 RFC 9162 hashes from the leaf to the checkpoint root' }),
  })
  .meta({ id: 'Receipt' });
export type Receipt = z.infer<typeof Receipt>;

/** The decision as signed: everything but `signature` and `receipt`. */
export const SignedDecision = z.object({
  id: z.string(),
  outcome: z.enum(OUTCOMES),
  provisional: z.boolean(),
  greenChannel: z.boolean(),
  decidedAt: DateTime,
  decisionDate: z.string(),
  region: z.string(),
  basis: z.array(Basis),
  policy: PolicyRef,
  evidence: z.array(Evidence),
  supersedes: z.string().optional().meta({
    description: 'The id of the decision this one replaces (after a human review or a re-verification).',
  }),
  reviewRequired: z
    .boolean()
    .optional()
    .meta({ description: 'A person must still act on this decision; false once a reviewer decided.' }),
});
export type SignedDecision = z.infer<typeof SignedDecision>;

export const Decision = SignedDecision.extend({
  signature: z
    .string()
    .meta({ description: 'compact JWS over the canonical decision (without signature and receipt)' }),
  receipt: Receipt,
  supersededBy: z.string().optional().meta({
    description: 'Read-time, unsigned (like the receipt): the id of the decision that replaced this one.',
  }),
}).meta({ id: 'Decision' });
export type Decision = z.infer<typeof Decision>;
