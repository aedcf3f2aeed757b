/** Builders for intake requests over synthetic people. */
import type { Fixtures, VerificationRequest } from '../../schemas/index.ts';

export function requestFor(
  fixtures: Pick<Fixtures, 'persons'>,
  applicantIndex = 0,
  overrides: Partial<VerificationRequest> = {},
): VerificationRequest {
  const person = fixtures.persons[applicantIndex];
  if (!person) throw new Error(`no person ${applicantIndex} in the fixtures`);
  return {
    applicant: { idNumber: person.idNumber, name: person.name },
    household: [],
    matter: { kind: 'civil', category: 'wage_claim' },
    declaration: { monthlyHouseholdIncome: 2000, integrityCommitment: true },
    consent: {
      reference: 'CONSENT-TEST-0001',
      grantedAt: '2025-06-01T09:00:00+08:00',
      scopes: ['civil_affairs', 'hrss', 'disability'],
    },
    region: '320100',
    decisionDate: '2025-06-30',
    ...overrides,
  };
}
