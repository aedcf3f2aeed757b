/**
 * What a decision's write set holds at rest, computed the same way on every runtime: personal
 * data and free text from the request sealed (AES-GCM), the Idempotency-Key as a keyed hash.
 * Nothing the caller typed is stored as it came (issue 11: a consent reference or a key may
 * carry an identity number or a name).
 */
import type { AccessWrite, DecisionWrite, StoredAccess } from '../../core/decision-store.ts';
import { GatewayError } from '../../core/errors.ts';
import type { Sealer } from './sealer.ts';

export interface SealedWrite {
  readonly decisionSealed: string;
  readonly requestSealed: string;
  /** Per access, `{ idNumber, records }` sealed. */
  readonly recordsSealed: readonly string[];
  /** Per access, its consent reference sealed (one seal per distinct reference). */
  readonly consentSealed: readonly string[];
  /** A review's note sealed; empty when the write supersedes nothing. */
  readonly noteSealed: string;
}

/**
 * @example const sealed = await sealWrite(sealer, write); // sealed.consentSealed[i] for write.accesses[i]
 */
export async function sealWrite(sealer: Sealer, write: DecisionWrite): Promise<SealedWrite> {
  const [noteSealed, decisionSealed, requestSealed, accesses] = await Promise.all([
    write.supersession ? sealer.sealJson(write.supersession.note) : Promise.resolve(''),
    sealer.sealJson(write.decision),
    sealer.sealJson(write.request),
    sealAccesses(sealer, write.accesses),
  ]);
  return {
    decisionSealed,
    requestSealed,
    recordsSealed: accesses.recordsSealed,
    consentSealed: accesses.consentSealed,
    noteSealed,
  };
}

/**
 * Access records as stored: each one's records, and its consent reference (sealed once per
 * distinct reference).
 * @example const { consentSealed, recordsSealed } = await sealAccesses(sealer, write.accesses);
 */
export async function sealAccesses(
  sealer: Sealer,
  accesses: readonly AccessWrite[],
): Promise<{ readonly consentSealed: readonly string[]; readonly recordsSealed: readonly string[] }> {
  const references = [...new Set(accesses.map((a) => a.consentReference))];
  const sealed = await Promise.all([
    ...references.map((r) => sealer.sealJson(r)),
    ...accesses.map((a) => sealer.sealJson({ idNumber: a.idNumber, records: a.records })),
  ]);
  const byReference = new Map(references.map((r, i) => [r, sealed[i] ?? ''] as const));
  return {
    recordsSealed: sealed.slice(references.length),
    consentSealed: accesses.map((a) => byReference.get(a.consentReference) ?? ''),
  };
}

/**
 * The stored form of an Idempotency-Key: a keyed hash under the lookup key, bound to the
 * client, so lookups by (client, key) still work and the key itself is never at rest.
 * @example idempotencyKeyHash(sealer, 'intake-a', 'case-2025-0042')
 */
export function idempotencyKeyHash(sealer: Sealer, clientId: string, idempotencyKey: string): string {
  return sealer.lookupHash(`idempotency-key\n${clientId}\n${idempotencyKey}`);
}

/**
 * Opens every distinct sealed consent reference once; an empty value (a row written before
 * references were sealed, then scrubbed) stays empty.
 * @example const open = await openConsents(sealer, rows.map((r) => r.consentReference));
 */
export async function openConsents(
  sealer: Sealer,
  sealed: readonly string[],
): Promise<ReadonlyMap<string, string>> {
  const distinct = [...new Set(sealed)].filter((s) => s !== '');
  const opened = await Promise.all(distinct.map((s) => openSealed<string>(sealer, s, 'consent reference')));
  return new Map([['', ''], ...distinct.map((s, i) => [s, opened[i] ?? ''] as const)]);
}

/**
 * Opens a sealed record; one that does not open (its bytes or its key id were edited, or its
 * key is gone) is ERR_LOG_INTEGRITY naming the kind of record, not an internal error.
 * @example const decision = await openSealed<Decision>(sealer, row.decisionSealed, 'decision');
 */
export async function openSealed<T>(sealer: Sealer, sealed: string, what: string): Promise<T> {
  try {
    return await sealer.openJson<T>(sealed);
  } catch (cause) {
    throw new GatewayError(
      'ERR_LOG_INTEGRITY',
      `a stored ${what} does not open: it was altered or its key is gone`,
      {
        facts: { record: what },
        cause,
      },
    );
  }
}

/**
 * A decision's access rows opened for re-verification: each sealed `{ idNumber, records }`
 * with its source and status, in the order given (log order).
 * @example const accesses = await openAccesses(sealer, rows);
 */
export async function openAccesses(
  sealer: Sealer,
  rows: readonly { source: string; status: string; recordsSealed: string }[],
): Promise<StoredAccess[]> {
  return Promise.all(
    rows.map(async (row) => {
      const opened = await openSealed<{ idNumber: string; records: unknown[] }>(
        sealer,
        row.recordsSealed,
        'access record',
      );
      return {
        source: row.source,
        idNumber: opened.idNumber,
        status: row.status as StoredAccess['status'],
        records: opened.records,
      };
    }),
  );
}
