/**
 * The data tracker's lines, built from stored rows the same way on every runtime: every
 * registry access about a person and every decision about them, in log order.
 */
import type { Decision } from '../../../schemas/index.ts';
import type { SubjectAccessEntry } from '../../core/decision-store.ts';
import { GatewayError } from '../../core/errors.ts';
import { PURPOSE } from '../../core/verification-service.ts';
import type { accessRecords, decisions } from './schema.ts';
import type { Sealer } from './sealer.ts';
import { openConsents, openSealed } from './write-sealing.ts';

type AccessRow = Pick<
  typeof accessRecords.$inferSelect,
  'at' | 'decisionId' | 'source' | 'status' | 'purpose' | 'consentReference' | 'leafIndex'
>;
type DecisionRow = Pick<
  typeof decisions.$inferSelect,
  'decidedAt' | 'id' | 'clientId' | 'outcome' | 'leafIndex'
>;

/**
 * `consents` maps each row's sealed consent reference to its plaintext (see openConsents):
 * the column holds it sealed, and only this entitled caller sees it opened.
 * @example subjectAccessEntries(accessRows, decisionRows, clientIdByDecisionId, await openConsents(sealer, sealed))
 */
export function subjectAccessEntries(
  accessRows: readonly AccessRow[],
  decisionRows: readonly DecisionRow[],
  clients: ReadonlyMap<string, string>,
  consents: ReadonlyMap<string, string>,
): SubjectAccessEntry[] {
  const opened = (sealed: string) => consents.get(sealed) ?? '';
  const consentOf = new Map(accessRows.map((a) => [a.decisionId, opened(a.consentReference)] as const));
  const entries: SubjectAccessEntry[] = [
    ...accessRows.map((a) => ({
      kind: 'registry_access' as const,
      at: a.at,
      decisionId: a.decisionId,
      clientId: clients.get(a.decisionId) ?? '',
      source: a.source as SubjectAccessEntry['source'],
      status: a.status,
      purpose: a.purpose,
      consentReference: opened(a.consentReference),
      logIndex: a.leafIndex,
    })),
    ...decisionRows.map((d) => ({
      kind: 'decision' as const,
      at: d.decidedAt,
      decisionId: d.id,
      clientId: d.clientId,
      outcome: d.outcome,
      purpose: PURPOSE,
      consentReference: consentOf.get(d.id) ?? '',
      logIndex: d.leafIndex,
    })),
  ];
  return entries.sort((a, b) => a.logIndex - b.logIndex);
}

/** What a store read for one subject: its rows, and the decisions its access rows belong to. */
export interface TrackerRows {
  readonly accessRows: readonly AccessRow[];
  readonly decisionRows: readonly (DecisionRow & { readonly decisionSealed: string })[];
  readonly owners: readonly { readonly id: string; readonly clientId: string; readonly leafIndex: number }[];
}

/** Leaf bytes by index, for the indices asked. */
export type LeafReader = (indices: readonly number[]) => Promise<ReadonlyMap<number, Uint8Array>>;

/**
 * The tracker's lines, after checking that every plaintext column it shows is what the log
 * witnessed (issue 11): each access row against its access leaf, each decision row and each
 * decision an access belongs to against its decision leaf, and each decision's outcome
 * against the signed decision. A row edited behind the gateway's back is ERR_LOG_INTEGRITY.
 * @example return trackerEntries(sealer, { accessRows, decisionRows, owners }, readLeavesAt);
 */
export async function trackerEntries(
  sealer: Sealer,
  rows: TrackerRows,
  readLeaves: LeafReader,
): Promise<SubjectAccessEntry[]> {
  const { accessRows, decisionRows, owners } = rows;
  const indices = [...new Set([...accessRows, ...decisionRows, ...owners].map((r) => r.leafIndex))];
  const leaves = await readLeaves(indices);
  const decoder = new TextDecoder();
  const leafAt = (table: string, index: number): Record<string, unknown> => {
    const bytes = leaves.get(index);
    if (bytes === undefined) throw unbound(table, index, 'names a leaf the log does not hold');
    return JSON.parse(decoder.decode(bytes)) as Record<string, unknown>;
  };
  for (const a of accessRows) {
    const leaf = leafAt('access_records', a.leafIndex);
    const same =
      leaf.kind === 'access' &&
      leaf.decisionId === a.decisionId &&
      leaf.source === a.source &&
      leaf.status === a.status &&
      leaf.at === a.at &&
      leaf.purpose === a.purpose;
    if (!same) throw unbound('access_records', a.leafIndex, 'does not match its access leaf');
  }
  for (const d of [...decisionRows, ...owners]) {
    const leaf = leafAt('decisions', d.leafIndex);
    const same =
      leaf.kind === 'decision' &&
      leaf.decisionId === d.id &&
      leaf.clientId === d.clientId &&
      (!('decidedAt' in d) || leaf.decidedAt === d.decidedAt);
    if (!same) throw unbound('decisions', d.leafIndex, 'does not match its decision leaf');
  }
  const signed = await Promise.all(
    decisionRows.map((d) =>
      openSealed<Pick<Decision, 'id' | 'outcome'>>(sealer, d.decisionSealed, 'decision'),
    ),
  );
  decisionRows.forEach((d, i) => {
    if (signed[i]?.id !== d.id || signed[i]?.outcome !== d.outcome)
      throw unbound('decisions', d.leafIndex, 'does not match its signed decision');
  });
  const consents = await openConsents(
    sealer,
    accessRows.map((a) => a.consentReference),
  );
  const clients = new Map(owners.map((o) => [o.id, o.clientId] as const));
  return subjectAccessEntries(accessRows, decisionRows, clients, consents);
}

function unbound(table: string, leafIndex: number, what: string): GatewayError {
  return new GatewayError('ERR_LOG_INTEGRITY', `a row of ${table} (leaf ${leafIndex}) ${what}`, {
    facts: { table, leafIndex },
  });
}
