/**
 * The log's leaves: canonical JSON bytes (RFC 8785) with no personal data. People appear
 * only as commitments: HMAC-SHA256 under a key kept per subject, over the subject's identity
 * number and the leaf's context. Deleting a subject's key leaves every proof valid and makes
 * the leaves unlinkable to the person (crypto-shredding).
 */
import type { EvidenceKind } from '../../schemas/index.ts';
import { canonicalBytes } from './canonical-json.ts';
import { base64url } from './encoding.ts';
import { GatewayError } from './errors.ts';
import { hmacSha256 } from './log/hashes.ts';

/**
 * 2: an access leaf carries a commitment to the consent reference (`consent`) instead of the
 * reference itself, and a purpose from a closed set (issue 11: free text reached the log).
 */
export const LEAF_VERSION = 2;

/**
 * Why a registry may be queried: a closed set, so no caller-chosen text reaches a leaf.
 * @example PURPOSES.includes('legal_aid_eligibility') // true
 */
export const PURPOSES = ['legal_aid_eligibility'] as const;
export type Purpose = (typeof PURPOSES)[number];

export interface DecisionLeaf {
  readonly v: typeof LEAF_VERSION;
  readonly kind: 'decision';
  readonly decisionId: string;
  readonly clientId: string;
  /** Commitment to the applicant. */
  readonly subject: string;
  /** sha256 (base64url) of the signed decision's JWS payload. */
  readonly payloadDigest: string;
  readonly policyDigest: string;
  readonly decidedAt: string;
  /** How many registry-access leaves precede it for this decision. */
  readonly accesses: number;
}

export interface AccessLeaf {
  readonly v: typeof LEAF_VERSION;
  readonly kind: 'access';
  readonly decisionId: string;
  readonly subject: string;
  /** A built-in source or a partner registry kind. */
  readonly source: EvidenceKind;
  readonly purpose: Purpose;
  /**
   * Commitment to the applicant's consent reference, under the subject's key: whoever holds
   * the reference and the key can check it; nobody reads it off the public log, and
   * crypto-shredding the subject makes it unlinkable like the subject commitment.
   */
  readonly consent: string;
  readonly status: 'found' | 'not_found' | 'unavailable';
  readonly at: string;
}

/**
 * Any other event the log must witness (a partner connector registered, certified,
 * activated…). Attributes are non-personal by contract: ids, digests, versions, counts.
 */
export interface EventLeaf {
  readonly v: typeof LEAF_VERSION;
  readonly kind: 'event';
  /** e.g. `connector.activated`. */
  readonly type: string;
  readonly at: string;
  /** The client id that caused it. */
  readonly actor: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

/**
 * A decision replaced by a newer one (issue 13: a human review). It binds both decisions'
 * leaves, so an auditor holding either receipt finds the other, and commits to the reviewer
 * under the applicant's key: the reviewer is checkable by whoever holds the id and the key,
 * unreadable off the public log, and unlinkable once the subject is forgotten. The
 * reviewer's note never reaches the log.
 */
export interface SupersessionLeaf {
  readonly v: typeof LEAF_VERSION;
  readonly kind: 'supersession';
  /** A person's review, or the re-verification worker once the registries answered (or its window closed). */
  readonly cause: SupersessionCause;
  readonly supersededId: string;
  readonly supersededLeaf: number;
  readonly decisionId: string;
  readonly decisionLeaf: number;
  /** Commitment to the reviewer's client id. */
  readonly reviewer: string;
  /** From the published closed list (schemas/review.ts). */
  readonly reasonCode: string;
  readonly at: string;
}

export type SupersessionCause = 'review' | 'reverification';

/** The actor a re-verification's supersession leaf commits to in place of a reviewer. */
export const REVERIFICATION_ACTOR = 'egw:reverification';

export type Leaf = DecisionLeaf | AccessLeaf | EventLeaf | SupersessionLeaf;

/**
 * The commitment binding a subject to one leaf.
 * @example subjectCommitment(key, idNumber, { decisionId, kind: 'access', source: 'hrss' })
 */
export function subjectCommitment(
  subjectKey: Uint8Array,
  idNumber: string,
  context: { decisionId: string; kind: Leaf['kind']; source?: EvidenceKind },
): string {
  return base64url(hmacSha256(subjectKey, canonicalBytes({ ...context, idNumber })));
}

/**
 * The commitment to a consent reference in one access leaf. The context keeps it apart from
 * the subject commitment under the same key.
 * @example consentCommitment(key, 'CONSENT-1', { decisionId, source: 'hrss' })
 */
export function consentCommitment(
  subjectKey: Uint8Array,
  consentReference: string,
  context: { decisionId: string; source: EvidenceKind },
): string {
  return base64url(hmacSha256(subjectKey, canonicalBytes({ ...context, kind: 'consent', consentReference })));
}

/**
 * The commitment to a reviewer's id in one supersession leaf, under the applicant's key.
 * @example reviewerCommitment(key, 'review-desk', { decisionId })
 */
export function reviewerCommitment(
  subjectKey: Uint8Array,
  reviewerId: string,
  context: { decisionId: string },
): string {
  return base64url(hmacSha256(subjectKey, canonicalBytes({ ...context, kind: 'reviewer', reviewerId })));
}

/** What a supersession leaf says, and the reviewer id its commitment binds. */
export interface SupersessionLeafInput {
  readonly cause: SupersessionCause;
  readonly supersededId: string;
  readonly supersededLeaf: number;
  readonly decisionId: string;
  readonly decisionLeaf: number;
  readonly reviewerId: string;
  readonly reasonCode: string;
  readonly at: string;
}

/**
 * The leaf that binds a superseded decision to its successor.
 * @example append(supersessionLeaf(keyOf(applicantHash), { supersededId, supersededLeaf, decisionId, decisionLeaf, reviewerId, reasonCode, at }))
 */
export function supersessionLeaf(subjectKey: Uint8Array, s: SupersessionLeafInput): SupersessionLeaf {
  return {
    v: LEAF_VERSION,
    kind: 'supersession',
    cause: s.cause,
    supersededId: s.supersededId,
    supersededLeaf: s.supersededLeaf,
    decisionId: s.decisionId,
    decisionLeaf: s.decisionLeaf,
    reviewer: reviewerCommitment(subjectKey, s.reviewerId, { decisionId: s.decisionId }),
    reasonCode: s.reasonCode,
    at: s.at,
  };
}

/**
 * Whether a stored leaf is the supersession leaf of `supersededId` → `decisionId`: what a
 * store checks before it tells a reader `supersededBy`, so an edited row cannot redirect it.
 * @example witnessesSuccession(leafBytesAt(row.leafIndex), 'old-id', 'new-id')
 */
export function witnessesSuccession(
  bytes: Uint8Array | undefined,
  supersededId: string,
  decisionId: string,
): boolean {
  if (!bytes) return false;
  try {
    const leaf = JSON.parse(new TextDecoder().decode(bytes)) as Partial<SupersessionLeaf>;
    return (
      leaf.kind === 'supersession' && leaf.supersededId === supersededId && leaf.decisionId === decisionId
    );
  } catch {
    return false;
  }
}

/** The error for a supersession row its leaf does not witness. */
export function unwitnessedSuccession(leafIndex: number): GatewayError {
  return new GatewayError('ERR_LOG_INTEGRITY', 'a supersession row is not the one its leaf witnessed', {
    facts: { record: 'supersession', leafIndex },
  });
}

/** Canonical bytes of a leaf, as hashed into the log. */
export function leafBytes(leaf: Leaf): Uint8Array {
  return canonicalBytes(leaf);
}

/** What an access leaf says, and the identity number its commitment binds. */
export interface AccessLeafInput {
  readonly decisionId: string;
  readonly idNumber: string;
  readonly source: EvidenceKind;
  readonly purpose: Purpose;
  /** Committed in the leaf, never copied into it. */
  readonly consentReference: string;
  readonly status: AccessLeaf['status'];
  readonly at: string;
}

/**
 * The leaf of one registry access, its subject committed under the subject's key.
 * @example append(accessLeaf(keyOf(hash), { decisionId, idNumber, source, purpose, consentReference, status, at }))
 */
export function accessLeaf(subjectKey: Uint8Array, a: AccessLeafInput): AccessLeaf {
  return {
    v: LEAF_VERSION,
    kind: 'access',
    decisionId: a.decisionId,
    subject: subjectCommitment(subjectKey, a.idNumber, {
      decisionId: a.decisionId,
      kind: 'access',
      source: a.source,
    }),
    source: a.source,
    purpose: a.purpose,
    consent: consentCommitment(subjectKey, a.consentReference, {
      decisionId: a.decisionId,
      source: a.source,
    }),
    status: a.status,
    at: a.at,
  };
}

/** What a decision leaf says, and the applicant's identity number its commitment binds. */
export interface DecisionLeafInput {
  readonly decisionId: string;
  readonly clientId: string;
  readonly idNumber: string;
  readonly payloadDigest: string;
  readonly policyDigest: string;
  readonly decidedAt: string;
  readonly accesses: number;
}

/**
 * The leaf of one decision, the applicant committed under their key.
 * @example append(decisionLeaf(keyOf(hash), { decisionId, clientId, idNumber, payloadDigest, policyDigest, decidedAt, accesses }))
 */
export function decisionLeaf(subjectKey: Uint8Array, d: DecisionLeafInput): DecisionLeaf {
  return {
    v: LEAF_VERSION,
    kind: 'decision',
    decisionId: d.decisionId,
    clientId: d.clientId,
    subject: subjectCommitment(subjectKey, d.idNumber, { decisionId: d.decisionId, kind: 'decision' }),
    payloadDigest: d.payloadDigest,
    policyDigest: d.policyDigest,
    decidedAt: d.decidedAt,
    accesses: d.accesses,
  };
}
