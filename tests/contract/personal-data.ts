/**
 * Scans text (log output, problem bodies, leaves) for the synthetic personal data a test
 * used: every identity number, its first 17 characters (an echo of a number whose check
 * character was altered still leaks the person), every name, and any other identifier given.
 */
import type { ContractPerson } from './contract-target.ts';

/** One occurrence of personal data in scanned text. */
export interface PersonalDataHit {
  /** Which secret matched: `idNumber`, `idPrefix` or `name`. */
  readonly kind: 'idNumber' | 'idPrefix' | 'name' | 'other';
  readonly value: string;
  /** Up to 40 characters either side, to find the culprit. */
  readonly context: string;
}

/** The secrets of a set of people, deduplicated; longest first so a report names the most specific. */
export function secretsOf(
  people: Iterable<ContractPerson>,
  other: Iterable<string> = [],
): readonly { kind: PersonalDataHit['kind']; value: string }[] {
  const out = new Map<string, PersonalDataHit['kind']>();
  for (const value of other) out.set(value, 'other');
  for (const p of people) {
    out.set(p.idNumber, 'idNumber');
    if (!out.has(p.idNumber.slice(0, 17))) out.set(p.idNumber.slice(0, 17), 'idPrefix');
    if (!out.has(p.name)) out.set(p.name, 'name');
  }
  return [...out].map(([value, kind]) => ({ kind, value })).sort((a, b) => b.value.length - a.value.length);
}

/**
 * Every place in `text` where one of `people`'s identity numbers or names, or one of the
 * `other` identifiers (certificate numbers…), occurs.
 * @example expect(findPersonalData(child.output(), fixtures.persons)).toEqual([]);
 */
export function findPersonalData(
  text: string,
  people: Iterable<ContractPerson>,
  other: Iterable<string> = [],
): PersonalDataHit[] {
  const hits: PersonalDataHit[] = [];
  for (const secret of secretsOf(people, other)) {
    let at = text.indexOf(secret.value);
    while (at !== -1) {
      hits.push({
        kind: secret.kind,
        value: secret.value,
        context: text.slice(Math.max(0, at - 40), at + secret.value.length + 40),
      });
      at = text.indexOf(secret.value, at + 1);
    }
  }
  return hits;
}
