/**
 * The log's leaves: canonical JSON bytes (RFC 8785) with no personal data. People appear
 * only as commitments: HMAC-SHA256 under a key kept per subject, over the subject's identity
 * number and the leaf's context. Deleting a subject's key leaves every proof valid and makes
 * the leaves unlinkable to the person (crypto-shredding).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { EvidenceKind } from '../../schemas/index.ts';
import { canonicalBytes } from './canonical-json.ts';
import { base64url } from './encoding.ts';

export const LEAF_VERSION = 1;

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
  readonly purpose: string;
  readonly consentReference: string;
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

export type Leaf = DecisionLeaf | AccessLeaf | EventLeaf;

/**
 * The commitment binding a subject to one leaf.
 * @example subjectCommitment(key, idNumber, { decisionId, kind: 'access', source: 'hrss' })
 */
export function subjectCommitment(
  subjectKey: Uint8Array,
  idNumber: string,
  context: { decisionId: string; kind: Leaf['kind']; source?: EvidenceKind },
): string {
  return base64url(hmac(sha256, subjectKey, canonicalBytes({ ...context, idNumber })));
}

/** Canonical bytes of a leaf, as hashed into the log. */
export function leafBytes(leaf: Leaf): Uint8Array {
  return canonicalBytes(leaf);
}
