/**
 * The Nanjing policy's surface: identity and digest, regions, parameters and their
 * effective dating, input errors, operator-supplied parameters, and the small helpers.
 * Rule behaviour is covered case by case in nanjing-policy-cases.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { makeIdNumber, RULE_IDS, type VerificationRequest } from '../../../schemas/index.ts';
import { digestOf } from '../../../src/core/digest.ts';
import { GatewayError } from '../../../src/core/errors.ts';
import { decisionDateOf, isCalendarDate } from '../../../src/core/policy/decision-date.ts';
import { MATTER_CATEGORIES } from '../../../src/core/policy/matter-categories.ts';
import { formatYuan, perCapitaYuan, toFen } from '../../../src/core/policy/money.ts';
import {
  createNanjingPolicy,
  NANJING_POLICY_VERSION,
  nanjingPolicyDefinition,
} from '../../../src/core/policy/nanjing-policy.ts';
import {
  minimumWageOn,
  NANJING_PARAMETERS,
  type NanjingParameters,
} from '../../../src/core/policy/parameters.ts';
import { citationOf, NANJING_RULES } from '../../../src/core/policy/rules.ts';
import type { EvidenceSet } from '../../../src/core/policy/types.ts';

const applicantId = makeIdNumber('320102', '1984-03-10', 901);

function request(overrides: Partial<VerificationRequest> = {}): VerificationRequest {
  return {
    applicant: { idNumber: applicantId, name: '测试人甲' },
    household: [],
    matter: { kind: 'civil', category: 'maintenance' },
    declaration: { monthlyHouseholdIncome: 2400, integrityCommitment: true },
    consent: {
      reference: 'CONSENT-UNIT',
      grantedAt: '2024-06-15T09:00:00+08:00',
      scopes: ['civil_affairs', 'hrss', 'disability'],
    },
    region: '320100',
    ...overrides,
  };
}

function answered(hrssBase: number, region = '320100'): { req: VerificationRequest; evidence: EvidenceSet } {
  return {
    req: request({ region }),
    evidence: {
      civil_affairs: { status: 'answered', records: new Map() },
      hrss: {
        status: 'answered',
        records: new Map([
          [
            applicantId,
            [
              {
                idNumber: applicantId,
                employment: 'employed',
                monthlyContributionBase: hrssBase,
                asOf: '2024-06-01',
              },
            ],
          ],
        ]),
      },
      disability: { status: 'answered', records: new Map() },
    },
  };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    return err instanceof GatewayError ? err.code : 'not a GatewayError';
  }
  return undefined;
}

describe('createNanjingPolicy', () => {
  const policy = createNanjingPolicy();

  it('names itself and commits to its definition', () => {
    expect(policy.id).toBe('cn-320100');
    expect(policy.version).toBe(NANJING_POLICY_VERSION);
    expect(policy.digest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(policy.digest).toBe(digestOf(nanjingPolicyDefinition(NANJING_PARAMETERS)));
    expect(createNanjingPolicy().digest).toBe(policy.digest);
  });

  it('pins the digest: a change to rules, citations or parameters must be deliberate (bump the version)', () => {
    expect(policy.digest).toBe('CHxsigFfv8GJtoNfU5-WepG4UftluXsrhGVlpHI3U38');
  });

  it('carries a dated re-verification window with its source, and refuses a bad one', () => {
    expect(policy.reverificationWindow('2025-06-30')).toEqual({
      days: 30,
      source: expect.stringMatching(/第四十一条.*art\. 41/),
    });
    const later = {
      ...NANJING_PARAMETERS,
      reverificationWindows: [
        ...NANJING_PARAMETERS.reverificationWindows,
        { from: '2026-01-01', days: 60, source: 'a later notice', assumed: false },
      ],
    };
    const edited = createNanjingPolicy({ parameters: later });
    expect(edited.reverificationWindow('2025-12-31').days).toBe(30);
    expect(edited.reverificationWindow('2026-01-01').days).toBe(60);
    expect(edited.digest).not.toBe(policy.digest);
    expect(() =>
      createNanjingPolicy({
        parameters: {
          ...NANJING_PARAMETERS,
          reverificationWindows: [{ from: '2022-01-01', days: 0, source: ' ', assumed: true }],
        },
      }),
    ).toThrow(/invalid policy parameters/);
  });

  it('has one definition per rule id, citing a law', () => {
    expect(NANJING_RULES.map((r) => r.id)).toEqual([...RULE_IDS]);
    for (const r of NANJING_RULES) expect(r.citation).toMatch(/^《.+》.* \/ .+/);
  });

  it('knows the categories of the contract and of art. 31', () => {
    expect(policy.categories).toEqual(MATTER_CATEGORIES.map((c) => c.code));
    for (const code of [
      'wage_claim',
      'work_injury',
      'domestic_violence',
      'maintenance',
      'heroic_act',
      'martyr_rights',
      'retrial_acquittal_compensation',
      'criminal_assignment',
      'other',
      'social_insurance',
      'state_compensation',
      'labour_relation',
      'environmental_damage',
    ]) {
      expect(policy.categories).toContain(code);
    }
  });

  it('supports the city and its eleven districts only', () => {
    const supported = [
      '320100',
      '320102',
      '320104',
      '320105',
      '320106',
      '320111',
      '320113',
      '320114',
      '320115',
      '320116',
      '320117',
      '320118',
    ];
    for (const r of supported) expect(policy.supports(r)).toBe(true);
    for (const r of ['320000', '320101', '320103', '320119', '110100', ''])
      expect(policy.supports(r)).toBe(false);
  });

  it('rejects requests outside the policy with stable codes', () => {
    const evidence = answered(2000).evidence;
    expect(codeOf(() => policy.plan(request({ region: '110100' }), '2024-06-15'))).toBe('ERR_UNKNOWN_REGION');
    expect(
      codeOf(() =>
        policy.plan(request({ matter: { kind: 'civil', category: 'parking_fine' } }), '2024-06-15'),
      ),
    ).toBe('ERR_UNKNOWN_CATEGORY');
    expect(codeOf(() => policy.plan(request(), '2021-12-31'))).toBe('ERR_VALIDATION');
    expect(codeOf(() => policy.decide(request(), '2024-02-30', evidence))).toBe('ERR_VALIDATION');
    expect(codeOf(() => policy.decide(request(), '2022-01-01', evidence))).toBeUndefined();
  });

  it('treats registries the service did not query as missing evidence, never as ineligible', () => {
    const d = policy.decide(
      request({ declaration: { monthlyHouseholdIncome: 0, integrityCommitment: false } }),
      '2024-06-15',
      {
        civil_affairs: { status: 'not_queried' },
        hrss: { status: 'unavailable', code: 'ERR_REGISTRY_TIMEOUT' },
        disability: { status: 'not_queried' },
      },
    );
    expect(d.outcome).toBe('needs_review');
    expect(d.basis.map((b) => b.rule)).toEqual(['missing_evidence']);
    expect(d.basis[0]?.explanations.en).toContain('was not queried');
    expect(d.facts).toEqual({});
  });
});

describe('operator parameters', () => {
  const lishuiClass1: NanjingParameters = {
    ...NANJING_PARAMETERS,
    regions: NANJING_PARAMETERS.regions.map((r) => (r.code === '320117' ? { ...r, wageClass: 1 } : r)),
  };

  it('change the digest and the decision, and the explanation still names the assumption', () => {
    const changed = createNanjingPolicy({ parameters: lishuiClass1 });
    expect(changed.digest).not.toBe(createNanjingPolicy().digest);
    const { req, evidence } = answered(2300, '320117');
    expect(createNanjingPolicy().decide(req, '2024-06-15', evidence).outcome).toBe('ineligible');
    const d = changed.decide(req, '2024-06-15', evidence);
    expect(d.outcome).toBe('eligible');
    expect(d.basis[0]?.explanations.en).toContain('assumption');
    expect(d.basis[0]?.explanations['zh-CN']).toContain('假设');
  });

  it('are checked when the policy is created', () => {
    const unsorted = { ...NANJING_PARAMETERS, minimumWages: [...NANJING_PARAMETERS.minimumWages].reverse() };
    const badClass = {
      ...NANJING_PARAMETERS,
      regions: [
        { code: '32011', names: { 'zh-CN': 'x', en: 'x' }, wageClass: 1 as const, classAssumed: true },
      ],
    };
    const lateStart = { ...NANJING_PARAMETERS, effectiveFrom: '2020-01-01' };
    for (const parameters of [unsorted, badClass, lateStart]) {
      expect(codeOf(() => createNanjingPolicy({ parameters }))).toBe('ERR_VALIDATION');
    }
  });
});

describe('minimumWageOn', () => {
  it('applies the entry whose from is on or before the date', () => {
    expect(minimumWageOn(NANJING_PARAMETERS, '320100', '2023-12-31')?.amount).toBe(2280);
    expect(minimumWageOn(NANJING_PARAMETERS, '320100', '2024-01-01')?.amount).toBe(2490);
    expect(minimumWageOn(NANJING_PARAMETERS, '320117', '2023-12-31')?.amount).toBe(2070);
    expect(minimumWageOn(NANJING_PARAMETERS, '320118', '2024-01-01')?.amount).toBe(2260);
    expect(minimumWageOn(NANJING_PARAMETERS, '320102', '2021-08-01')?.amount).toBe(2280);
    expect(minimumWageOn(NANJING_PARAMETERS, '320102', '2021-07-31')).toBeUndefined();
    expect(minimumWageOn(NANJING_PARAMETERS, '320000', '2024-01-01')).toBeUndefined();
  });

  it('carries the source, the review date and whether the class is an assumption', () => {
    const city = minimumWageOn(NANJING_PARAMETERS, '320100', '2024-06-15');
    expect(city).toMatchObject({ wageClass: 1, from: '2024-01-01', reviewBy: '2027-01-01' });
    expect(city?.source).toContain('最低工资标准');
    expect(city?.region.classAssumed).toBe(false);
    expect(minimumWageOn(NANJING_PARAMETERS, '320115', '2024-06-15')?.region.classAssumed).toBe(true);
  });
});

describe('helpers', () => {
  it('decisionDateOf uses the Asia/Shanghai calendar day', () => {
    expect(decisionDateOf(new Date('2023-12-31T15:59:59Z'))).toBe('2023-12-31');
    expect(decisionDateOf(new Date('2023-12-31T16:00:00Z'))).toBe('2024-01-01');
  });

  it('isCalendarDate accepts real dates only', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-1-01')).toBe(false);
  });

  it('money is exact in fen and per-capita rounds up to the fen', () => {
    expect(toFen(2490.01)).toBe(249001);
    expect(toFen(0.1 + 0.2)).toBe(30);
    expect(perCapitaYuan(747001, 3)).toBe(2490.01);
    expect(perCapitaYuan(747000, 3)).toBe(2490);
    expect(formatYuan(2490)).toBe('2490');
    expect(formatYuan(1245.5)).toBe('1245.50');
  });

  it('citationOf narrows art. 32 to the item', () => {
    expect(citationOf('no_economic_condition', 4)).toBe(
      '《中华人民共和国法律援助法》第三十二条第四项 / Legal Aid Law art. 32(4)',
    );
    expect(citationOf('social_assistance', 4)).toBe(citationOf('social_assistance'));
  });
});
