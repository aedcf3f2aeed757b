/**
 * Checks a peer gateway's receipt for its access leaf (issue 16), with the peer's log key
 * only: the checkpoint's note signature and origin, the leaf's binding to the signed facts
 * (answer id and payload digest), and the RFC 9162 inclusion proof. The asking gateway runs
 * it before it uses the facts; an auditor runs it (`egw audit verify`) to follow the access
 * into the other region's log.
 */
import type { Receipt } from '../../../schemas/index.ts';
import { fromBase64 } from '../encoding.ts';
import { openCheckpoint } from '../log/checkpoint.ts';
import { leafHash } from '../log/rfc9162.ts';
import { verifyInclusion } from '../log/verify.ts';
import { FEDERATION_ACCESS_EVENT } from './facts-answer.ts';

export interface PeerReceiptExpectation {
  /** The peer's log verifier key (`name+hash+key`). */
  readonly logKey: string;
  readonly logOrigin: string;
  /** The signed facts' id and the sha256 (base64url) of their JWS payload. */
  readonly answerId: string;
  readonly payloadDigest: string;
  /** When set: the leaf must name this asking gateway and decision. */
  readonly askedBy?: string;
  readonly decisionId?: string;
}

/** Which check failed, or `ok`. */
export type PeerReceiptResult =
  | { readonly ok: true; readonly treeSize: number }
  | { readonly ok: false; readonly failed: 'checkpoint' | 'leaf' | 'inclusion' };

/**
 * @example
 * const result = checkPeerReceipt(receipt, { logKey: peer.logKey, logOrigin: peer.logOrigin, answerId, payloadDigest });
 * if (!result.ok) alarm(result.failed);
 */
export function checkPeerReceipt(receipt: Receipt, expected: PeerReceiptExpectation): PeerReceiptResult {
  let checkpoint: { size: number; rootHash: Uint8Array };
  try {
    if (receipt.logOrigin !== expected.logOrigin) return { ok: false, failed: 'checkpoint' };
    checkpoint = openCheckpoint(receipt.checkpoint, expected.logKey, { origin: expected.logOrigin });
  } catch {
    return { ok: false, failed: 'checkpoint' };
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(receipt.leaf);
    const leaf = JSON.parse(new TextDecoder().decode(bytes)) as {
      kind?: unknown;
      type?: unknown;
      attributes?: Record<string, unknown>;
    };
    const a = leaf.attributes ?? {};
    const bound =
      leaf.kind === 'event' &&
      leaf.type === FEDERATION_ACCESS_EVENT &&
      a.answer === expected.answerId &&
      a.payloadDigest === expected.payloadDigest &&
      (expected.askedBy === undefined || a.askedBy === expected.askedBy) &&
      (expected.decisionId === undefined || a.decision === expected.decisionId);
    if (!bound) return { ok: false, failed: 'leaf' };
  } catch {
    return { ok: false, failed: 'leaf' };
  }
  try {
    const proof = receipt.inclusionProof.map((h) => fromBase64(h));
    verifyInclusion(leafHash(bytes), receipt.leafIndex, checkpoint.size, proof, checkpoint.rootHash);
  } catch {
    return { ok: false, failed: 'inclusion' };
  }
  return { ok: true, treeSize: checkpoint.size };
}
