/**
 * How the rules combine (DOMAIN.md): rules 1–3 settle a case from the request; otherwise
 * the first of rules 4–7 that grants settles it; `ineligible` needs every one of rules
 * 4–7 to deny on answered registries; anything else is rule 8. Flags are added whenever
 * they hold on the evidence there is.
 */

import { ageOn, birthDateOf } from '../../../schemas/id-number.ts';
import type { Source, VerificationRequest } from '../../../schemas/index.ts';
import { buildFacts } from './decision-facts.ts';
import {
  explainCriminalAssignment,
  explainDeclarationMismatch,
  explainDisabilityCommitment,
  explainGreenChannel,
  explainIncome,
  explainMigrantWorker,
  explainMissingEvidence,
  explainNoEconomicCondition,
  explainOutOfScope,
  explainReviewOverdue,
  explainSocialAssistance,
  explainSpecificGroup,
  type OpenQuestion,
} from './explanations.ts';
import type { MatterCategory } from './matter-categories.ts';
import { toFen } from './money.ts';
import type { AppliedWage, NanjingParameters } from './parameters.ts';
import { settlingRule } from './plan-queries.ts';
import { householdOf } from './registry-facts.ts';
import {
  type CaseView,
  findAssistance,
  findCertificate,
  findGreenChannel,
  findGroup,
  findIncome,
  findMigrantWorker,
  type Income,
} from './rule-findings.ts';
import { citationOf } from './rules.ts';
import type { BasisEntry, EvidenceSet, Localized, PolicyDecision } from './types.ts';

export interface DecisionInput {
  readonly request: VerificationRequest;
  /** YYYY-MM-DD, Asia/Shanghai. */
  readonly date: string;
  readonly params: NanjingParameters;
  readonly category: MatterCategory;
  /** The minimum wage for the request's region on `date`. */
  readonly wage: AppliedWage;
  readonly evidence: EvidenceSet;
}

const SOURCE_ORDER: readonly Source[] = ['civil_affairs', 'hrss', 'disability'];

function entry(rule: BasisEntry['rule'], explanations: Localized, item?: number): BasisEntry {
  return { rule, citation: citationOf(rule, item), explanations };
}

/**
 * Declared vs registered per-capita income. The declaration is a household total, so it is
 * divided by the request's household size; the registered figure uses its own size (the
 * check's, when the check was used). Compared exactly in integers:
 * reg/regSize > decl/declSize × (1 + t/100)  ⇔  reg × declSize × 100 > decl × regSize × (100 + t).
 */
function mismatch(input: DecisionInput, income: Income): BasisEntry | undefined {
  const declaredFen = toFen(input.request.declaration.monthlyHouseholdIncome);
  const declaredSize = input.request.household.length + 1;
  const t = input.params.declarationTolerancePercent;
  if (income.totalFen * declaredSize * 100 <= declaredFen * income.householdSize * (100 + t))
    return undefined;
  const declaredPerCapita = Math.round(declaredFen / declaredSize) / 100;
  return entry(
    'declaration_mismatch',
    explainDeclarationMismatch(income, declaredFen / 100, declaredSize, declaredPerCapita, t),
  );
}

/**
 * Applies the rules to a request and its evidence. Pure: no clock, no I/O, no randomness.
 * @example decideEligibility({ request, date: '2024-01-01', params, category, wage, evidence }).outcome
 */
export function decideEligibility(input: DecisionInput): PolicyDecision {
  const { request, date, params, category, wage, evidence } = input;
  const persons = householdOf(request);
  const birth = birthDateOf(request.applicant.idNumber);
  const age = birth ? ageOn(birth, date) : undefined;
  const applicant = persons[0] ?? {
    role: 'applicant',
    idNumber: request.applicant.idNumber,
    relation: 'self' as const,
  };
  const view: CaseView = { request, date, params, category, wage, persons, applicant, age, evidence };
  const signed = request.declaration.integrityCommitment;

  const settled = settlingRule(request, category);
  if (settled) {
    const explanation =
      settled === 'criminal_assignment'
        ? explainCriminalAssignment()
        : settled === 'no_economic_condition'
          ? explainNoEconomicCondition(category)
          : explainOutOfScope(category);
    // Only age can be known without a registry; the other green-channel grounds need one.
    const green = findGreenChannel(view, undefined).reasons.filter((r) => r === 'elderly');
    const basis = [entry(settled, explanation, category.item)];
    if (green.length > 0)
      basis.push(entry('green_channel', explainGreenChannel(green, age, params.elderlyAge, params.city)));
    return {
      outcome: settled === 'matter_out_of_scope' ? 'needs_review' : 'eligible',
      provisional: false,
      greenChannel: green.length > 0,
      basis,
      facts: {},
    };
  }

  const assistance = findAssistance(view);
  const migrant = findMigrantWorker(view);
  const certificate = findCertificate(view);
  const group = findGroup(view, certificate);
  const income = findIncome(view);
  const green = findGreenChannel(view, certificate);

  const basis: BasisEntry[] = [];
  let outcome: PolicyDecision['outcome'] = 'eligible';
  let provisional = false;
  let incomeReached = false;
  if (assistance.result === 'grants') {
    basis.push(entry('social_assistance', explainSocialAssistance(date, assistance.active)));
  } else if (migrant.result === 'grants') {
    basis.push(entry('migrant_worker', explainMigrantWorker(category)));
  } else if (group.result === 'grants') {
    basis.push(
      group.rule === 'specific_group'
        ? entry('specific_group', explainSpecificGroup(date, age, group.ageGroup, certificate?.validUntil))
        : entry(
            'disability_commitment_group',
            explainDisabilityCommitment(certificate?.validUntil ?? date, signed, params.city),
          ),
    );
  } else {
    incomeReached = true;
    const allDeny = [assistance.result, migrant.result, group.result].every((r) => r === 'denies');
    if (income.income && (income.result === 'grants' || (income.result === 'denies' && allDeny))) {
      outcome = income.result === 'grants' ? 'eligible' : 'ineligible';
      basis.push(
        entry(
          'income_test',
          explainIncome({ ...income, income: income.income }, wage, date, params, outcome === 'eligible'),
        ),
      );
    } else {
      const questions: OpenQuestion[] = [];
      const blocking = new Set<Source>();
      if (assistance.result === 'unknown') {
        questions.push('social_assistance');
        blocking.add('civil_affairs');
      }
      if (migrant.result === 'unknown') {
        questions.push('migrant_worker');
        blocking.add('hrss');
      }
      if (group.blocking.includes('disability')) questions.push('certificate');
      if (group.blocking.includes('hrss')) questions.push('fixed_source');
      if (income.result === 'unknown') questions.push('income');
      for (const s of [...group.blocking, ...income.blocking]) blocking.add(s);
      const missing = SOURCE_ORDER.flatMap((source) => {
        const status = evidence[source].status;
        return blocking.has(source) && status !== 'answered' ? [{ source, status }] : [];
      });
      const known = income.income ? { income: income.income, wage } : undefined;
      outcome = signed ? 'eligible' : 'needs_review';
      provisional = signed;
      basis.push(entry('missing_evidence', explainMissingEvidence(missing, questions, known, signed)));
    }
  }

  // The wage is "used" when rule 7 compared a registered income with it, conclusively or not.
  const wageUsed = incomeReached && income.income !== undefined;
  if (green.reasons.length > 0)
    basis.push(
      entry('green_channel', explainGreenChannel(green.reasons, age, params.elderlyAge, params.city)),
    );
  const flagged = income.income ? mismatch(input, income.income) : undefined;
  if (flagged) basis.push(flagged);
  if (wageUsed && wage.reviewBy < date)
    basis.push(entry('parameter_review_overdue', explainReviewOverdue(wage, date)));

  return {
    outcome,
    provisional,
    greenChannel: green.reasons.length > 0,
    basis,
    facts: buildFacts(view, { assistance, certificate, income, green, wageUsed }),
  };
}
