/**
 * What the stateless Worker sends the log sequencer (a Durable Object) and what it answers.
 * The Worker seals personal data and computes lookup hashes before sending; the sequencer
 * never sees the decision's evidence, only what the leaves and rows need. Identity numbers
 * travel only because subject commitments are keyed by per-subject keys that the sequencer,
 * as the single writer, alone creates.
 */
import type { Receipt } from '../../../schemas/index.ts';
import type { AccessWrite } from '../../core/decision-store.ts';
import type { EventLeaf } from '../../core/leaves.ts';
import type { FigureRows } from '../portable/decision-figures.ts';

export interface SequencerAccess {
  readonly source: AccessWrite['source'];
  readonly idNumber: string;
  /** Keyed lookup hash of `idNumber` (data tracker index). */
  readonly subjectHash: string;
  readonly purpose: AccessWrite['purpose'];
  /** Committed in the leaf under the subject's key; never stored as is. */
  readonly consentReference: string;
  /** The consent reference sealed: what the access row holds. */
  readonly consentSealed: string;
  readonly status: AccessWrite['status'];
  readonly at: string;
  /** `{ idNumber, records }`, sealed. */
  readonly recordsSealed: string;
}

export interface SequencerCommit {
  readonly clientId: string;
  /** The Idempotency-Key's keyed hash (the key itself is never stored). */
  readonly idempotencyKey: string;
  readonly requestDigest: string;
  readonly decisionId: string;
  readonly outcome: string;
  readonly decidedAt: string;
  readonly policyDigest: string;
  /** sha256 (base64url) of the JWS payload, bound by the decision leaf. */
  readonly payloadDigest: string;
  readonly applicant: { readonly idNumber: string; readonly subjectHash: string };
  readonly accesses: readonly SequencerAccess[];
  /** The decision without its receipt, sealed. */
  readonly decisionSealed: string;
  readonly requestSealed: string;
  /** A reviewed decision's link to the one it replaces (the note already sealed). */
  readonly supersession?: SequencerSupersession;
  /** The successor's `reviewRequired`, kept beside its supersession row. */
  readonly reviewRequired?: boolean;
  /** Queue this decision for re-verification, in the same write set. */
  readonly reverification?: { readonly sources: readonly string[]; readonly notAfter: string };
  /** The decision's performance figures (no personal data), written in the same batch. */
  readonly figures?: FigureRows;
}

export interface SequencerSupersession {
  readonly cause: 'review' | 'reverification';
  readonly supersededId: string;
  readonly supersededLeaf: number;
  readonly reviewerId: string;
  readonly reasonCode: string;
  readonly noteSealed: string;
  readonly at: string;
}

export type SequencerCommitResult =
  | { readonly status: 'committed'; readonly receipt: Receipt }
  /** The same client and key were committed before (or earlier in the same batch). */
  | {
      readonly status: 'stored';
      readonly requestDigest: string;
      readonly decisionSealed: string;
      readonly receipt: Receipt;
    }
  | { readonly status: 'conflict' };

export type SequencerEvent = Omit<EventLeaf, 'v' | 'kind'>;

/**
 * Issue 16: the registry accesses a peer gateway's question caused, under the answer's id:
 * their access leaves and tracker rows, then `event`, in one batch.
 */
export interface SequencerPeerAccesses {
  readonly event: SequencerEvent;
  readonly decisionId: string;
  readonly accesses: readonly SequencerAccess[];
}

export interface SequencerEventResult {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly checkpoint: string;
}

/** A failure the sequencer reports instead of a result (HTTP 503 from the object). */
export interface SequencerFailure {
  readonly error: { readonly code: string; readonly retryable: boolean; readonly message: string };
}

/** The one sequencer's name: `env.LOG_SEQUENCER.idFromName(LOG_SEQUENCER_NAME)`. */
export const LOG_SEQUENCER_NAME = 'transparency-log';

/** The object's routes (the host is ignored). */
export const SEQUENCER_ROUTES = {
  commit: 'https://sequencer/commit',
  event: 'https://sequencer/event',
  peerAccesses: 'https://sequencer/peer-accesses',
  start: 'https://sequencer/start',
} as const;
