/**
 * The data tracker's lines, built from stored rows the same way on every runtime: every
 * registry access about a person and every decision about them, in log order.
 */
import type { SubjectAccessEntry } from '../../core/decision-store.ts';
import { PURPOSE } from '../../core/verification-service.ts';
import type { accessRecords, decisions } from './schema.ts';

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
