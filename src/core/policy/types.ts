/**
 * The contract between the verification service and a region's policy.
 * A policy is pure data plus pure functions: given the request, the decision date and
 * the evidence, it always gives the same decision (ARCHITECTURE.md invariant 5).
 */
import type { RuleId, Source, VerificationRequest } from '../../../schemas/index.ts';
import type { ErrorCode } from '../errors.ts';
import type { RecordsBySource } from '../ports.ts';

export type Language = 'zh-CN' | 'en';
export type Localized = Readonly<Record<Language, string>>;

/** What one registry contributed to a decision. */
export type SourceEvidence<R> =
  | { readonly status: 'answered'; readonly records: ReadonlyMap<string, readonly R[]> }
  | { readonly status: 'unavailable'; readonly code: ErrorCode }
  | { readonly status: 'out_of_scope' }
  | { readonly status: 'not_queried' };

export type EvidenceSet = { readonly [S in Source]: SourceEvidence<RecordsBySource[S]> };

/** One registry query the policy needs: which source, about whom (identity numbers). */
export interface PlannedQuery {
  readonly source: Source;
  readonly subjects: readonly string[];
}

/**
 * What the policy needs before it can decide.
 * `queries` lists only sources inside the consent; `outOfScope` the sources the policy
 * would need but the consent does not cover (never queried, recorded as `out_of_scope`).
 * A case settled before any query (criminal assignment, art. 32, out of scope matter)
 * has no queries and no outOfScope.
 */
export interface QueryPlan {
  readonly queries: readonly PlannedQuery[];
  readonly outOfScope: readonly Source[];
}

export interface BasisEntry {
  readonly rule: RuleId;
  readonly citation: string;
  readonly explanations: Localized;
}

export interface PolicyDecision {
  readonly outcome: 'eligible' | 'ineligible' | 'needs_review';
  readonly provisional: boolean;
  readonly greenChannel: boolean;
  /** Every rule that fired, in rule order, flags last. */
  readonly basis: readonly BasisEntry[];
  /** Per source, only the facts the decision used (no identity numbers or names: members by role/index). */
  readonly facts: Readonly<Partial<Record<Source, Readonly<Record<string, unknown>>>>>;
}

export interface Policy {
  readonly id: string;
  readonly version: string;
  /** sha256 (base64url) of the canonical policy definition: rules, citations, parameters. */
  readonly digest: string;
  /** The matter categories this policy knows. */
  readonly categories: readonly string[];
  /** Whether the policy covers a region code (the city or one of its districts). */
  supports(region: string): boolean;
  plan(request: VerificationRequest, decisionDate: string): QueryPlan;
  decide(request: VerificationRequest, decisionDate: string, evidence: EvidenceSet): PolicyDecision;
  /** How long a decision given on `decisionDate` and left open by an unavailable registry is re-verified. */
  reverificationWindow(decisionDate: string): { readonly days: number; readonly source: string };
}
