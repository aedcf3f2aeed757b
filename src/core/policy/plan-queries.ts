/**
 * Which registries a case needs (invariant 3, minimum necessary). Rules 1–3 settle a case
 * from the request alone, so it queries nothing. Otherwise rules 4–7 need:
 * - civil_affairs for the applicant and every member: social assistance (rule 4) and the
 *   household economic check (rule 7) are household programmes, recorded on any member;
 * - hrss for the applicant and every member: migrant worker and fixed source of living
 *   (rules 5–6, applicant) and registered income (rule 7, everyone);
 * - disability for the applicant only: only the applicant's certificate matters (rule 6,
 *   green channel), so members' health data is never asked for.
 * Sources outside the consent are listed in `outOfScope` and never queried.
 */
import type { RuleId, Source, VerificationRequest } from '../../../schemas/index.ts';
import type { MatterCategory } from './matter-categories.ts';
import type { QueryPlan } from './types.ts';

/** The rules that settle a case before any query. */
export type SettlingRule = Extract<
  RuleId,
  'criminal_assignment' | 'no_economic_condition' | 'matter_out_of_scope'
>;

/**
 * The rule among 1–3 that settles the case, or undefined when registries are needed.
 * - Rule 1 needs kind `criminal` and category `criminal_assignment`.
 * - Rule 2 goes by category whatever the kind: art. 32 names the situations, not a
 *   procedure (a domestic-violence victim may be a party in a criminal case too).
 * - Rule 3: only civil matters are limited to art. 31's list; administrative and state
 *   compensation matters are in scope (Nanjing; art. 31(1)), and criminal matters other
 *   than assignment follow the economic rules (art. 24). A civil matter coded
 *   `criminal_assignment` is not in art. 31's list either, so it goes to review.
 * @example settlingRule({ ...request, matter: { kind: 'civil', category: 'other' } }) // 'matter_out_of_scope'
 */
export function settlingRule(
  request: VerificationRequest,
  category: MatterCategory,
): SettlingRule | undefined {
  if (request.matter.kind === 'criminal' && category.code === 'criminal_assignment')
    return 'criminal_assignment';
  if (category.basis === 'art32') return 'no_economic_condition';
  if (request.matter.kind === 'civil' && category.basis !== 'art31') return 'matter_out_of_scope';
  return undefined;
}

/** Query order is fixed so the same request always gives the same plan. */
const SOURCE_ORDER: readonly Source[] = ['civil_affairs', 'hrss', 'disability'];

/**
 * The query plan for a request and its (known) matter category.
 * @example planQueries(request, category).queries.map((q) => q.source) // ['civil_affairs', 'hrss', 'disability']
 */
export function planQueries(request: VerificationRequest, category: MatterCategory): QueryPlan {
  if (settlingRule(request, category)) return { queries: [], outOfScope: [] };
  const everyone = [request.applicant.idNumber, ...request.household.map((m) => m.idNumber)];
  const subjects: Readonly<Record<Source, readonly string[]>> = {
    civil_affairs: everyone,
    hrss: everyone,
    disability: [request.applicant.idNumber],
  };
  const consented = new Set(request.consent.scopes);
  return {
    queries: SOURCE_ORDER.filter((s) => consented.has(s)).map((source) => ({
      source,
      subjects: subjects[source],
    })),
    outOfScope: SOURCE_ORDER.filter((s) => !consented.has(s)),
  };
}
