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

export interface AgreementInput {
  readonly ledger: LedgerAnchor;
  readonly origin: string;
  /** The log key the auditor trusts. */
  readonly logKey: string;
  /** The log's current checkpoint. */
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly consistency: (from: number, to: number) => Promise<readonly Uint8Array[]>;
}

/**
 * The monitor's question: does the ledger's newest anchor agree with the log — the same log
 * key, a size the log has reached, and a root the log's current one extends?
 * @example
 * const verdict = await ledgerAgreement({ ledger, origin, logKey, size, rootHash, consistency });
 */
export async function ledgerAgreement(input: AgreementInput): Promise<LedgerVerdict> {
  const { ledger, origin, size, rootHash } = input;
  const key = await ledger.logKey(origin);
  if (key === undefined)
    return { ok: true, detail: `nothing anchored yet: the ledger holds no log key of ${origin}` };
  if (key !== input.logKey)
    return {
      ok: false,
      detail: `the ledger's log key of ${origin} is ${key}, not the one trusted (${input.logKey})`,
    };
  const latest = await ledger.latest(origin);
  if (!latest) return { ok: true, detail: `nothing anchored yet for ${origin}` };
  if (latest.size > size)
    return {
      ok: false,
      detail: `the ledger anchors size ${latest.size} of ${origin} (transaction ${latest.txId}) but the log serves size ${size}: the log was rolled back or forked`,
      anchor: latest,
    };
  const proof = latest.size === size ? [] : await input.consistency(latest.size, size);
  try {
    verifyConsistency(latest.size, size, proof, fromBase64(latest.rootHash), rootHash);
  } catch {
    return {
      ok: false,
      detail: `the log at size ${size} does not extend the ledger's anchor at size ${latest.size} (transaction ${latest.txId}): the log forked`,
      anchor: latest,
    };
  }
  return {
    ok: true,
    detail: `the ledger's newest anchor (size ${latest.size}, transaction ${latest.txId}) is consistent with the log at size ${size}`,
    anchor: latest,
  };
}
