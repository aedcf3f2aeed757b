/**
 * The Suzhou policy (cn-320500): its own regions and parameters, the same Jiangsu rules, its
 * own citations and explanations, and `regionalPolicy` choosing a gateway's policy by code.
 */
import { describe, expect, it } from 'vitest';
import { makeIdNumber, type VerificationRequest } from '../../../schemas/index.ts';
import { digestOf } from '../../../src/core/digest.ts';
import { GatewayError } from '../../../src/core/errors.ts';
import { createNanjingPolicy } from '../../../src/core/policy/nanjing-policy.ts';
import {
  createSuzhouPolicy,
  REGION_CODES,
  regionalPolicy,
  SUZHOU_PARAMETERS,
  suzhouPolicyDefinition,
} from '../../../src/core/policy/suzhou-policy.ts';
import type { EvidenceSet } from '../../../src/core/policy/types.ts';
import { requestFor } from '../../support/requests.ts';

const applicantId = makeIdNumber('320508', '1950-03-10', 903);

function request(region: string): VerificationRequest {
  const applicant = { idNumber: applicantId, name: '测试人乙' };
  return requestFor({ persons: [{ ...applicant, district: '320508' }] }, 0, {
    matter: { kind: 'civil', category: 'maintenance' },
    declaration: { monthlyHouseholdIncome: 2400, integrityCommitment: true },
    region,
  });
}

/** Civil affairs and disability know nothing; HRSS knows the applicant's contribution base. */
const evidence = (base: number): EvidenceSet => {
  const none = { status: 'answered' as const, records: new Map() };
  const hrss = {
    idNumber: applicantId,
    employment: 'employed' as const,
    monthlyContributionBase: base,
    asOf: '2024-06-01',
  };
  return {
    civil_affairs: none,
    disability: none,
    hrss: { status: 'answered', records: new Map([[applicantId, [hrss]]]) },
  };
};

describe('createSuzhouPolicy', () => {
  const policy = createSuzhouPolicy();

  it('names itself, commits to its own definition and differs from Nanjing', () => {
    expect(policy.id).toBe('cn-320500');
    expect(policy.digest).toBe(digestOf(suzhouPolicyDefinition(SUZHOU_PARAMETERS)));
    expect(policy.digest).not.toBe(createNanjingPolicy().digest);
  });

  it('covers Suzhou and its districts and county-level cities, not Nanjing', () => {
    for (const code of ['320500', '320508', '320583', '320585']) expect(policy.supports(code)).toBe(true);
    expect(policy.supports('320100')).toBe(false);
    expect(createNanjingPolicy().supports('320500')).toBe(false);
  });

  it('marks every wage class as an assumption and keeps the Jiangsu notices as the wage source', () => {
    expect(SUZHOU_PARAMETERS.regions.every((r) => r.classAssumed)).toBe(true);
    expect(SUZHOU_PARAMETERS.minimumWages.every((w) => w.source.includes('江苏省'))).toBe(true);
  });

  it('decides the income test against the Suzhou minimum wage, and says so with its assumption', () => {
    const eligible = policy.decide(request('320583'), '2024-06-30', evidence(2400));
    expect(eligible.outcome).toBe('eligible');
    const income = eligible.basis.find((b) => b.rule === 'income_test');
    expect(income?.explanations['zh-CN']).toContain('苏州市昆山市');
    expect(income?.explanations.en).toContain('an assumption');
    const ineligible = policy.decide(request('320500'), '2024-06-30', evidence(2600));
    expect(ineligible.outcome).toBe('ineligible');
  });

  it("names Suzhou's green channel, with Suzhou's citation", () => {
    const decided = policy.decide(request('320500'), '2024-06-30', evidence(2400));
    const green = decided.basis.find((b) => b.rule === 'green_channel');
    expect(green?.citation).toContain('苏州市');
    expect(green?.explanations.en).toContain('Suzhou green channel');
    expect(green?.explanations['zh-CN']).not.toContain('南京');
  });

  it('refuses a Nanjing region', () => {
    try {
      policy.plan(request('320100'), '2024-06-30');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).code).toBe('ERR_UNKNOWN_REGION');
    }
  });
});

describe('regionalPolicy', () => {
  it('gives the policy of each shipped region code and refuses another', () => {
    expect(REGION_CODES.map((code) => regionalPolicy(code).id)).toEqual(['cn-320100', 'cn-320500']);
    expect(regionalPolicy('cn-320100').digest).toBe(createNanjingPolicy().digest);
    expect(() => regionalPolicy('cn-110000')).toThrow(GatewayError);
  });
});
