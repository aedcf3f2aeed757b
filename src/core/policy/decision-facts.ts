/**
 * The `facts` of a decision, per source: only what the rules read, with people named by
 * role ('applicant', 'member1', …). Never identity numbers, names, certificate numbers or
 * the disability category (sensitive data the decision does not need, PIPL art. 6, 28).
 */
import type { CivilAffairsRecord, HrssRecord, Source } from '../../../schemas/index.ts';
import { fenToYuan } from './money.ts';
import { currentHrss, type HouseholdPerson, recordsOf, registeredIncomeFen } from './registry-facts.ts';
import type {
  CaseView,
  CertificateFinding,
  findAssistance,
  findGreenChannel,
  IncomeFinding,
} from './rule-findings.ts';
import type { PolicyDecision } from './types.ts';

export interface FactInputs {
  readonly assistance: ReturnType<typeof findAssistance>;
  readonly certificate: CertificateFinding | undefined;
  readonly income: IncomeFinding;
  readonly green: ReturnType<typeof findGreenChannel>;
  /** Whether the minimum wage entered the decision (then the threshold is a fact too). */
  readonly wageUsed: boolean;
}

type Facts = Record<string, unknown>;

function programmeFacts(role: string, r: CivilAffairsRecord): Facts {
  return { role, programme: r.programme, since: r.since, ...(r.until ? { until: r.until } : {}) };
}

function memberFacts(person: HouseholdPerson, record: HrssRecord | undefined): Facts {
  if (!record) return { role: person.role, status: 'not_found', countedIncome: 0 };
  return {
    role: person.role,
    status: 'found',
    employment: record.employment,
    ...(record.insuredCategory ? { insuredCategory: record.insuredCategory } : {}),
    ...(record.monthlyContributionBase !== undefined
      ? { monthlyContributionBase: record.monthlyContributionBase }
      : {}),
    ...(record.monthlyPension !== undefined ? { monthlyPension: record.monthlyPension } : {}),
    countedIncome: fenToYuan(registeredIncomeFen(record)),
    asOf: record.asOf,
  };
}

/**
 * Facts for each source that answered.
 * @example buildFacts(view, findings).hrss?.perCapitaIncome // 2490
 */
export function buildFacts(view: CaseView, f: FactInputs): PolicyDecision['facts'] {
  const facts: Partial<Record<Source, Facts>> = {};
  const income = f.income.income;
  const incomeFacts: Facts = income
    ? {
        householdSize: income.householdSize,
        householdMonthlyIncome: fenToYuan(income.totalFen),
        perCapitaIncome: income.perCapita,
        ...(f.wageUsed
          ? {
              // Rule 7 tests the greater of the registered and the declared figure.
              testedIncome: f.income.decidedBy,
              declaredPerCapitaIncome: f.income.declared.perCapita,
              threshold: view.wage.amount,
              thresholdBasis: {
                region: view.wage.region.code,
                wageClass: view.wage.wageClass,
                classAssumed: view.wage.region.classAssumed,
                effectiveFrom: view.wage.from,
                reviewBy: view.wage.reviewBy,
              },
            }
          : {}),
      }
    : {};

  if (view.evidence.civil_affairs.status === 'answered') {
    const check = income?.check;
    facts.civil_affairs = {
      socialAssistance: f.assistance.active.map(({ person, record }) => programmeFacts(person.role, record)),
      ...(check
        ? { householdEconomicCheck: programmeFacts(check.person.role, check.record), ...incomeFacts }
        : {}),
      ...(f.green.records.length > 0
        ? {
            greenChannel: f.green.records.map((r) => ({
              ...programmeFacts('applicant', r),
              ...(r.reason ? { reason: r.reason } : {}),
            })),
          }
        : {}),
    };
  }

  if (view.evidence.hrss.status === 'answered') {
    const fromHrss = income?.source === 'hrss';
    const people = fromHrss ? view.persons : [view.applicant];
    facts.hrss = {
      members: people.map((p) =>
        memberFacts(p, currentHrss(recordsOf(view.evidence.hrss, p.idNumber) ?? [])),
      ),
      ...(fromHrss ? incomeFacts : {}),
    };
  }

  if (view.evidence.disability.status === 'answered' && f.certificate) {
    facts.disability = {
      certificate: f.certificate.state,
      ...(f.certificate.validUntil ? { validUntil: f.certificate.validUntil } : {}),
    };
  }
  return facts;
}
