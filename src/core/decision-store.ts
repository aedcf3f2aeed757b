/**
 * The port through which a decision becomes durable. One call, one atomic write set:
 * the decision record, its access records and its log leaves are committed together or
 * not at all (ARCHITECTURE.md invariant 1), and the log indices are assigned by the one
 * sequencer behind this port (invariant 6).
 */
import type { Decision, EvidenceKind, Receipt, Source, VerificationRequest } from '../../schemas/index.ts';
import type { EventLeaf, Purpose, SupersessionCause } from './leaves.ts';

/** One registry access about one person, as recorded for the data tracker. */
export interface AccessWrite {
  /** A built-in source or a partner registry kind. */
  readonly source: EvidenceKind;
  readonly idNumber: string;
  readonly purpose: Purpose;
  /** Free text from the request: committed in the leaf and sealed at rest, never stored as is. */
  readonly consentReference: string;
  readonly status: 'found' | 'not_found' | 'unavailable';
  readonly at: string;
  /** What the registry answered about this person (sealed at rest). */
  readonly records: readonly unknown[];
}

export interface DecisionWrite {
  readonly clientId: string;
  readonly idempotencyKey: string;
  /** Digest of the canonical request body: a replay with another body is a conflict. */
  readonly requestDigest: string;
  readonly request: VerificationRequest;
  /** The decision without its receipt (the store adds it once the leaf has an index). */
  readonly decision: Omit<Decision, 'receipt'>;
  /** sha256 (base64url) of the JWS payload: the decision leaf binds it. */
  readonly payloadDigest: string;
  readonly accesses: readonly AccessWrite[];
  /** Set when this decision replaces another (a human review): written in the same write set. */
  readonly supersession?: SupersessionWrite;
  /** Set when this decision must be re-verified: its queue row is written in the same write set. */
  readonly reverification?: ReverificationWrite;
  /** How long deciding took and how each registry call went (the indicators): no personal data. */
  readonly timing?: DecisionTiming;
}

/** The performance figures a decision's write set carries: durations, sources and codes only. */
export interface DecisionTiming {
  /** Milliseconds from the request's arrival to its signed decision; absent for a re-verification's successor. */
  readonly durationMs?: number;
  readonly registryCalls: readonly RegistryCall[];
}

/** One registry call of a decision's fan-out: which registry, how it ended, how long it took — never who. */
export interface RegistryCall {
  /** A built-in source or a partner registry kind. */
  readonly source: EvidenceKind;
  /** `timeout` when the registry did not answer by the deadline; `fault` for any other failure. */
  readonly result: 'answered' | 'timeout' | 'fault';
  /** The failure's stable code (`ERR_REGISTRY_UNREACHABLE`…), for `timeout` and `fault`. */
  readonly code?: string;
  readonly latencyMs: number;
}

/** A decision left open by unavailable registries, queued for the re-verification worker. */
export interface ReverificationWrite {
  /** The built-in sources that were unavailable: only these are asked again. */
  readonly sources: readonly Source[];
  /** When the policy's window closes (ISO instant). */
  readonly notAfter: string;
}

/** A successor decision's link to the one it replaces. */
export interface SupersessionWrite {
  readonly cause: SupersessionCause;
  readonly supersededId: string;
  /** The superseded decision's leaf index (its receipt's). */
  readonly supersededLeaf: number;
  /** The reviewer's client id (REVERIFICATION_ACTOR for a re-verification): committed in the leaf, stored beside the row. */
  readonly reviewerId: string;
  readonly reasonCode: string;
  /** Free text: sealed at rest, never in the log. */
  readonly note: string;
  readonly at: string;
}

export type CommitResult =
  | { readonly status: 'committed'; readonly decision: Decision }
  /** Another request with the same client and key won the race: its decision, if the body matched. */
  | { readonly status: 'replayed'; readonly decision: Decision }
  | { readonly status: 'conflict' };

export interface StoredDecision {
  readonly clientId: string;
  readonly requestDigest: string;
  readonly decision: Decision;
  /** The id of the decision that replaced this one, if any. */
  readonly supersededBy?: string;
}

/** One registry access of a stored decision, unsealed: what re-verification keeps of the first answers. */
export interface StoredAccess {
  readonly source: EvidenceKind;
  readonly idNumber: string;
  readonly status: 'found' | 'not_found' | 'unavailable';
  readonly records: readonly unknown[];
}

/** One line of the data tracker: a registry access or a decision about a person. */
export interface SubjectAccessEntry {
  readonly kind: 'registry_access' | 'decision';
  readonly at: string;
  readonly decisionId: string;
  readonly clientId: string;
  readonly source?: EvidenceKind;
  readonly status?: string;
  readonly outcome?: string;
  readonly purpose: string;
  readonly consentReference: string;
  readonly logIndex: number;
}

/**
 * - `commit` MUST be atomic: after it resolves `committed`, the decision, every access and
 *   every leaf are durable; if it rejects or the process dies, none of them is.
 * - `commit` MUST assign log indices from one sequencer: no two leaves share an index, none is skipped.
 * - Concurrent commits SHOULD be grouped into one transaction (group commit).
 * - A commit with `supersession` MUST write its supersession leaf right after its decision leaf and
 *   its supersession record in the same write set; it MUST answer `conflict` (writing nothing)
 *   when the superseded decision already has a successor. The same write set closes the
 *   superseded decision's re-verification row, if it has one.
 * - A commit with `reverification` MUST write its queue row in the same write set.
 * - A second commit with the same (clientId, idempotencyKey) MUST NOT write anything: it answers
 *   `replayed` with the stored decision when `requestDigest` matches, `conflict` otherwise.
 * @example
 * const result = await store.commit(write);
 * if (result.status === 'conflict') throw new GatewayError('ERR_IDEMPOTENCY_CONFLICT', '…');
 */
export interface DecisionStore {
  findByIdempotencyKey(clientId: string, idempotencyKey: string): Promise<StoredDecision | undefined>;
  get(id: string): Promise<StoredDecision | undefined>;
  /** The request a stored decision answered (unsealed), for a review to commit to the same applicant. */
  request(id: string): Promise<VerificationRequest | undefined>;
  /** A stored decision's registry accesses (built-in and partner), unsealed, in log order. */
  accesses(id: string): Promise<readonly StoredAccess[]>;
  commit(write: DecisionWrite): Promise<CommitResult>;
  subjectAccess(idNumber: string): Promise<readonly SubjectAccessEntry[]>;
  /**
   * Registry accesses outside a decision's own write set — a peer gateway's question, or a
   * re-verification attempt that found a registry still down — as access leaves and tracker
   * rows under `decisionId`, then `event`, in one write set. Optional: a store without it
   * records such accesses only with the decision they lead to.
   */
  appendPeerAccesses?(
    event: Omit<EventLeaf, 'v' | 'kind'>,
    accesses: { readonly decisionId: string; readonly list: readonly AccessWrite[] },
  ): Promise<unknown>;
}

export type { Receipt };
