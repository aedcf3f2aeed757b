import { z } from 'zod';
import {
  DateTime,
  FreeText,
  IdNumber,
  IsoDate,
  Money,
  PartnerKind,
  PersonName,
  RegionCode,
  SOURCES,
} from './common.ts';

export const RELATIONS = ['spouse', 'child', 'parent', 'sibling', 'other'] as const;
export const MATTER_KINDS = ['civil', 'criminal', 'administrative', 'state_compensation'] as const;

/**
 * Where a person's household registration is (issue 16): the region whose registries know
 * them. Optional: without it the gateway assumes the region of the identity number's address
 * code and says so in the evidence.
 */
export const RegistrationRegion = RegionCode.meta({
  description:
    "Six-digit code of the region where the person is registered (civil affairs, social security, disability federation). When absent the gateway assumes the identity number's address code and flags the assumption in `evidence`.",
});

export const Applicant = z.strictObject({
  idNumber: IdNumber,
  name: PersonName,
  registrationRegion: RegistrationRegion.optional(),
});
export const HouseholdMember = z.strictObject({
  idNumber: IdNumber,
  name: PersonName,
  relation: z.enum(RELATIONS),
  registrationRegion: RegistrationRegion.optional(),
});

export const VerificationRequest = z
  .strictObject({
    applicant: Applicant,
    household: z.array(HouseholdMember).max(20),
    matter: z.strictObject({
      kind: z.enum(MATTER_KINDS),
      category: z.string().regex(/^[a-z][a-z0-9_]{1,63}$/, 'must be a category code such as wage_claim'),
    }),
    declaration: z.strictObject({ monthlyHouseholdIncome: Money, integrityCommitment: z.boolean() }),
    consent: z.strictObject({
      reference: FreeText.min(1).max(128),
      grantedAt: DateTime,
      scopes: z.array(z.enum(SOURCES)).max(3).refine(distinct, 'must not list a scope twice'),
      partnerScopes: z
        .array(PartnerKind)
        .max(8)
        .refine(distinct, 'must not list a scope twice')
        .optional()
        .meta({
          description:
            'Partner registry kinds (registered through /v1/connectors) the applicant also authorised, e.g. housing_fund. Reported in `evidence`; the policy does not use them.',
        }),
    }),
    region: RegionCode,
    decisionDate: IsoDate.optional(),
  })
  .superRefine((req, ctx) => {
    const seen = new Set([req.applicant.idNumber]);
    req.household.forEach((m, i) => {
      if (seen.has(m.idNumber))
        ctx.addIssue({
          code: 'custom',
          path: ['household', i, 'idNumber'],
          message: 'appears twice in the household',
        });
      seen.add(m.idNumber);
    });
  })
  .meta({
    id: 'VerificationRequest',
    description: 'An intake system asks whether an applicant is economically eligible for legal aid.',
  });

/** Whether no element of a list appears twice. */
function distinct(values: readonly string[]): boolean {
  return new Set(values).size === values.length;
}

export type VerificationRequest = z.infer<typeof VerificationRequest>;
export type HouseholdMember = z.infer<typeof HouseholdMember>;
