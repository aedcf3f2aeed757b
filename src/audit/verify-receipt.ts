/**
 * Offline verification of a decision and its receipt, with public keys and standard
 * algorithms only: the JWS (RFC 7515), the leaf's binding to the signed payload, the
 * C2SP checkpoint's Ed25519 note signature, and the RFC 9162 inclusion proof. Each check
 * says in plain words what passed or failed; no check trusts the gateway.
 */

import { decodeProtectedHeader } from 'jose';
import { verifyDecisionJws } from '../adapters/portable/jose-signer.ts';
import { canonicalBytes } from '../core/canonical-json.ts';
import { sha256 } from '../core/digest.ts';
import { base64url, fromBase64 } from '../core/encoding.ts';
import { openCheckpoint } from '../core/log/checkpoint.ts';
import { leafHash } from '../core/log/rfc9162.ts';
import { verifyInclusion } from '../core/log/verify.ts';

export interface AuditCheck {
  readonly name: 'signature' | 'payload' | 'leaf' | 'checkpoint' | 'inclusion';
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Why a receipt does not verify, most telling first: the file is no decision at all (a saved
 * problem document, another JSON file), no key given matches the decision's key id (another
 * gateway's keys, or a key rotated out), the decision was altered after signing, or the
 * signed decision is not proven to be in the log.
 */
export type VerdictReason = 'not_a_decision' | 'no_matching_key' | 'altered' | 'not_in_log';

export interface ReceiptVerdict {
  readonly ok: boolean;
  /** Absent when `ok`. */
  readonly reason?: VerdictReason;
  readonly checks: readonly AuditCheck[];
  /** The checkpoint the receipt is included in, when its signature verified. */
  readonly checkpoint?: { origin: string; size: number; rootHash: Uint8Array };
}

export interface VerifyReceiptInput {
  /** The decision as the gateway returned it: signed fields, `signature` and `receipt`. */
  readonly decision: Record<string, unknown>;
  readonly jwks: { readonly keys: readonly Record<string, unknown>[] };
  /** The log's verifier key (`name+hash+key`). */
  readonly logKey: string;
}

const decoder = new TextDecoder();

/**
 * @example
 * const verdict = await verifyReceipt({ decision, jwks, logKey });
 * if (!verdict.ok) console.error(verdict.checks.filter((c) => !c.ok));
 */
export async function verifyReceipt(input: VerifyReceiptInput): Promise<ReceiptVerdict> {
  const checks: AuditCheck[] = [];
  // `supersededBy` is added when a superseded decision is read back: unsigned, like the receipt.
  const { signature, receipt, supersededBy: _supersededBy, ...signed } = input.decision;
  if (typeof signature !== 'string' || typeof receipt !== 'object' || receipt === null)
    return { ok: false, reason: 'not_a_decision', checks: [] };
  const kid = keyIdOf(signature);
  const keyKnown = kid !== undefined && input.jwks.keys.some((k) => k.kid === kid);
  const r = (receipt ?? {}) as {
    logOrigin?: unknown;
    leafIndex?: unknown;
    leaf?: unknown;
    checkpoint?: unknown;
    inclusionProof?: unknown;
  };

  let payload: Uint8Array | undefined;
  try {
    payload = await verifyDecisionJws(String(signature), input.jwks);
    checks.push({
      name: 'signature',
      ok: true,
      detail: 'The decision signature verifies with a key from the gateway’s JWKS.',
    });
  } catch {
    checks.push({
      name: 'signature',
      ok: false,
      detail: keyKnown
        ? `The decision signature does not verify with its key (kid ${kid}): the signed bytes were altered.`
        : `No key in the JWKS given has the decision’s key id (kid ${kid ?? 'absent'}): these are another gateway’s keys, or the key was removed.`,
    });
  }

  const expected = canonicalBytes(signed);
  const payloadMatches = payload !== undefined && equal(payload, expected);
  checks.push(
    payloadMatches
      ? { name: 'payload', ok: true, detail: 'The decision’s fields are exactly the ones that were signed.' }
      : payload === undefined
        ? {
            name: 'payload',
            ok: false,
            detail: 'Not compared: without a verified signature there is no signed payload to compare with.',
          }
        : {
            name: 'payload',
            ok: false,
            detail:
              'The decision’s fields differ from the signed payload: the decision was altered after signing.',
          },
  );

  let leafBytes: Uint8Array | undefined;
  try {
    leafBytes = fromBase64(String(r.leaf));
    const leaf = JSON.parse(decoder.decode(leafBytes)) as {
      kind?: unknown;
      decisionId?: unknown;
      payloadDigest?: unknown;
    };
    const digest = payload ? base64url(sha256(payload)) : undefined;
    const bound =
      leaf.kind === 'decision' &&
      leaf.decisionId === signed.id &&
      digest !== undefined &&
      leaf.payloadDigest === digest;
    checks.push(
      bound
        ? {
            name: 'leaf',
            ok: true,
            detail: 'The log leaf names this decision and commits to the digest of its signed payload.',
          }
        : {
            name: 'leaf',
            ok: false,
            detail: 'The log leaf does not commit to this decision’s signed payload.',
          },
    );
  } catch {
    checks.push({
      name: 'leaf',
      ok: false,
      detail: 'The receipt’s leaf is not base64 of a canonical JSON leaf.',
    });
  }

  let checkpoint: ReceiptVerdict['checkpoint'];
  try {
    const opened = openCheckpoint(String(r.checkpoint), input.logKey, { origin: String(r.logOrigin) });
    checkpoint = { origin: opened.origin, size: opened.size, rootHash: opened.rootHash };
    checks.push({
      name: 'checkpoint',
      ok: true,
      detail: `The checkpoint (tree size ${opened.size}) carries a valid signature of the log key.`,
    });
  } catch {
    checks.push({
      name: 'checkpoint',
      ok: false,
      detail: 'The checkpoint is not signed by the log key given, or is not for this log.',
    });
  }

  if (checkpoint && leafBytes) {
    try {
      const proof = Array.isArray(r.inclusionProof) ? r.inclusionProof.map((h) => fromBase64(String(h))) : [];
      verifyInclusion(leafHash(leafBytes), Number(r.leafIndex), checkpoint.size, proof, checkpoint.rootHash);
      checks.push({
        name: 'inclusion',
        ok: true,
        detail: `Leaf ${String(r.leafIndex)} is included in the signed tree of size ${checkpoint.size}.`,
      });
    } catch {
      checks.push({
        name: 'inclusion',
        ok: false,
        detail: 'The inclusion proof does not lead from the leaf to the checkpoint’s root.',
      });
    }
  } else {
    checks.push({
      name: 'inclusion',
      ok: false,
      detail: 'The inclusion proof could not be checked without a valid leaf and checkpoint.',
    });
  }
  const ok = checks.every((c) => c.ok);
  const failed = (name: AuditCheck['name']) => checks.some((c) => c.name === name && !c.ok);
  const reason: VerdictReason | undefined = ok
    ? undefined
    : failed('signature') && !keyKnown
      ? 'no_matching_key'
      : failed('signature') || failed('payload')
        ? 'altered'
        : 'not_in_log';
  return { ok, ...(reason ? { reason } : {}), checks, ...(checkpoint ? { checkpoint } : {}) };
}

function keyIdOf(jws: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(jws);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
