/**
 * Builds tests/fixtures/policy-cases.json from compact case specifications, so identity
 * numbers (valid GB 11643 check digits, birth dates on the age boundaries) are computed,
 * not typed. Regenerate with `npx tsx tests/unit/policy/generate-policy-cases.ts`; a test
 * fails when the JSON and this builder disagree.
 */

import { makeIdNumber } from '../../../schemas/id-number.ts';
import type {
  CivilAffairsRecord,
  DisabilityRecord,
  Fault,
  FixturesInput,
  HrssRecord,
  RuleId,
  Source,
  VerificationRequest,
} from '../../../schemas/index.ts';

type Rec<T> = Omit<T, 'idNumber'>;
type Relation = VerificationRequest['household'][number]['relation'];

/** Expected result of one case. `mentions`: strings every language of the deciding rule's explanation contains. */
export interface ExpectedDecision {
  readonly outcome: 'eligible' | 'ineligible' | 'needs_review';
  readonly provisional: boolean;
  readonly greenChannel: boolean;
  readonly rules: readonly RuleId[];
  readonly queried: readonly Source[];
  readonly outOfScope: readonly Source[];
  readonly facts?: Readonly<Record<string, unknown>>;
  readonly mentions?: readonly string[];
}

/** One entry of tests/fixtures/policy-cases.json. */
export interface PolicyCase {
  readonly name: string;
  readonly request: VerificationRequest;
  readonly fixtures: FixturesInput;
  readonly expected: ExpectedDecision;
}

interface PersonSpec {
  readonly birth: string;
  readonly district?: string;
  readonly relation?: Relation;
  readonly hrss?: readonly Rec<HrssRecord>[];
  readonly civil?: readonly Rec<CivilAffairsRecord>[];
  readonly disability?: readonly Rec<DisabilityRecord>[];
  /** Registries that fail for this person only. */
  readonly faults?: readonly Source[];
}

interface CaseSpec {
  readonly name: string;
  readonly date?: string;
  readonly region?: string;
  readonly matter?: readonly [VerificationRequest['matter']['kind'], string];
  /** Household total; defaults to the truthful registered (HRSS) total. */
  readonly declared?: number;
  readonly commitment?: boolean;
  readonly scopes?: readonly Source[];
  readonly applicant: PersonSpec;
  readonly members?: readonly PersonSpec[];
  /** Registries that fail for everyone (sandbox fault mode `error`). */
  readonly faults?: readonly Source[];
  readonly expect: Partial<ExpectedDecision> & Pick<ExpectedDecision, 'outcome' | 'rules'>;
}

const D = '2024-06-15';
const AS_OF = '2024-06-01';
const ALL: readonly Source[] = ['civil_affairs', 'hrss', 'disability'];
const ADULT = '1984-03-10';

const employed = (
  base: number,
  insuredCategory: HrssRecord['insuredCategory'] = 'urban_employee',
): Rec<HrssRecord> => ({
  employment: 'employed',
  insuredCategory,
  monthlyContributionBase: base,
  asOf: AS_OF,
});
const retired = (pension: number): Rec<HrssRecord> => ({
  employment: 'retired',
  insuredCategory: 'urban_employee',
  monthlyPension: pension,
  asOf: AS_OF,
});
const noJob = (): Rec<HrssRecord> => ({ employment: 'none', asOf: AS_OF });
const programme = (
  name: CivilAffairsRecord['programme'],
  since = '2023-01-01',
  extra: Partial<Rec<CivilAffairsRecord>> = {},
): Rec<CivilAffairsRecord> => ({ programme: name, status: 'active', since, ...extra });
let certificates = 0;
const certificate = (
  validUntil: string,
  extra: Partial<Rec<DisabilityRecord>> = {},
): Rec<DisabilityRecord> => {
  certificates += 1;
  return {
    certificateNo: `TESTCERT${String(certificates).padStart(4, '0')}`,
    category: 'physical',
    grade: 2,
    issuedAt: '2020-01-01',
    validUntil,
    ...extra,
  };
};

const SPECS: readonly CaseSpec[] = [
  // ── Rules 1–3: settled from the request, no registry queried ─────────────────────
  {
    name: 'rule 1: criminal assignment is eligible with no query, whatever the consent',
    matter: ['criminal', 'criminal_assignment'],
    applicant: { birth: ADULT, hrss: [employed(9000)] },
    expect: { outcome: 'eligible', rules: ['criminal_assignment'], queried: [], outOfScope: [] },
  },
  {
    name: 'rule 1 + green channel: an applicant exactly 60 is prioritised without any query',
    matter: ['criminal', 'criminal_assignment'],
    applicant: { birth: '1964-06-15' },
    expect: {
      outcome: 'eligible',
      rules: ['criminal_assignment', 'green_channel'],
      greenChannel: true,
      queried: [],
    },
  },
  {
    name: 'rule 2: domestic violence needs no economic check and no query',
    matter: ['civil', 'domestic_violence'],
    applicant: { birth: ADULT, hrss: [employed(20000)] },
    expect: { outcome: 'eligible', rules: ['no_economic_condition'], queried: [] },
  },
  {
    name: 'rule 2: act of bravery',
    matter: ['civil', 'heroic_act'],
    applicant: { birth: ADULT },
    expect: { outcome: 'eligible', rules: ['no_economic_condition'], queried: [] },
  },
  {
    name: "rule 2: a martyr's close relative",
    matter: ['civil', 'martyr_rights'],
    applicant: { birth: ADULT },
    expect: { outcome: 'eligible', rules: ['no_economic_condition'], queried: [] },
  },
  {
    name: 'rule 2: state compensation after acquittal on retrial',
    matter: ['state_compensation', 'retrial_acquittal_compensation'],
    applicant: { birth: ADULT },
    expect: { outcome: 'eligible', rules: ['no_economic_condition'], queried: [] },
  },
  {
    name: 'rule 3: a civil matter outside art. 31 goes to review with no query',
    matter: ['civil', 'other'],
    applicant: { birth: ADULT },
    expect: { outcome: 'needs_review', rules: ['matter_out_of_scope'], queried: [] },
  },
  {
    name: 'rule 3: a civil matter coded criminal_assignment is not in art. 31 either',
    matter: ['civil', 'criminal_assignment'],
    applicant: { birth: ADULT },
    expect: { outcome: 'needs_review', rules: ['matter_out_of_scope'], queried: [] },
  },
  {
    name: 'rule 3: administrative matters are all in scope (category other) and follow the income test',
    matter: ['administrative', 'other'],
    applicant: { birth: ADULT, hrss: [employed(2000)] },
    expect: { outcome: 'eligible', rules: ['income_test'] },
  },
  {
    name: 'a criminal matter other than assignment follows the economic rules',
    matter: ['criminal', 'other'],
    applicant: { birth: ADULT, hrss: [employed(5000)] },
    expect: { outcome: 'ineligible', rules: ['income_test'] },
  },
  // ── Rule 4: social assistance ────────────────────────────────────────────────
  {
    name: 'rule 4: the applicant on the minimum living allowance settles it; the income test does not fire',
    applicant: { birth: ADULT, civil: [programme('minimum_living_allowance')], hrss: [employed(8000)] },
    expect: {
      outcome: 'eligible',
      rules: ['social_assistance'],
      facts: { civil_affairs: { socialAssistance: [{ role: 'applicant', since: '2023-01-01' }] } },
    },
  },
  {
    name: "rule 4: the spouse's low-income-family status counts for the household",
    applicant: { birth: ADULT, hrss: [employed(3000)] },
    members: [
      { birth: '1985-01-20', relation: 'spouse', civil: [programme('low_income_family', '2024-02-01')] },
    ],
    expect: {
      outcome: 'eligible',
      rules: ['social_assistance'],
      facts: {
        civil_affairs: {
          socialAssistance: [{ role: 'member1', programme: 'low_income_family', since: '2024-02-01' }],
        },
      },
    },
  },
  {
    name: 'rule 4: extreme-poverty support',
    applicant: { birth: ADULT, civil: [programme('extreme_poverty')], hrss: [noJob()] },
    expect: { outcome: 'eligible', rules: ['social_assistance'] },
  },
  {
    name: 'rule 4 boundary: a programme starting on the decision date is active',
    applicant: { birth: ADULT, civil: [programme('minimum_living_allowance', D)], hrss: [employed(5000)] },
    expect: { outcome: 'eligible', rules: ['social_assistance'] },
  },
  {
    name: 'rule 4 boundary: a programme ending on the decision date is still active',
    applicant: {
      birth: ADULT,
      civil: [programme('minimum_living_allowance', '2022-01-01', { until: D })],
      hrss: [employed(5000)],
    },
    expect: { outcome: 'eligible', rules: ['social_assistance'] },
  },
  {
    name: 'rule 4 boundary: a programme that ended the day before does not count',
    applicant: {
      birth: ADULT,
      civil: [programme('minimum_living_allowance', '2022-01-01', { until: '2024-06-14' })],
      hrss: [employed(5000)],
    },
    expect: { outcome: 'ineligible', rules: ['income_test'] },
  },
  {
    name: 'rule 4 boundary: a programme starting the day after does not count',
    applicant: {
      birth: ADULT,
      civil: [programme('minimum_living_allowance', '2024-06-16')],
      hrss: [employed(5000)],
    },
    expect: { outcome: 'ineligible', rules: ['income_test'] },
  },
  {
    name: 'rule 4: status ended does not count even without an end date',
    applicant: {
      birth: ADULT,
      civil: [programme('low_income_family', '2022-01-01', { status: 'ended' })],
      hrss: [employed(5000)],
    },
    expect: { outcome: 'ineligible', rules: ['income_test'] },
  },
  {
    name: 'rule 4 with HRSS unavailable: civil affairs evidence suffices',
    applicant: { birth: ADULT, civil: [programme('minimum_living_allowance')] },
    faults: ['hrss'],
    expect: { outcome: 'eligible', rules: ['social_assistance'] },
  },
  // ── Rule 5: migrant workers ──────────────────────────────────────────────────
  {
    name: 'rule 5: a migrant worker claiming wages',
    matter: ['civil', 'wage_claim'],
    applicant: { birth: ADULT, hrss: [employed(6000, 'migrant_worker')] },
    expect: { outcome: 'eligible', rules: ['migrant_worker'] },
  },
  {
    name: 'rule 5: a migrant worker claiming work-injury compensation (administrative)',
    matter: ['administrative', 'work_injury'],
    applicant: { birth: ADULT, hrss: [employed(6000, 'migrant_worker')] },
    expect: { outcome: 'eligible', rules: ['migrant_worker'] },
  },
  {
    name: 'rule 5 settles even when civil affairs is unavailable (rule 4 unknown)',
    matter: ['civil', 'wage_claim'],
    applicant: { birth: ADULT, hrss: [employed(6000, 'migrant_worker')] },
    faults: ['civil_affairs'],
    expect: { outcome: 'eligible', rules: ['migrant_worker'] },
  },
  {
    name: 'rule 5 does not apply to a migrant worker in a maintenance matter',
    matter: ['civil', 'maintenance'],
    applicant: { birth: ADULT, hrss: [employed(6000, 'migrant_worker')] },
    expect: { outcome: 'ineligible', rules: ['income_test'] },
  },
  {
    name: 'rule 5 does not apply to an urban employee claiming wages',
    matter: ['civil', 'wage_claim'],
    applicant: { birth: ADULT, hrss: [employed(6000)] },
    expect: { outcome: 'ineligible', rules: ['income_test'] },
  },
  // ── Rule 6: specific groups and the commitment group ──────────────────────────
  {
    name: 'rule 6: a minor (17, 18 tomorrow) without a fixed source of living',
    applicant: { birth: '2006-06-16' },
    members: [{ birth: '1975-05-05', relation: 'parent', hrss: [employed(9000)] }],
    expect: { outcome: 'eligible', rules: ['specific_group'], mentions: ['17'] },
  },
  {
    name: 'rule 6 boundary: exactly 18 is no longer a minor; the household income decides',
    applicant: { birth: '2006-06-15' },
    members: [{ birth: '1975-05-05', relation: 'parent', hrss: [employed(9000)] }],
    expect: { outcome: 'ineligible', rules: ['income_test'], mentions: ['4500'] },
  },
  {
    name: 'rule 6: exactly 60 with no employment and no pension (and green channel)',
    applicant: { birth: '1964-06-15', hrss: [noJob()] },
    members: [{ birth: '1990-02-02', relation: 'child', hrss: [employed(12000)] }],
    expect: {
      outcome: 'eligible',
      rules: ['specific_group', 'green_channel'],
      greenChannel: true,
      mentions: ['60'],
    },
  },
  {
    name: 'rule 6 boundary: 59 (60 tomorrow) is not elderly; the household income decides',
    applicant: { birth: '1964-06-16', hrss: [noJob()] },
    members: [{ birth: '1990-02-02', relation: 'child', hrss: [employed(12000)] }],
    expect: { outcome: 'ineligible', rules: ['income_test'] },
  },
  {
    name: 'rule 6: retired with a pension is a fixed source of living; pension above the wage is ineligible',
    applicant: { birth: '1959-01-01', hrss: [retired(3000)] },
    expect: {
      outcome: 'ineligible',
      rules: ['income_test', 'green_channel'],
      greenChannel: true,
      facts: { hrss: { perCapitaIncome: 3000, threshold: 2490 } },
    },
  },
  {
    name: 'rule 6: no employment but a pension is a fixed source of living; a low pension passes the income test',
    applicant: { birth: '1962-03-03', hrss: [{ employment: 'none', monthlyPension: 1800, asOf: AS_OF }] },
    expect: { outcome: 'eligible', rules: ['income_test', 'green_channel'], greenChannel: true },
  },
  {
    name: 'rule 6: registered unemployed minor counts as no fixed source',
    applicant: { birth: '2008-01-01', hrss: [{ employment: 'unemployed_registered', asOf: AS_OF }] },
    expect: { outcome: 'eligible', rules: ['specific_group'] },
  },
  {
    name: 'rule 6: a valid certificate with employment → disability commitment group (and green channel)',
    applicant: { birth: ADULT, hrss: [employed(7000)], disability: [certificate('2028-12-31')] },
    expect: {
      outcome: 'eligible',
      rules: ['disability_commitment_group', 'green_channel'],
      greenChannel: true,
      facts: { disability: { certificate: 'valid', validUntil: '2028-12-31' } },
    },
  },
  {
    name: 'rule 6: a valid certificate and no employment → specific group',
    applicant: { birth: ADULT, hrss: [noJob()], disability: [certificate('2028-12-31')] },
    expect: { outcome: 'eligible', rules: ['specific_group', 'green_channel'], greenChannel: true },
  },
  {
    name: 'rule 6 boundary: a certificate valid until the decision date is valid',
    applicant: { birth: ADULT, hrss: [employed(7000)], disability: [certificate(D)] },
    expect: {
      outcome: 'eligible',
      rules: ['disability_commitment_group', 'green_channel'],
      greenChannel: true,
    },
  },
  {
    name: 'rule 6 boundary: a certificate that expired the day before is not valid',
    applicant: { birth: ADULT, hrss: [employed(7000)], disability: [certificate('2024-06-14')] },
    expect: {
      outcome: 'ineligible',
      rules: ['income_test'],
      facts: { disability: { certificate: 'expired' } },
    },
  },
  {
    name: 'rule 6: a revoked certificate is not valid (and gives no green channel)',
    applicant: {
      birth: ADULT,
      hrss: [employed(7000)],
      disability: [certificate('2030-01-01', { revoked: true })],
    },
    expect: {
      outcome: 'ineligible',
      rules: ['income_test'],
      facts: { disability: { certificate: 'revoked' } },
    },
  },
  {
    name: 'rule 6: a minor with HRSS unavailable cannot be settled → missing evidence',
    applicant: { birth: '2010-10-10' },
    faults: ['hrss'],
    commitment: false,
    declared: 0,
    expect: { outcome: 'needs_review', rules: ['missing_evidence'] },
  },
  // ── Rule 7: the income test ──────────────────────────────────────────────────
  {
    name: 'rule 7 boundary: exactly the minimum wage (2490) is eligible',
    applicant: { birth: ADULT, hrss: [employed(2490)] },
    expect: { outcome: 'eligible', rules: ['income_test'], mentions: ['2490'] },
  },
  {
    name: 'rule 7 boundary: one fen above the minimum wage is ineligible',
    applicant: { birth: ADULT, hrss: [employed(2490.01)] },
    expect: { outcome: 'ineligible', rules: ['income_test'], mentions: ['2490.01', '2490'] },
  },
  {
    name: 'rule 7 boundary: household of three at exactly 2490 per head (7470 ÷ 3)',
    applicant: { birth: ADULT, hrss: [employed(5000)] },
    members: [
      { birth: '1986-07-07', relation: 'spouse', hrss: [employed(2470)] },
      { birth: '2015-09-09', relation: 'child' },
    ],
    expect: {
      outcome: 'eligible',
      rules: ['income_test'],
      facts: { hrss: { householdSize: 3, perCapitaIncome: 2490 } },
    },
  },
  {
    name: 'rule 7 boundary: household of three one fen above in total (7470.01 ÷ 3 shown as 2490.01)',
    applicant: { birth: ADULT, hrss: [employed(5000.01)] },
    members: [
      { birth: '1986-07-07', relation: 'spouse', hrss: [employed(2470)] },
      { birth: '2015-09-09', relation: 'child' },
    ],
    expect: { outcome: 'ineligible', rules: ['income_test'], mentions: ['2490.01'] },
  },
  {
    name: 'rule 7 effective dating: 2023-12-31 uses 2280',
    date: '2023-12-31',
    applicant: { birth: ADULT, hrss: [employed(2400)] },
    expect: { outcome: 'ineligible', rules: ['income_test'], mentions: ['2280'] },
  },
  {
    name: 'rule 7 effective dating: 2024-01-01 uses 2490',
    date: '2024-01-01',
    applicant: { birth: ADULT, hrss: [employed(2400)] },
    expect: { outcome: 'eligible', rules: ['income_test'], mentions: ['2490'] },
  },
  {
    name: 'rule 7 region: Lishui (320117) is class 2 (2260, an assumption the explanation states)',
    region: '320117',
    applicant: { birth: ADULT, district: '320117', hrss: [employed(2300)] },
    expect: {
      outcome: 'ineligible',
      rules: ['income_test'],
      mentions: ['2260'],
      facts: { hrss: { threshold: 2260, thresholdBasis: { wageClass: 2, classAssumed: true } } },
    },
  },
  {
    name: 'rule 7 region: the city code 320100 is class 1 (2490)',
    region: '320100',
    applicant: { birth: ADULT, district: '320117', hrss: [employed(2300)] },
    expect: { outcome: 'eligible', rules: ['income_test'], facts: { hrss: { threshold: 2490 } } },
  },
  {
    name: 'rule 7 region: Gaochun (320118) class 2 on 2023-12-31 is 2070',
    region: '320118',
    date: '2023-12-31',
    applicant: { birth: ADULT, district: '320118', hrss: [employed(2070)] },
    expect: { outcome: 'eligible', rules: ['income_test'], mentions: ['2070'] },
  },
  {
    name: "rule 7: a retired member's pension counts; unemployment with a recorded base does not",
    applicant: {
      birth: ADULT,
      hrss: [{ employment: 'unemployed_registered', monthlyContributionBase: 4000, asOf: AS_OF }],
    },
    members: [{ birth: '1950-01-01', relation: 'parent', hrss: [retired(5100)] }],
    expect: {
      outcome: 'ineligible',
      rules: ['income_test'],
      facts: { hrss: { householdMonthlyIncome: 5100, perCapitaIncome: 2550 } },
    },
  },
  {
    name: 'rule 7: the latest HRSS record describes the person',
    applicant: {
      birth: ADULT,
      hrss: [
        { ...employed(9000), asOf: '2023-01-01' },
        { ...noJob(), asOf: '2024-05-01' },
      ],
    },
    declared: 0,
    expect: { outcome: 'eligible', rules: ['income_test'] },
  },
  {
    name: 'rule 7: the household economic check takes precedence over HRSS',
    applicant: {
      birth: ADULT,
      hrss: [employed(9000)],
      civil: [
        programme('household_economic_check', '2024-03-01', {
          householdSize: 2,
          householdMonthlyIncome: 4000,
        }),
      ],
    },
    // Per capita as the check's (2000): the check, not the declaration, decides.
    declared: 2000,
    expect: {
      outcome: 'eligible',
      rules: ['income_test'],
      facts: { civil_affairs: { perCapitaIncome: 2000, householdSize: 2, threshold: 2490 } },
    },
  },
  {
    name: 'rule 7: the household economic check suffices when HRSS is unavailable',
    applicant: {
      birth: ADULT,
      civil: [
        programme('household_economic_check', '2024-03-01', {
          householdSize: 2,
          householdMonthlyIncome: 6000,
        }),
      ],
    },
    faults: ['hrss'],
    declared: 6000,
    expect: { outcome: 'ineligible', rules: ['income_test'], mentions: ['3000'] },
  },
  {
    name: 'rule 7: an ended household economic check is ignored',
    applicant: {
      birth: ADULT,
      hrss: [employed(2000)],
      civil: [
        programme('household_economic_check', '2023-01-01', {
          status: 'ended',
          householdSize: 1,
          householdMonthlyIncome: 9000,
        }),
      ],
    },
    expect: { outcome: 'eligible', rules: ['income_test'], facts: { hrss: { perCapitaIncome: 2000 } } },
  },
  {
    name: 'rule 7: unknown to every registry, a declared 5000 for one person is tested, never "income CNY 0"',
    applicant: { birth: ADULT },
    declared: 5000,
    expect: {
      outcome: 'ineligible',
      rules: ['income_test'],
      mentions: ['5000'],
      facts: { hrss: { perCapitaIncome: 0, declaredPerCapitaIncome: 5000, testedIncome: 'declared' } },
    },
  },
  {
    name: 'rule 7: declared above registered, both within the wage → eligible on the declared figure',
    applicant: { birth: ADULT, hrss: [employed(1000)] },
    declared: 2000,
    expect: {
      outcome: 'eligible',
      rules: ['income_test'],
      mentions: ['2000', '1000'],
      facts: { hrss: { perCapitaIncome: 1000, declaredPerCapitaIncome: 2000, testedIncome: 'declared' } },
    },
  },
  {
    name: 'rule 7: the declared per-capita figure of a household of two is above the check’s → it decides',
    applicant: {
      birth: ADULT,
      civil: [
        programme('household_economic_check', '2024-03-01', {
          householdSize: 2,
          householdMonthlyIncome: 4000,
        }),
      ],
    },
    members: [{ birth: '1985-01-20', relation: 'spouse' }],
    declared: 6000,
    expect: {
      outcome: 'ineligible',
      rules: ['income_test'],
      mentions: ['3000', '2000'],
      facts: {
        civil_affairs: { perCapitaIncome: 2000, declaredPerCapitaIncome: 3000, testedIncome: 'declared' },
      },
    },
  },
  {
    name: 'rule 7: registered above declared → the registered figure decides and is named',
    applicant: { birth: ADULT, hrss: [employed(2400)] },
    declared: 2300,
    expect: {
      outcome: 'eligible',
      rules: ['income_test'],
      mentions: ['2400', '2300'],
      facts: { hrss: { perCapitaIncome: 2400, testedIncome: 'registered' } },
    },
  },
  // ── Rule 8: missing evidence ────────────────────────────────────────────────
  {
    name: 'rule 8: HRSS unavailable, commitment signed → provisionally eligible',
    applicant: { birth: ADULT },
    faults: ['hrss'],
    declared: 1500,
    expect: { outcome: 'eligible', provisional: true, rules: ['missing_evidence'] },
  },
  {
    name: 'rule 8: HRSS unavailable, no commitment → needs review, never ineligible',
    applicant: { birth: ADULT },
    faults: ['hrss'],
    declared: 1500,
    commitment: false,
    expect: { outcome: 'needs_review', rules: ['missing_evidence'] },
  },
  {
    name: 'rule 8: HRSS fails for one member only, which leaves the income unknown',
    applicant: { birth: ADULT, hrss: [employed(9000)] },
    members: [{ birth: '1987-08-08', relation: 'spouse', faults: ['hrss'] }],
    expect: { outcome: 'eligible', provisional: true, rules: ['missing_evidence'] },
  },
  {
    name: 'rule 8: disability unavailable and income above the wage → a certificate could still grant',
    applicant: { birth: ADULT, hrss: [employed(3000)] },
    faults: ['disability'],
    expect: {
      outcome: 'eligible',
      provisional: true,
      rules: ['missing_evidence'],
      mentions: ['3000', '2490'],
    },
  },
  {
    name: 'rule 8: disability unavailable without commitment → needs review',
    applicant: { birth: ADULT, hrss: [employed(3000)] },
    faults: ['disability'],
    commitment: false,
    expect: { outcome: 'needs_review', rules: ['missing_evidence'] },
  },
  {
    name: 'disability unavailable but income within the wage → the income test grants',
    applicant: { birth: ADULT, hrss: [employed(2000)] },
    faults: ['disability'],
    expect: { outcome: 'eligible', rules: ['income_test'] },
  },
  {
    name: 'rule 8: civil affairs unavailable, HRSS income within the wage → a household check could override',
    applicant: { birth: ADULT, hrss: [employed(2000)] },
    faults: ['civil_affairs'],
    expect: { outcome: 'eligible', provisional: true, rules: ['missing_evidence'], mentions: ['2000'] },
  },
  {
    name: 'rule 8: civil affairs unavailable, HRSS income above the wage → assistance could grant',
    applicant: { birth: ADULT, hrss: [employed(5000)] },
    faults: ['civil_affairs'],
    commitment: false,
    expect: { outcome: 'needs_review', rules: ['missing_evidence'] },
  },
  {
    name: 'rule 8: consent without HRSS → out of scope, never queried, missing evidence',
    applicant: { birth: ADULT, hrss: [employed(9000)] },
    scopes: ['civil_affairs', 'disability'],
    declared: 2000,
    expect: {
      outcome: 'eligible',
      provisional: true,
      rules: ['missing_evidence'],
      queried: ['civil_affairs', 'disability'],
      outOfScope: ['hrss'],
    },
  },
  {
    name: 'rule 8: consent without disability → out of scope; a certificate could grant',
    applicant: { birth: ADULT, hrss: [employed(9000)], disability: [certificate('2030-01-01')] },
    scopes: ['civil_affairs', 'hrss'],
    commitment: false,
    expect: {
      outcome: 'needs_review',
      rules: ['missing_evidence'],
      queried: ['civil_affairs', 'hrss'],
      outOfScope: ['disability'],
    },
  },
  {
    name: 'rule 8: empty consent → nothing queried; social assistance on record is not seen',
    applicant: { birth: ADULT, civil: [programme('minimum_living_allowance')] },
    scopes: [],
    declared: 800,
    commitment: false,
    expect: { outcome: 'needs_review', rules: ['missing_evidence'], queried: [], outOfScope: [...ALL] },
  },
  {
    name: 'consent without HRSS but civil affairs shows assistance → rule 4 grants',
    applicant: { birth: ADULT, civil: [programme('extreme_poverty')] },
    scopes: ['civil_affairs'],
    declared: 0,
    expect: {
      outcome: 'eligible',
      rules: ['social_assistance'],
      queried: ['civil_affairs'],
      outOfScope: ['hrss', 'disability'],
    },
  },
  // ── Flags ────────────────────────────────────────────────────────────────
  {
    name: 'green channel: an orphan (minor, no fixed source)',
    applicant: { birth: '2012-04-04', civil: [programme('orphan', '2020-01-01')] },
    expect: { outcome: 'eligible', rules: ['specific_group', 'green_channel'], greenChannel: true },
  },
  {
    name: 'green channel: temporary assistance after a disaster',
    applicant: {
      birth: ADULT,
      hrss: [employed(2000)],
      civil: [programme('temporary_assistance', '2024-05-01', { reason: 'disaster', until: '2024-08-01' })],
    },
    expect: { outcome: 'eligible', rules: ['income_test', 'green_channel'], greenChannel: true },
  },
  {
    name: 'green channel: temporary assistance for illness, with an ineligible outcome',
    applicant: {
      birth: ADULT,
      hrss: [employed(4000)],
      civil: [programme('temporary_assistance', '2024-05-01', { reason: 'illness' })],
    },
    expect: { outcome: 'ineligible', rules: ['income_test', 'green_channel'], greenChannel: true },
  },
  {
    name: 'no green channel: temporary assistance for another reason',
    applicant: {
      birth: ADULT,
      hrss: [employed(2000)],
      civil: [programme('temporary_assistance', '2024-05-01', { reason: 'other' })],
    },
    expect: { outcome: 'eligible', rules: ['income_test'] },
  },
  {
    name: 'no green channel: temporary assistance for illness that has ended',
    applicant: {
      birth: ADULT,
      hrss: [employed(2000)],
      civil: [programme('temporary_assistance', '2023-05-01', { reason: 'illness', until: '2023-12-31' })],
    },
    expect: { outcome: 'eligible', rules: ['income_test'] },
  },
  {
    name: 'declaration mismatch: registered 2000 vs declared 1000 (eligible, flagged)',
    applicant: { birth: ADULT, hrss: [employed(2000)] },
    declared: 1000,
    expect: { outcome: 'eligible', rules: ['income_test', 'declaration_mismatch'] },
  },
  {
    name: 'declaration mismatch boundary: exactly 10 % above is not flagged',
    applicant: { birth: ADULT, hrss: [employed(2200)] },
    declared: 2000,
    expect: { outcome: 'eligible', rules: ['income_test'] },
  },
  {
    name: 'declaration mismatch boundary: one fen more than 10 % above is flagged',
    applicant: { birth: ADULT, hrss: [employed(2200.01)] },
    declared: 2000,
    expect: { outcome: 'eligible', rules: ['income_test', 'declaration_mismatch'] },
  },
  {
    name: 'declaration mismatch per head in a household of two (2300 ÷ 2 vs 2000 ÷ 2)',
    applicant: { birth: ADULT, hrss: [employed(2300)] },
    members: [{ birth: '1986-07-07', relation: 'spouse', hrss: [noJob()] }],
    declared: 2000,
    expect: { outcome: 'eligible', rules: ['income_test', 'declaration_mismatch'] },
  },
  {
    name: 'declaration mismatch is flagged whatever the outcome (social assistance grants)',
    applicant: { birth: ADULT, civil: [programme('minimum_living_allowance')], hrss: [employed(3000)] },
    declared: 500,
    expect: { outcome: 'eligible', rules: ['social_assistance', 'declaration_mismatch'] },
  },
  {
    name: 'parameter review: the day after reviewBy (2027-01-02) is overdue but still decides',
    date: '2027-01-02',
    applicant: { birth: ADULT, hrss: [{ ...employed(2400), asOf: '2026-12-01' }] },
    expect: {
      outcome: 'eligible',
      rules: ['income_test', 'parameter_review_overdue'],
      mentions: ['2490'],
    },
  },
  {
    name: 'parameter review boundary: on reviewBy (2027-01-01) it is not overdue',
    date: '2027-01-01',
    applicant: { birth: ADULT, hrss: [{ ...employed(2400), asOf: '2026-12-01' }] },
    expect: { outcome: 'eligible', rules: ['income_test'] },
  },
  {
    name: 'parameter review: not flagged when the wage was not used (rule 4 grants)',
    date: '2027-06-01',
    applicant: { birth: ADULT, civil: [programme('minimum_living_allowance')], hrss: [employed(2400)] },
    expect: { outcome: 'eligible', rules: ['social_assistance'] },
  },
  {
    name: 'every flag at once: elderly, mismatch and overdue on an ineligible outcome',
    date: '2027-03-01',
    applicant: { birth: '1960-01-01', hrss: [{ ...retired(4000), asOf: '2027-01-01' }] },
    declared: 1000,
    expect: {
      outcome: 'ineligible',
      rules: ['income_test', 'green_channel', 'declaration_mismatch', 'parameter_review_overdue'],
      greenChannel: true,
    },
  },
];

/**
 * The cases with concrete, unique identity numbers, names and fixtures.
 * @example buildPolicyCases().length
 */
export function buildPolicyCases(): PolicyCase[] {
  let sequence = 0;
  certificates = 0;
  return SPECS.map((spec) => {
    const people = [spec.applicant, ...(spec.members ?? [])].map((p) => {
      sequence += 1;
      const district = p.district ?? '320102';
      return {
        spec: p,
        idNumber: makeIdNumber(district, p.birth, sequence),
        name: `测试人${sequence}号`,
        district,
      };
    });
    const [applicant, ...members] = people;
    if (!applicant) throw new Error('a case needs an applicant');
    const fixtures = {
      persons: people.map(({ idNumber, name, district }) => ({ idNumber, name, district })),
      civilAffairs: people.flatMap(({ spec: p, idNumber }) =>
        (p.civil ?? []).map((r) => ({ idNumber, ...r })),
      ),
      hrss: people.flatMap(({ spec: p, idNumber }) => (p.hrss ?? []).map((r) => ({ idNumber, ...r }))),
      disability: people.flatMap(({ spec: p, idNumber }) =>
        (p.disability ?? []).map((r) => ({ idNumber, ...r })),
      ),
      faults: [
        ...(spec.faults ?? []).map((source): Fault => ({ source, mode: 'error' })),
        ...people.flatMap(({ spec: p, idNumber }) =>
          (p.faults ?? []).map((source): Fault => ({ source, idNumber, mode: 'error' })),
        ),
      ],
    };
    const truthful = fixtures.hrss.reduce(
      (sum, r) =>
        sum + (r.employment === 'employed' ? (r.monthlyContributionBase ?? 0) : 0) + (r.monthlyPension ?? 0),
      0,
    );
    const scopes = spec.scopes ?? ALL;
    const request: VerificationRequest = {
      applicant: { idNumber: applicant.idNumber, name: applicant.name },
      household: members.map((m) => ({
        idNumber: m.idNumber,
        name: m.name,
        relation: m.spec.relation ?? 'other',
      })),
      matter: { kind: spec.matter?.[0] ?? 'civil', category: spec.matter?.[1] ?? 'maintenance' },
      declaration: {
        monthlyHouseholdIncome: spec.declared ?? Math.round(truthful * 100) / 100,
        integrityCommitment: spec.commitment ?? true,
      },
      consent: {
        reference: `CONSENT-TEST-${String(sequence).padStart(4, '0')}`,
        grantedAt: `${spec.date ?? D}T09:00:00+08:00`,
        scopes: [...scopes],
      },
      region: spec.region ?? '320100',
      decisionDate: spec.date ?? D,
    };
    const e = spec.expect;
    const expected: ExpectedDecision = {
      outcome: e.outcome,
      provisional: e.provisional ?? false,
      greenChannel: e.greenChannel ?? false,
      rules: e.rules,
      queried: e.queried ?? ALL.filter((s) => scopes.includes(s)),
      outOfScope: e.outOfScope ?? ALL.filter((s) => !scopes.includes(s)),
      ...(e.facts ? { facts: e.facts } : {}),
      ...(e.mentions && e.mentions.length > 0 ? { mentions: e.mentions } : {}),
    };
    return { name: spec.name, request, fixtures, expected };
  });
}
