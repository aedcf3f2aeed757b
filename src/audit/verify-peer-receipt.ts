/**
 * Issue 16: an auditor follows a cross-region access into the other region's log. The asking
 * gateway's signed decision carries, per peer and source, an evidence item with the peer's
 * receipt (`via`, `receipt`, `digest` of the peer's signed facts, `facts.answer`). This checks
 * that receipt with the peer's log key alone: checkpoint signature, the leaf's binding to the
 * signed facts, and the inclusion proof.
 */
import { checkPeerReceipt } from '../core/federation/peer-receipt.ts';
import type { AuditCheck } from './verify-receipt.ts';

/** The parts of an evidence item a peer receipt check needs. */
export interface PeerEvidenceItem {
  readonly via: string;
  readonly digest: string;
  readonly answerId: string;
  readonly receipt: Parameters<typeof checkPeerReceipt>[0];
}

/**
 * The peer evidence item in a JSON value, or undefined when it is something else.
 * @example const item = peerEvidenceItem(JSON.parse(text));
 */
export function peerEvidenceItem(value: unknown): PeerEvidenceItem | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as {
    via?: unknown;
    digest?: unknown;
    facts?: { answer?: unknown };
    receipt?: unknown;
    signature?: unknown;
  };
  if (v.signature !== undefined || typeof v.via !== 'string' || typeof v.digest !== 'string')
    return undefined;
  if (typeof v.facts?.answer !== 'string' || typeof v.receipt !== 'object' || v.receipt === null)
    return undefined;
  return {
    via: v.via,
    digest: v.digest,
    answerId: v.facts.answer,
    receipt: v.receipt as PeerEvidenceItem['receipt'],
  };
}

const DETAIL: Readonly<Record<'checkpoint' | 'leaf' | 'inclusion', [string, string]>> = {
  checkpoint: [
    'The peer’s checkpoint carries a valid signature of the peer’s log key, for the log the evidence names (via).',
    'The peer’s checkpoint is not signed by the log key given, or is for another log than the evidence names.',
  ],
  leaf: [
    'The peer’s access leaf names this answer and commits to the digest of its signed facts.',
    'The peer’s access leaf does not commit to this answer’s signed facts.',
  ],
  inclusion: [
    'The peer’s access leaf is included in its signed tree.',
    'The inclusion proof does not lead from the peer’s leaf to its checkpoint’s root.',
  ],
};

/**
 * @example
 * const { ok, checks } = verifyPeerReceipt(item, logKey);
 */
export function verifyPeerReceipt(
  item: PeerEvidenceItem,
  logKey: string,
): { ok: boolean; checks: AuditCheck[] } {
  const result = checkPeerReceipt(item.receipt, {
    logKey,
    logOrigin: item.via,
    answerId: item.answerId,
    payloadDigest: item.digest,
  });
  const order = ['checkpoint', 'leaf', 'inclusion'] as const;
  const failedAt = result.ok ? order.length : order.indexOf(result.failed);
  const checks = order.map((name, i): AuditCheck => {
    const [pass, fail] = DETAIL[name];
    return {
      name,
      ok: i < failedAt,
      detail: i < failedAt ? pass : i === failedAt ? fail : `Not checked: ${fail}`,
    };
  });
  return { ok: result.ok, checks };
}

/**
 * One check per peer evidence item of a decision (`via` and `receipt`), each against the log
 * key the trust list gives for that peer; an item whose peer is not listed fails.
 * @example const checks = peerReceiptChecks(decision, trustList.peers);
 */
export function peerReceiptChecks(
  decision: Record<string, unknown>,
  peers: readonly { readonly logOrigin: string; readonly logKey: string; readonly region: string }[],
): { name: string; ok: boolean; detail: string }[] {
  const evidence = Array.isArray(decision.evidence) ? (decision.evidence as unknown[]) : [];
  return evidence.flatMap((e) => {
    const item = peerEvidenceItem(e);
    if (!item) return [];
    const source = String((e as { source?: unknown }).source);
    const peer = peers.find((p) => p.logOrigin === item.via);
    if (!peer)
      return [
        {
          name: 'peer',
          ok: false,
          detail: `No log key for ${item.via} in the trust list given (${source}).`,
        },
      ];
    const { ok, checks } = verifyPeerReceipt(item, peer.logKey);
    const failed = checks.find((c) => !c.ok);
    return [
      {
        name: 'peer',
        ok,
        detail: ok
          ? `The ${source} facts from ${peer.region} are in the log of ${item.via} (leaf ${item.receipt.leafIndex}), proven with its key.`
          : `The ${source} facts from ${peer.region}: ${failed?.detail ?? 'the receipt does not verify'}`,
      },
    ];
  });
}
