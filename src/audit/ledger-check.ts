/**
 * The ledger as a second witness: does the ledger hold an anchor covering a checkpoint — the
 * same checkpoint, or a later one that a consistency proof shows extends it? Used by
 * `egw audit verify --ledger` (one receipt) and `egw audit monitor --ledger` (the whole log).
 */
import type { LedgerAnchor, LedgerAnchorRecord } from '../core/anchoring/ledger-anchor.ts';
import { base64, fromBase64 } from '../core/encoding.ts';
import { verifyConsistency } from '../core/log/verify.ts';

export interface LedgerVerdict {
  readonly ok: boolean;
  /** One sentence an auditor can act on; names the missing anchor when there is none. */
  readonly detail: string;
  readonly anchor?: LedgerAnchorRecord;
}

export interface CoverageInput {
  readonly ledger: LedgerAnchor;
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** The log's consistency proof between two sizes; without it only an exact anchor counts. */
  readonly consistency?: (from: number, to: number) => Promise<readonly Uint8Array[]>;
}

/**
 * @example
 * const verdict = await ledgerCoverage({ ledger, origin, size: 42, rootHash, consistency: log.consistency });
 */
export async function ledgerCoverage(input: CoverageInput): Promise<LedgerVerdict> {
  const { ledger, origin, size, rootHash } = input;
  const where = `${ledger.network}/${ledger.channel}/${ledger.chaincode}`;
  const exact = await ledger.get(origin, size);
  if (exact) {
    return base64(rootHash) === exact.rootHash
      ? {
          ok: true,
          detail: `anchored on ${where} at size ${size} in transaction ${exact.txId}`,
          anchor: exact,
        }
      : {
          ok: false,
          detail: `the ledger's anchor of ${origin} at size ${size} has root ${exact.rootHash}, the checkpoint has ${base64(rootHash)}: the log forked`,
          anchor: exact,
        };
  }
  const latest = await ledger.latest(origin);
  if (!latest)
    return {
      ok: false,
      detail: `no anchor on ${where} covers size ${size}: the ledger holds no anchor of ${origin}`,
    };
  if (latest.size < size)
    return {
      ok: false,
      detail: `no anchor on ${where} covers size ${size} of ${origin} yet: the newest anchor is at size ${latest.size}`,
    };
  if (!input.consistency)
    return {
      ok: false,
      detail: `no anchor of ${origin} at size ${size}; the anchor at size ${latest.size} covers it only through a consistency proof: pass --gateway URL to fetch one`,
    };
  const proof = await input.consistency(size, latest.size);
  try {
    verifyConsistency(size, latest.size, proof, rootHash, fromBase64(latest.rootHash));
  } catch {
    return {
      ok: false,
      detail: `the anchor of ${origin} at size ${latest.size} (transaction ${latest.txId}) does not extend this checkpoint at size ${size}: the log forked`,
      anchor: latest,
    };
  }
  return {
    ok: true,
    detail: `covered on ${where} by the anchor at size ${latest.size} (transaction ${latest.txId}), proven consistent with size ${size}`,
    anchor: latest,
  };
}
