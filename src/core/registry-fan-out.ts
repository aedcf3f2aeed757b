/**
 * Asking the registries, shared by a first decision and its re-verification: the fan-out under
 * one deadline (batch requests first wait for quota), the evidence set the policy reads, the
 * decision's evidence entries and the access records of the write set, all in the fixed source
 * order so the same answers always give the same leaves.
 */
import { SOURCES } from '../../schemas/common.ts';
import type { Evidence, Source, VerificationRequest } from '../../schemas/index.ts';
import {
  type PartnerAnswer,
  partnerAccesses,
  partnerEvidence,
  planPartnerQueries,
} from './connector-evidence.ts';
import type { AccessWrite, RegistryCall } from './decision-store.ts';
import { digestOf } from './digest.ts';
import { GatewayError } from './errors.ts';
import type { FederationResult } from './federation/peer-fan-out.ts';
import type { Purpose } from './leaves.ts';
import type { EvidenceSet, PolicyDecision, QueryPlan, SourceEvidence } from './policy/types.ts';
import type { ConnectorRegistry, QueryPriority, RecordsBySource, RegistryAnswer } from './ports.ts';

export const PURPOSE: Purpose = 'legal_aid_eligibility';

export interface FanOutOptions {
  readonly connectors: ConnectorRegistry;
  /** One deadline for the whole fan-out, in milliseconds. */
  readonly registryDeadlineMs: number;
  /** How long a batch request may wait for quota before ERR_REGISTRY_TIMEOUT. Default 30 s. */
  readonly batchAdmissionMs?: number;
}

export interface FanOutResult {
  readonly answers: ReadonlyMap<Source, RegistryAnswer<unknown>>;
  readonly subjectsBySource: ReadonlyMap<Source, readonly string[]>;
  readonly partnerAnswers: readonly PartnerAnswer[];
  /** Set when peer gateways take part (issue 16): their evidence entries and access records. */
  readonly federation?: FederationResult;
  /** Each registry call's result and latency, built-in sources in order, then the partners'. */
  readonly calls: readonly RegistryCall[];
}

/**
 * Queries the plan's registries in parallel under one deadline. `partners: false` leaves the
 * partner registries out (re-verification asks only the built-in registries that failed).
 */
export type FanOut = (
  request: VerificationRequest,
  plan: QueryPlan,
  requestId: string,
  priority: QueryPriority,
  partners?: boolean,
) => Promise<FanOutResult>;

/** @example const fanOut = createFanOut({ connectors, registryDeadlineMs: 800 }); */
export function createFanOut(options: FanOutOptions): FanOut {
  const { connectors } = options;
  const admissionMs = options.batchAdmissionMs ?? 30_000;

  /**
   * A batch request waits for every planned registry's quota before its deadline starts.
   * Online requests do not come here: they are served first and wait inside `query`,
   * within their deadline, like any slow registry.
   */
  async function admitBatch(queries: readonly { source: Source }[], requestId: string, region: string) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), admissionMs);
    try {
      const admitted = await Promise.all(
        queries.map(
          ({ source }) =>
            connectors.get(source, region)?.admit?.('batch', controller.signal, requestId) ?? true,
        ),
      );
      if (admitted.includes(false)) {
        throw new GatewayError('ERR_REGISTRY_TIMEOUT', 'registry quota not granted in time', {
          retryable: true,
          facts: { waitedMs: admissionMs },
        });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  return async (request, plan, requestId, priority, partners = true) => {
    if (priority === 'batch') await admitBatch(plan.queries, requestId, request.region);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.registryDeadlineMs);
    const answers = new Map<Source, RegistryAnswer<unknown>>();
    const subjectsBySource = new Map<Source, readonly string[]>();
    const partnerQueries = partners ? planPartnerQueries(connectors, request, plan) : [];
    const query = {
      purpose: PURPOSE,
      consentReference: request.consent.reference,
      requestId,
      signal: controller.signal,
      priority,
    };
    const builtInCalls = new Map<Source, RegistryCall>();
    try {
      // Promise.all keeps the planned order, so evidence and access leaves never depend on
      // which registry answered first.
      const [partnerAnswers] = await Promise.all([
        Promise.all(
          partnerQueries.map(async ({ kind, connector, subjects }) => {
            const started = performance.now();
            const answer = await connector.query({ subjects, ...query });
            return { kind, subjects, answer, call: registryCall(kind, answer, started) };
          }),
        ),
        Promise.all(
          plan.queries.map(async ({ source, subjects }) => {
            subjectsBySource.set(source, subjects);
            const connector = connectors.get(source, request.region);
            const started = performance.now();
            const answer: RegistryAnswer<unknown> = connector
              ? await connector.query({ subjects, ...query })
              : {
                  status: 'unavailable',
                  code: 'ERR_REGISTRY_UNREACHABLE',
                  retryable: true,
                  detail: 'no active connector',
                };
            answers.set(source, answer);
            builtInCalls.set(source, registryCall(source, answer, started));
          }),
        ),
      ]);
      const calls = [
        ...plan.queries.flatMap(({ source }) => builtInCalls.get(source) ?? []),
        ...partnerAnswers.map((p) => p.call),
      ];
      return {
        answers,
        subjectsBySource,
        partnerAnswers: partnerAnswers.map(({ kind, subjects, answer }) => ({ kind, subjects, answer })),
        calls,
      };
    } finally {
      clearTimeout(timer);
    }
  };
}

/** One call's figures: the result class and code, and its latency in whole milliseconds. */
function registryCall(
  source: RegistryCall['source'],
  answer: RegistryAnswer<unknown>,
  started: number,
): RegistryCall {
  const latencyMs = Math.max(0, Math.round(performance.now() - started));
  if (answer.status === 'answered') return { source, result: 'answered', latencyMs };
  const result = answer.code === 'ERR_REGISTRY_TIMEOUT' ? 'timeout' : 'fault';
  return { source, result, code: answer.code, latencyMs };
}

/** What the policy reads: per source, its answer, its failure, or why it was not asked. */
export function evidenceSet(
  outOfScope: readonly Source[],
  answers: ReadonlyMap<Source, RegistryAnswer<unknown>>,
): EvidenceSet {
  const one = <S extends Source>(source: S): SourceEvidence<RecordsBySource[S]> => {
    const answer = answers.get(source) as RegistryAnswer<RecordsBySource[S]> | undefined;
    if (answer?.status === 'answered') return { status: 'answered', records: answer.records };
    if (answer?.status === 'unavailable') return { status: 'unavailable', code: answer.code };
    return outOfScope.includes(source) ? { status: 'out_of_scope' } : { status: 'not_queried' };
  };
  return { civil_affairs: one('civil_affairs'), hrss: one('hrss'), disability: one('disability') };
}

/** The decision's evidence entries for the built-in sources, then the partners'. */
export function decisionEvidence(
  evidence: EvidenceSet,
  ruling: PolicyDecision,
  partnerAnswers: readonly PartnerAnswer[],
  federation: readonly Evidence[] = [],
): Evidence[] {
  const builtIn: Evidence[] = SOURCES.map((source) => {
    const e = evidence[source];
    const status =
      e.status === 'answered'
        ? [...e.records.values()].some((r) => r.length > 0)
          ? 'found'
          : 'not_found'
        : e.status;
    const facts = ruling.facts[source] ?? {};
    const digest = e.status === 'answered' ? digestOf(answeredRecords(e.records)) : '';
    return { source, status, facts: { ...facts }, digest };
  });
  return [...builtIn, ...partnerEvidence(partnerAnswers), ...federation];
}

/**
 * The write set's access records: one per person asked, built-in sources in the fixed source
 * order (not the order they answered in), then the partners'.
 */
export function accessWrites(request: VerificationRequest, result: FanOutResult, at: string): AccessWrite[] {
  const accesses: AccessWrite[] = [];
  for (const source of SOURCES) {
    const answer = result.answers.get(source);
    if (answer === undefined) continue;
    for (const idNumber of result.subjectsBySource.get(source) ?? []) {
      const records = answer.status === 'answered' ? (answer.records.get(idNumber) ?? []) : [];
      const status =
        answer.status === 'unavailable' ? 'unavailable' : records.length > 0 ? 'found' : 'not_found';
      accesses.push({
        source,
        idNumber,
        purpose: PURPOSE,
        consentReference: request.consent.reference,
        status,
        at,
        records,
      });
    }
  }
  const context = { purpose: PURPOSE, consentReference: request.consent.reference, at };
  accesses.push(...partnerAccesses(result.partnerAnswers, context));
  if (result.federation) accesses.push(...result.federation.accesses(context));
  return accesses;
}

/** Records in a stable order (subjects sorted) so the digest does not depend on answer order. */
function answeredRecords(records: ReadonlyMap<string, readonly unknown[]>): unknown[] {
  return [...records.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}
