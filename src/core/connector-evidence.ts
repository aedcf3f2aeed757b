/**
 * Evidence from partner registries of kinds the policy does not know (the housing provident
 * fund…). They are asked only about the applicant, only when the applicant's consent names
 * the kind (`consent.partnerScopes`), only when an active connector serves the request's
 * region, and never for a case the policy settles from the request alone (invariant 3).
 * Their answers are reported in the decision's `evidence` (status, facts, digest) and
 * recorded as accesses like any registry query; the policy's rules ignore them, so the
 * outcome does not depend on them and replaying the policy stays reproducible.
 */
import type { Evidence, VerificationRequest } from '../../schemas/index.ts';
import type { AccessWrite } from './decision-store.ts';
import { digestOf } from './digest.ts';
import type { Purpose } from './leaves.ts';
import type { QueryPlan } from './policy/types.ts';
import type { ConnectorRegistry, PartnerConnector, PartnerRecord, RegistryAnswer } from './ports.ts';

/** One partner query the service will send. */
export interface PartnerQuery {
  readonly kind: string;
  readonly connector: PartnerConnector;
  readonly subjects: readonly string[];
}

/** What one partner registry answered, with whom it was asked about. */
export interface PartnerAnswer {
  readonly kind: string;
  readonly subjects: readonly string[];
  readonly answer: RegistryAnswer<PartnerRecord>;
}

/**
 * The partner queries a request needs: one per consented kind with an active connector.
 * The connector is taken now, so an activation or a deactivation during the request does
 * not change which version answers it.
 * @example planPartnerQueries(connectors, request, policy.plan(request, date))
 */
export function planPartnerQueries(
  registry: ConnectorRegistry,
  request: VerificationRequest,
  plan: QueryPlan,
): PartnerQuery[] {
  const kinds = request.consent.partnerScopes ?? [];
  if (kinds.length === 0 || registry.partners === undefined) return [];
  if (plan.queries.length === 0 && plan.outOfScope.length === 0) return [];
  const active = registry.partners(request.region);
  const queries: PartnerQuery[] = [];
  for (const kind of [...new Set(kinds)].sort()) {
    const connector = active.find((c) => c.kind === kind);
    if (connector) queries.push({ kind, connector, subjects: [request.applicant.idNumber] });
  }
  return queries;
}

/**
 * The decision's evidence entries for partner answers, in kind order. Facts name the
 * applicant by role, never by identity number: one record gives its facts, several give
 * `records`, a list of their facts.
 * @example [...builtInEvidence, ...partnerEvidence(answers)]
 */
export function partnerEvidence(answers: readonly PartnerAnswer[]): Evidence[] {
  return [...answers]
    .sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))
    .map(({ kind, answer, subjects }) => {
      if (answer.status === 'unavailable')
        return { source: kind, status: 'unavailable', facts: {}, digest: '' };
      const records = subjects.flatMap((s) => answer.records.get(s) ?? []);
      const digest = digestOf(records.map((r) => ({ idNumber: r.idNumber, facts: r.facts })));
      if (records.length === 0) return { source: kind, status: 'not_found', facts: {}, digest };
      const facts =
        records.length === 1
          ? { role: 'applicant', ...records[0]?.facts }
          : { role: 'applicant', records: records.map((r) => ({ ...r.facts })) };
      return { source: kind, status: 'found', facts, digest };
    });
}

/**
 * The access records of partner queries (one per subject asked about), for the data tracker
 * and the log, exactly like built-in registry accesses.
 * @example accesses.push(...partnerAccesses(answers, { purpose, consentReference, at }))
 */
export function partnerAccesses(
  answers: readonly PartnerAnswer[],
  context: { readonly purpose: Purpose; readonly consentReference: string; readonly at: string },
): AccessWrite[] {
  return answers.flatMap(({ kind, subjects, answer }) =>
    subjects.map((idNumber) => {
      const records = answer.status === 'answered' ? (answer.records.get(idNumber) ?? []) : [];
      const status =
        answer.status === 'unavailable' ? 'unavailable' : records.length > 0 ? 'found' : 'not_found';
      return { source: kind, idNumber, ...context, status, records };
    }),
  );
}
