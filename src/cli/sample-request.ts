/**
 * The copy-paste sample `egw start` prints: an applicant drawn from the sandbox population
 * (synthetic) who receives an active minimum living allowance, so the sample shows a
 * decision with evidence from every registry.
 */
import type { Fixtures, VerificationRequest } from '../../schemas/index.ts';

export function sampleRequest(fixtures: Fixtures): VerificationRequest {
  const assisted = fixtures.civilAffairs.find(
    (r) => r.programme === 'minimum_living_allowance' && r.status === 'active' && !r.until,
  );
  const person = fixtures.persons.find((p) => p.idNumber === assisted?.idNumber) ?? fixtures.persons[0];
  if (!person) throw new Error('the sandbox population is empty');
  return {
    applicant: { idNumber: person.idNumber, name: person.name },
    household: [],
    matter: { kind: 'civil', category: 'wage_claim' },
    declaration: { monthlyHouseholdIncome: 1800, integrityCommitment: true },
    consent: {
      reference: 'CONSENT-SAMPLE-0001',
      grantedAt: new Date().toISOString(),
      scopes: ['civil_affairs', 'hrss', 'disability'],
    },
    region: '320100',
  };
}
