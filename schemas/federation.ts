/**
 * Issue 16, gateways of different regions: the trust list (`egw start --peers FILE`), the
 * question one gateway asks another (`POST /v1/federation/facts`) and the signed answer.
 */
import { z } from 'zod';
import { IdNumber, Source } from './common.ts';
import { Receipt } from './decision.ts';

/** A regional policy code: `cn-` and the city's six-digit code. */
export const PolicyRegion = z
  .string()
  .regex(/^cn-\d{6}$/, 'must be a regional policy code such as cn-320500');

export const PeerGateway = z
  .strictObject({
    region: PolicyRegion,
    baseUrl: z.url(),
    /** The peer's log origin: the audience of tokens sent to it, the issuer of tokens it sends. */
    logOrigin: z.string().min(1).max(255),
    /** The peer's log verifier key (`name+hash+key`, C2SP signed note). */
    logKey: z.string().min(1),
    /** The peer's decision keys: its answers and its tokens are signed with them. */
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }),
  })
  .meta({ id: 'PeerGateway' });
export type PeerGateway = z.infer<typeof PeerGateway>;

export const PeerTrustList = z
  .object({ peers: z.array(PeerGateway).max(64) })
  .meta({ id: 'PeerTrustList', description: 'The peer gateways this gateway asks and answers.' });
export type PeerTrustList = z.infer<typeof PeerTrustList>;

export const FederationFactsRequest = z
  .strictObject({
    purpose: z.literal('legal_aid_eligibility'),
    consentReference: z.string().min(1).max(128),
    /** The asking gateway's decision in progress. */
    decisionId: z.string().min(1).max(64),
    /** Per source, the people asked about: the minimum the asking policy needs, nothing more. */
    queries: z
      .array(z.strictObject({ source: Source, subjects: z.array(IdNumber).min(1).max(21) }))
      .min(1)
      .max(3)
      .refine((qs) => new Set(qs.map((q) => q.source)).size === qs.length, 'must not list a source twice'),
  })
  .meta({ id: 'FederationFactsRequest' });
export type FederationFactsRequest = z.infer<typeof FederationFactsRequest>;

/** What one source answered about the subjects asked: records per subject, or why not. */
export const FederationSourceAnswer = z.object({
  source: Source,
  status: z.enum(['answered', 'unavailable']),
  code: z.string().optional(),
  subjects: z.array(z.object({ idNumber: IdNumber, records: z.array(z.record(z.string(), z.unknown())) })),
});

/** The answer as signed (the JWS payload): the access leaf commits to its digest. */
export const FederationFacts = z
  .object({
    id: z.string(),
    kind: z.literal('federation_facts'),
    region: PolicyRegion,
    origin: z.string(),
    askedBy: z.string(),
    decisionId: z.string(),
    purpose: z.literal('legal_aid_eligibility'),
    answeredAt: z.string(),
    answers: z.array(FederationSourceAnswer),
  })
  .meta({ id: 'FederationFacts' });
export type FederationFacts = z.infer<typeof FederationFacts>;

export const FederationFactsResponse = z
  .object({
    signature: z.string().meta({ description: 'compact JWS whose payload is the canonical FederationFacts' }),
    receipt: Receipt,
  })
  .meta({ id: 'FederationFactsResponse' });
export type FederationFactsResponse = z.infer<typeof FederationFactsResponse>;
