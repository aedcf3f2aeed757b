/**
 * Intake requests over the synthetic population the bench sandboxes serve (same seed,
 * same people): civil wage claims that need all three registries, applicant only.
 */
import { generatePopulation } from '../../connectors/index.ts';
import type { VerificationRequest } from '../../schemas/index.ts';

export const BENCH_SEED = 'egw-bench';
export const BENCH_POPULATION = 5000;

export function benchPersons(size = BENCH_POPULATION): readonly { idNumber: string; name: string }[] {
  return generatePopulation({ seed: BENCH_SEED, size }).persons;
}

/** Request `i` over the population; `reference` makes otherwise equal cases distinct. */
export function benchRequest(
  persons: readonly { idNumber: string; name: string }[],
  i: number,
  reference = `BENCH-${i}`,
): VerificationRequest {
  const person = persons[i % persons.length];
  if (!person) throw new Error('empty population');
  return {
    applicant: { idNumber: person.idNumber, name: person.name },
    household: [],
    matter: { kind: 'civil', category: 'wage_claim' },
    declaration: { monthlyHouseholdIncome: 1500 + (i % 7) * 400, integrityCommitment: true },
    consent: {
      reference,
      grantedAt: '2025-06-01T09:00:00+08:00',
      scopes: ['civil_affairs', 'hrss', 'disability'],
    },
    region: '320100',
    decisionDate: '2025-06-30',
  };
}
