/**
 * Rules 4–7 and the green channel evaluated on the evidence, each to `grants`, `denies`
 * or `unknown`. `unknown` means a registry the rule needs did not answer and its answer
 * could still make the rule grant; `blocking` names those registries. Only when every
 * rule is `denies` may a case be `ineligible` (invariant 4).
 */
import type { CivilAffairsRecord, Source, VerificationRequest } from '../../../schemas/index.ts';
import type { MatterCategory } from './matter-categories.ts';
import { perCapitaYuan, toFen } from './money.ts';
import type { AppliedWage, NanjingParameters } from './parameters.ts';
import {
  byCanonical,
  currentHrss,
  type HouseholdPerson,
  hasNoFixedSource,
  isActiveOn,
  isCertificateValidOn,
  recordsOf,
  registeredIncomeFen,
} from './registry-facts.ts';
import type { EvidenceSet } from './types.ts';

export type RuleResult = 'grants' | 'denies' | 'unknown';

/** The case as the rules read it. */
export interface CaseView {
  readonly request: VerificationRequest;
  readonly date: string;
  readonly params: NanjingParameters;
  readonly category: MatterCategory;
  readonly wage: AppliedWage;
  readonly persons: readonly HouseholdPerson[];
  readonly applicant: HouseholdPerson;
  /** Undefined only if the identity number carries no valid birth date (validated upstream). */
  readonly age: number | undefined;
  readonly evidence: EvidenceSet;
}

export interface PersonRecord<R> {
  readonly person: HouseholdPerson;
  readonly record: R;
}

const ASSISTANCE = ['minimum_living_allowance', 'extreme_poverty', 'low_income_family'] as const;

function civilRecords(view: CaseView, person: HouseholdPerson): readonly CivilAffairsRecord[] | undefined {
  return recordsOf(view.evidence.civil_affairs, person.idNumber);
}

/** Rule 4: any household person in an active assistance programme on the decision date. */
export function findAssistance(view: CaseView): {
  result: RuleResult;
  active: PersonRecord<CivilAffairsRecord>[];
} {
  if (view.evidence.civil_affairs.status !== 'answered') return { result: 'unknown', active: [] };
  const active = view.persons.flatMap((person) =>
    (civilRecords(view, person) ?? [])
      .filter((r) => (ASSISTANCE as readonly string[]).includes(r.programme) && isActiveOn(r, view.date))
      .sort(byCanonical)
      .map((record) => ({ person, record })),
  );
  return { result: active.length > 0 ? 'grants' : 'denies', active };
}

/** Rule 5: a wage or work-injury claim by an applicant the HRSS registers as a migrant worker. */
export function findMigrantWorker(view: CaseView): { result: RuleResult } {
  if (view.category.code !== 'wage_claim' && view.category.code !== 'work_injury')
    return { result: 'denies' };
  const records = recordsOf(view.evidence.hrss, view.applicant.idNumber);
  if (!records) return { result: 'unknown' };
  return { result: currentHrss(records)?.insuredCategory === 'migrant_worker' ? 'grants' : 'denies' };
}

export interface CertificateFinding {
  readonly state: 'valid' | 'expired' | 'revoked' | 'none';
  readonly validUntil?: string;
}

/** The applicant's certificate on the decision date; undefined when the registry did not answer. */
export function findCertificate(view: CaseView): CertificateFinding | undefined {
  const records = recordsOf(view.evidence.disability, view.applicant.idNumber);
  if (!records) return undefined;
  // The most favourable record describes the applicant: a valid one if any, else the latest.
  const sorted = [...records].sort((a, b) =>
    a.validUntil !== b.validUntil ? (a.validUntil > b.validUntil ? -1 : 1) : byCanonical(a, b),
  );
  const valid = sorted.find((r) => isCertificateValidOn(r, view.date));
  if (valid) return { state: 'valid', validUntil: valid.validUntil };
  const latest = sorted[0];
  if (!latest) return { state: 'none' };
  return { state: latest.revoked === true ? 'revoked' : 'expired', validUntil: latest.validUntil };
}

export type AgeGroup = 'minor' | 'elderly';

export function ageGroupOf(view: CaseView): AgeGroup | undefined {
  if (view.age === undefined) return undefined;
  if (view.age < view.params.adultAge) return 'minor';
  return view.age >= view.params.elderlyAge ? 'elderly' : undefined;
}

export interface GroupFinding {
  readonly result: RuleResult;
  readonly rule: 'specific_group' | 'disability_commitment_group';
  readonly ageGroup: AgeGroup | undefined;
  /** Undefined when the HRSS did not answer. */
  readonly noFixedSource: boolean | undefined;
  readonly blocking: readonly Source[];
}

/**
 * Rule 6. A valid certificate grants on its own (commitment group), so an unanswered
 * disability registry always leaves the rule open; the HRSS matters only for a minor or
 * elderly applicant, whose fixed source of living decides art. 42(1).
 */
export function findGroup(view: CaseView, certificate: CertificateFinding | undefined): GroupFinding {
  const ageGroup = ageGroupOf(view);
  const hrss = recordsOf(view.evidence.hrss, view.applicant.idNumber);
  const noFixedSource = hrss ? hasNoFixedSource(currentHrss(hrss)) : undefined;
  const certValid = certificate ? certificate.state === 'valid' : undefined;
  const base = { ageGroup, noFixedSource };
  if ((ageGroup !== undefined || certValid === true) && noFixedSource === true) {
    return { ...base, result: 'grants', rule: 'specific_group', blocking: [] };
  }
  if (certValid === true)
    return { ...base, result: 'grants', rule: 'disability_commitment_group', blocking: [] };
  const blocking: Source[] = [];
  if (certValid === undefined) blocking.push('disability');
  if (noFixedSource === undefined && ageGroup !== undefined) blocking.push('hrss');
  const rule = ageGroup !== undefined ? 'specific_group' : 'disability_commitment_group';
  return { ...base, result: blocking.length > 0 ? 'unknown' : 'denies', rule, blocking };
}

export interface Income {
  readonly source: 'household_economic_check' | 'hrss';
  readonly totalFen: number;
  readonly householdSize: number;
  /** Yuan, rounded up to the fen (see perCapitaYuan). */
  readonly perCapita: number;
  /** The check's holder and record, when the check was used. */
  readonly check?: PersonRecord<CivilAffairsRecord>;
}

/** The applicant's declaration (art. 41) as a per-capita figure: total ÷ (household + 1). */
export interface DeclaredIncome {
  readonly totalFen: number;
  readonly householdSize: number;
  /** Yuan, rounded up to the fen (see perCapitaYuan). */
  readonly perCapita: number;
}

export interface IncomeFinding {
  readonly result: RuleResult;
  /** The registered income, whenever some registry allowed computing one. */
  readonly income: Income | undefined;
  readonly declared: DeclaredIncome;
  /**
   * Which per-capita figure the test used: the greater of the registered and the declared
   * one (DOMAIN.md rule 7), so a registry that simply has no record never overrides the
   * applicant's own declaration downwards. `registered` on a tie.
   */
  readonly decidedBy: 'registered' | 'declared';
  /** True when no unanswered registry could replace `income` (the check takes precedence). */
  readonly conclusive: boolean;
  readonly blocking: readonly Source[];
}

/** The household economic check in force: the latest `since`, ties by household order. */
function currentCheck(view: CaseView): PersonRecord<CivilAffairsRecord> | undefined {
  const checks = view.persons.flatMap((person) =>
    (civilRecords(view, person) ?? [])
      .filter(
        (r) =>
          r.programme === 'household_economic_check' &&
          isActiveOn(r, view.date) &&
          r.householdSize !== undefined &&
          r.householdMonthlyIncome !== undefined,
      )
      .sort(byCanonical)
      .map((record) => ({ person, record })),
  );
  return checks.reduce<PersonRecord<CivilAffairsRecord> | undefined>(
    (best, c) => (!best || c.record.since > best.record.since ? c : best),
    undefined,
  );
}

/**
 * Rule 7. Civil affairs must have answered even when the HRSS did: its household check,
 * if one exists, takes precedence, so an HRSS-only figure is not conclusive either way.
 */
export function findIncome(view: CaseView): IncomeFinding {
  const caAnswered = view.evidence.civil_affairs.status === 'answered';
  const check = caAnswered ? currentCheck(view) : undefined;
  let income: Income | undefined;
  if (check) {
    const totalFen = toFen(check.record.householdMonthlyIncome ?? 0);
    const householdSize = check.record.householdSize ?? 1;
    income = {
      source: 'household_economic_check',
      totalFen,
      householdSize,
      perCapita: perCapitaYuan(totalFen, householdSize),
      check,
    };
  } else if (view.evidence.hrss.status === 'answered') {
    const totalFen = view.persons.reduce(
      (sum, p) => sum + registeredIncomeFen(currentHrss(recordsOf(view.evidence.hrss, p.idNumber) ?? [])),
      0,
    );
    const householdSize = view.persons.length;
    income = { source: 'hrss', totalFen, householdSize, perCapita: perCapitaYuan(totalFen, householdSize) };
  }
  const blocking: Source[] = [];
  if (!caAnswered) blocking.push('civil_affairs');
  if (!check && view.evidence.hrss.status !== 'answered') blocking.push('hrss');
  const declaredFen = toFen(view.request.declaration.monthlyHouseholdIncome);
  const declaredSize = view.request.household.length + 1;
  const declared: DeclaredIncome = {
    totalFen: declaredFen,
    householdSize: declaredSize,
    perCapita: perCapitaYuan(declaredFen, declaredSize),
  };
  // Exact in fen: decl/declSize > reg/regSize ⇔ decl × regSize > reg × declSize.
  const decidedBy =
    income && declaredFen * income.householdSize > income.totalFen * declaredSize ? 'declared' : 'registered';
  const conclusive = income !== undefined && blocking.length === 0;
  if (!income || !conclusive) return { result: 'unknown', income, declared, decidedBy, conclusive, blocking };
  const tested = decidedBy === 'declared' ? declared : income;
  // Exact in fen: per-capita ≤ wage ⇔ total ≤ wage × size.
  const within = tested.totalFen <= toFen(view.wage.amount) * tested.householdSize;
  return { result: within ? 'grants' : 'denies', income, declared, decidedBy, conclusive, blocking };
}

export type GreenReason = 'disabled' | 'orphan' | 'elderly' | 'disaster' | 'illness';

/**
 * Green channel (病残孤老灾), on the applicant's own records: a valid certificate, an active
 * orphan programme, age 60 or more, active temporary assistance for disaster or illness.
 */
export function findGreenChannel(
  view: CaseView,
  certificate: CertificateFinding | undefined,
): { reasons: GreenReason[]; records: CivilAffairsRecord[] } {
  const reasons: GreenReason[] = [];
  const records: CivilAffairsRecord[] = [];
  if (certificate?.state === 'valid') reasons.push('disabled');
  for (const r of [...(civilRecords(view, view.applicant) ?? [])].sort(byCanonical)) {
    if (!isActiveOn(r, view.date)) continue;
    const reason =
      r.programme === 'orphan'
        ? 'orphan'
        : r.programme === 'temporary_assistance' && (r.reason === 'disaster' || r.reason === 'illness')
          ? r.reason
          : undefined;
    if (reason && !reasons.includes(reason)) {
      reasons.push(reason);
      records.push(r);
    }
  }
  if (ageGroupOf(view) === 'elderly') reasons.push('elderly');
  return { reasons, records };
}
