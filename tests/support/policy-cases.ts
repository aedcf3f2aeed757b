/**
 * tests/fixtures/policy-cases.json for the integration tests: the cases, one sandbox fixture
 * set holding all of them, and what each case must look like through HTTP.
 */
import { readFileSync } from 'node:fs';
import { SOURCES, type Source } from '../../schemas/common.ts';
import { type Fault, Fixtures, type FixturesInput } from '../../schemas/registry-records.ts';
import type { PolicyCase } from '../unit/policy/policy-case-builder.ts';

export type { PolicyCase };

const FILE = new URL('../fixtures/policy-cases.json', import.meta.url);

/** Every case of the file, in file order. */
export function loadPolicyCases(): readonly PolicyCase[] {
  return (JSON.parse(readFileSync(FILE, 'utf8')) as { cases: PolicyCase[] }).cases;
}

/** Applicant first, then the household, as the policy plans civil affairs and HRSS queries. */
export function householdOf(c: PolicyCase): readonly string[] {
  return [c.request.applicant.idNumber, ...c.request.household.map((m) => m.idNumber)];
}

/** Whom the plan asks `source` about: everyone, except disability (the applicant only). */
export function subjectsOf(c: PolicyCase, source: Source): readonly string[] {
  return source === 'disability' ? [c.request.applicant.idNumber] : householdOf(c);
}

/**
 * The case's faults narrowed to its applicant, so one sandbox set can serve every case at
 * once: the applicant is in every query the case makes, and a fault for any subject fails
 * the whole answer, so the source is unavailable for this case exactly as a fault for
 * everyone would make it, and for no other case.
 */
export function scopedFaults(c: PolicyCase): Fault[] {
  return Fixtures.parse(c.fixtures).faults.map((f) => ({
    source: f.source,
    mode: f.mode,
    idNumber: f.idNumber ?? c.request.applicant.idNumber,
  }));
}

/**
 * One fixture set with every case's people and records. Throws if two cases share an
 * identity number (their records would mix).
 */
export function unionFixtures(cases: readonly PolicyCase[]): Fixtures {
  const owner = new Map<string, string>();
  const union: Required<Omit<FixturesInput, 'faults'>> & { faults: Fault[] } = {
    persons: [],
    civilAffairs: [],
    hrss: [],
    disability: [],
    faults: [],
  };
  for (const c of cases) {
    const f = Fixtures.parse(c.fixtures);
    for (const p of f.persons) {
      const earlier = owner.get(p.idNumber);
      if (earlier !== undefined) throw new Error(`"${c.name}" reuses a person of "${earlier}"`);
      owner.set(p.idNumber, c.name);
    }
    union.persons.push(...f.persons);
    union.civilAffairs.push(...f.civilAffairs);
    union.hrss.push(...f.hrss);
    union.disability.push(...f.disability);
    union.faults.push(...scopedFaults(c));
  }
  return Fixtures.parse(union);
}

export type EvidenceStatus = 'found' | 'not_found' | 'unavailable' | 'not_queried' | 'out_of_scope';

/** The evidence status each source must show for a case, from its fixtures and expectation. */
export function expectedEvidence(c: PolicyCase): Record<Source, EvidenceStatus> {
  const f = Fixtures.parse(c.fixtures);
  const records: Record<Source, readonly { idNumber: string }[]> = {
    civil_affairs: f.civilAffairs,
    hrss: f.hrss,
    disability: f.disability,
  };
  const status = (source: Source): EvidenceStatus => {
    if (c.expected.outOfScope.includes(source)) return 'out_of_scope';
    if (!c.expected.queried.includes(source)) return 'not_queried';
    const asked = subjectsOf(c, source);
    if (f.faults.some((x) => x.source === source && (x.idNumber === undefined || asked.includes(x.idNumber))))
      return 'unavailable';
    return records[source].some((r) => asked.includes(r.idNumber)) ? 'found' : 'not_found';
  };
  return Object.fromEntries(SOURCES.map((s) => [s, status(s)])) as Record<Source, EvidenceStatus>;
}

/** Every disability certificate number of the cases: identifying, so never to be logged either. */
export function certificateNumbersOf(cases: readonly PolicyCase[]): string[] {
  return cases.flatMap((c) => Fixtures.parse(c.fixtures).disability.map((d) => d.certificateNo));
}
