/**
 * The Nanjing legal-aid eligibility policy, `cn-320100`, as a `Policy`.
 */
import type { VerificationRequest } from '../../../schemas/index.ts';
import { digestOf } from '../digest.ts';
import { GatewayError } from '../errors.ts';
import { birthDateProblems } from '../request-dates.ts';
import { decideEligibility } from './decide-eligibility.ts';
import { isCalendarDate } from './decision-date.ts';
import { MATTER_CATEGORIES, type MatterCategory, matterCategory } from './matter-categories.ts';
import {
  type AppliedWage,
  minimumWageOn,
  NANJING_PARAMETERS,
  type NanjingParameters,
  parameterProblems,
  reverificationWindowOn,
} from './parameters.ts';
import { planQueries } from './plan-queries.ts';
import { NANJING_RULES } from './rules.ts';
import type { EvidenceSet, Policy, PolicyDecision, QueryPlan } from './types.ts';

export const NANJING_POLICY_ID = 'cn-320100';
/** Bump when rules, citations or explanation texts change; parameters are covered by the digest. */
export const NANJING_POLICY_VERSION = '2026.1';

export interface NanjingPolicyOptions {
  /** Operator-supplied parameters (wages, district classes); defaults to NANJING_PARAMETERS. */
  readonly parameters?: NanjingParameters;
}

/**
 * What the digest commits to: the rule ids and citations in order, the category list and
 * every parameter. Two policies with the same digest decide alike (invariant 5).
 * @example digestOf(nanjingPolicyDefinition(NANJING_PARAMETERS))
 */
export function nanjingPolicyDefinition(parameters: NanjingParameters): Record<string, unknown> {
  return {
    id: NANJING_POLICY_ID,
    version: NANJING_POLICY_VERSION,
    rules: NANJING_RULES,
    categories: MATTER_CATEGORIES,
    parameters,
  };
}

/**
 * Creates the Nanjing policy. Parameters are checked here, once, so a bad operator edit
 * fails at start-up. `plan` and `decide` throw only for requests outside the policy
 * (unknown region `ERR_UNKNOWN_REGION`, unknown category `ERR_UNKNOWN_CATEGORY`, a
 * decision date that is not a date or precedes the policy `ERR_VALIDATION`); the
 * service is expected to have rejected those already.
 * @example
 * const policy = createNanjingPolicy();
 * const plan = policy.plan(request, '2024-01-01');
 * const decision = policy.decide(request, '2024-01-01', evidence);
 */
export function createNanjingPolicy(options: NanjingPolicyOptions = {}): Policy {
  const params = options.parameters ?? NANJING_PARAMETERS;
  return createJiangsuCityPolicy({
    id: NANJING_POLICY_ID,
    version: NANJING_POLICY_VERSION,
    parameters: params,
    definition: nanjingPolicyDefinition(params),
  });
}

/** What distinguishes one Jiangsu city's policy from another: its id, version, parameters and citations. */
export interface JiangsuCityPolicyDefinition {
  readonly id: string;
  readonly version: string;
  readonly parameters: NanjingParameters;
  /** What the digest commits to (rules, citations, categories, parameters). */
  readonly definition: Record<string, unknown>;
  /** Citations that differ from Nanjing's, by rule id (the city's own programmes). */
  readonly citations?: Readonly<Partial<Record<string, string>>>;
}

/**
 * A Jiangsu city's policy: the province's regulations tie the hardship standard to the local
 * minimum wage, so every Jiangsu city runs the same rules over its own parameters (art. 34:
 * the standard of the place where the application is made).
 * @example createJiangsuCityPolicy({ id: 'cn-320500', version, parameters, definition })
 */
export function createJiangsuCityPolicy(city: JiangsuCityPolicyDefinition): Policy {
  const params = city.parameters;
  const policyId = city.id;
  const citations = city.citations ?? {};
  const problems = parameterProblems(params);
  if (problems.length > 0) {
    throw new GatewayError('ERR_VALIDATION', 'invalid policy parameters', {
      facts: { policy: policyId, problems: problems.length },
      errors: problems.map((message) => ({ path: 'parameters', message })),
    });
  }
  const regions = new Set(params.regions.map((r) => r.code));

  function resolve(
    request: VerificationRequest,
    date: string,
  ): { category: MatterCategory; wage: AppliedWage } {
    if (!isCalendarDate(date) || date < params.effectiveFrom) {
      throw new GatewayError('ERR_VALIDATION', 'decision date outside the policy', {
        facts: { policy: policyId, effectiveFrom: params.effectiveFrom },
        errors: [{ path: '/decisionDate', message: `must be a date on or after ${params.effectiveFrom}` }],
      });
    }
    const unborn = birthDateProblems(request, date);
    if (unborn.length > 0)
      throw new GatewayError('ERR_VALIDATION', 'a person is born after the decision date', {
        facts: { policy: policyId },
        errors: unborn,
      });
    const wage = minimumWageOn(params, request.region, date);
    if (!wage) {
      throw new GatewayError('ERR_UNKNOWN_REGION', 'region not covered by the policy', {
        facts: { policy: policyId, region: request.region },
      });
    }
    const category = matterCategory(request.matter.category);
    if (!category) {
      throw new GatewayError('ERR_UNKNOWN_CATEGORY', 'matter category not known to the policy', {
        facts: { policy: policyId, category: request.matter.category },
      });
    }
    return { category, wage };
  }

  return {
    id: policyId,
    version: city.version,
    digest: digestOf(city.definition),
    categories: MATTER_CATEGORIES.map((c) => c.code),
    supports: (region: string): boolean => regions.has(region),
    plan(request: VerificationRequest, decisionDate: string): QueryPlan {
      return planQueries(request, resolve(request, decisionDate).category);
    },
    decide(request: VerificationRequest, decisionDate: string, evidence: EvidenceSet): PolicyDecision {
      const { category, wage } = resolve(request, decisionDate);
      const decision = decideEligibility({ request, date: decisionDate, params, category, wage, evidence });
      if (Object.keys(citations).length === 0) return decision;
      return {
        ...decision,
        basis: decision.basis.map((b) => ({ ...b, citation: citations[b.rule] ?? b.citation })),
      };
    },
    reverificationWindow(decisionDate: string) {
      const { days, source } = reverificationWindowOn(params, decisionDate);
      return { days, source };
    },
  };
}
