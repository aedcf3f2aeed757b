import { z } from 'zod';
import { IdNumber, IsoDate, Money, PersonName } from './common.ts';

/** What the registries know, in the gateway's own vocabulary (DOMAIN.md). Dialects map to these. */
export const PROGRAMMES = [
  'minimum_living_allowance',
  'extreme_poverty',
  'low_income_family',
  'orphan',
  'temporary_assistance',
  'household_economic_check',
] as const;

export const CivilAffairsRecord = z.strictObject({
  idNumber: IdNumber,
  programme: z.enum(PROGRAMMES),
  status: z.enum(['active', 'ended']),
  since: IsoDate,
  until: IsoDate.optional(),
  householdSize: z.number().int().min(1).max(50).optional(),
  householdMonthlyIncome: Money.optional(),
  reason: z.enum(['disaster', 'illness', 'other']).optional(),
});
export type CivilAffairsRecord = z.infer<typeof CivilAffairsRecord>;

export const HrssRecord = z.strictObject({
  idNumber: IdNumber,
  employment: z.enum(['employed', 'unemployed_registered', 'retired', 'none']),
  insuredCategory: z.enum(['urban_employee', 'migrant_worker', 'flexible']).optional(),
  monthlyContributionBase: Money.optional(),
  monthlyPension: Money.optional(),
  asOf: IsoDate,
});
export type HrssRecord = z.infer<typeof HrssRecord>;

export const DisabilityRecord = z.strictObject({
  idNumber: IdNumber,
  certificateNo: z.string().min(1).max(32),
  category: z.enum(['visual', 'hearing', 'speech', 'physical', 'intellectual', 'mental', 'multiple']),
  grade: z.number().int().min(1).max(4),
  issuedAt: IsoDate,
  validUntil: IsoDate,
  revoked: z.boolean().optional(),
});
export type DisabilityRecord = z.infer<typeof DisabilityRecord>;

export const Person = z.strictObject({
  idNumber: IdNumber,
  name: PersonName,
  district: z.string().regex(/^\d{6}$/),
});

export const Fault = z.strictObject({
  source: z.enum(['civil_affairs', 'hrss', 'disability']),
  idNumber: IdNumber.optional(),
  mode: z.enum(['error', 'timeout', 'malformed', 'slow']),
});
export type Fault = z.infer<typeof Fault>;

/** The sandbox fixture file: synthetic people and what each registry knows about them. */
export const Fixtures = z
  .strictObject({
    persons: z.array(Person),
    civilAffairs: z.array(CivilAffairsRecord).default([]),
    hrss: z.array(HrssRecord).default([]),
    disability: z.array(DisabilityRecord).default([]),
    faults: z.array(Fault).default([]),
  })
  .meta({ id: 'Fixtures', description: 'Sandbox registry fixtures (synthetic people only).' });
export type Fixtures = z.infer<typeof Fixtures>;
export type FixturesInput = z.input<typeof Fixtures>;
