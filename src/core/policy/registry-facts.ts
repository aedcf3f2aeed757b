/**
 * Reading registry records the way DOMAIN.md defines them: who is in the household, when
 * a programme is active, when a certificate is valid, what counts as registered income
 * and as a fixed source of living. Pure and order-independent, so the same evidence in
 * any order gives the same decision (invariant 5).
 */
import type {
  CivilAffairsRecord,
  DisabilityRecord,
  HrssRecord,
  VerificationRequest,
} from '../../../schemas/index.ts';
import { canonicalJson } from '../canonical-json.ts';
import { toFen } from './money.ts';
import type { Localized, SourceEvidence } from './types.ts';

/** A person of the household as the decision refers to them: by role, never by id or name. */
export interface HouseholdPerson {
  /** `applicant`, `member1`, `member2`, … in request order. */
  readonly role: string;
  readonly idNumber: string;
  readonly relation: VerificationRequest['household'][number]['relation'] | 'self';
}

/**
 * The applicant followed by the members, in request order.
 * @example householdOf(request)[0]?.role // 'applicant'
 */
export function householdOf(request: VerificationRequest): HouseholdPerson[] {
  return [
    { role: 'applicant', idNumber: request.applicant.idNumber, relation: 'self' },
    ...request.household.map((m, i) => ({
      role: `member${i + 1}`,
      idNumber: m.idNumber,
      relation: m.relation,
    })),
  ];
}

const RELATION_WORDS: Readonly<Record<HouseholdPerson['relation'], Localized>> = {
  self: { 'zh-CN': '您本人', en: 'you' },
  spouse: { 'zh-CN': '您的配偶', en: 'your spouse' },
  child: { 'zh-CN': '您的子女', en: 'your child' },
  parent: { 'zh-CN': '您的父母', en: 'your parent' },
  sibling: { 'zh-CN': '您的兄弟姐妹', en: 'your sibling' },
  other: { 'zh-CN': '您的家庭成员', en: 'a member of your household' },
};

/**
 * How an explanation names a person: by relation and member number, never by name.
 * @example personWords({ role: 'member1', idNumber, relation: 'spouse' }).en // 'your spouse (household member 1)'
 */
export function personWords(person: HouseholdPerson): Localized {
  const words = RELATION_WORDS[person.relation];
  if (person.role === 'applicant') return words;
  const n = person.role.replace('member', '');
  return { 'zh-CN': `${words['zh-CN']}（家庭成员${n}）`, en: `${words.en} (household member ${n})` };
}

/**
 * A person's records from a source: `[]` when the source answered without them
 * (`not_found`), undefined when the source gave no answer at all.
 * @example recordsOf(evidence.hrss, id) // undefined when hrss was unavailable
 */
export function recordsOf<R>(evidence: SourceEvidence<R>, idNumber: string): readonly R[] | undefined {
  return evidence.status === 'answered' ? (evidence.records.get(idNumber) ?? []) : undefined;
}

/**
 * Active on the date: status `active`, `since` ≤ date and `until` absent or ≥ date.
 * @example isActiveOn({ status: 'active', since: '2024-01-01', ... }, '2024-01-01') // true
 */
export function isActiveOn(record: CivilAffairsRecord, date: string): boolean {
  return (
    record.status === 'active' && record.since <= date && (record.until === undefined || record.until >= date)
  );
}

/**
 * Valid on the date: not revoked and `validUntil` on or after the date (DOMAIN.md sets no
 * condition on `issuedAt`, so none is added).
 * @example isCertificateValidOn({ validUntil: '2025-06-30', ... }, '2025-06-30') // true
 */
export function isCertificateValidOn(record: DisabilityRecord, date: string): boolean {
  return record.revoked !== true && record.validUntil >= date;
}

/** Stable total order on records, so ties never depend on the order a registry answered in. */
export function byCanonical<R>(a: R, b: R): number {
  const x = canonicalJson(a);
  const y = canonicalJson(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The record that describes a person now: the latest `asOf`; a registry may keep history.
 * @example currentHrss([older, newer]) // newer
 */
export function currentHrss(records: readonly HrssRecord[]): HrssRecord | undefined {
  return [...records].sort((a, b) => (a.asOf !== b.asOf ? (a.asOf > b.asOf ? -1 : 1) : byCanonical(a, b)))[0];
}

/**
 * Registered monthly income in fen: the contribution base when employed, plus any pension.
 * Not found counts as 0 (DOMAIN.md).
 * @example registeredIncomeFen({ employment: 'retired', monthlyPension: 3100, ... }) // 310000
 */
export function registeredIncomeFen(record: HrssRecord | undefined): number {
  if (!record) return 0;
  const wage = record.employment === 'employed' ? toFen(record.monthlyContributionBase ?? 0) : 0;
  return wage + toFen(record.monthlyPension ?? 0);
}

/**
 * No fixed source of living: employment `none` or `unemployed_registered` (or not found)
 * and no pension. A recorded pension of 0 is no pension.
 * @example hasNoFixedSource(undefined) // true
 */
export function hasNoFixedSource(record: HrssRecord | undefined): boolean {
  if (!record) return true;
  const working = record.employment === 'employed' || record.employment === 'retired';
  return !working && toFen(record.monthlyPension ?? 0) === 0;
}
