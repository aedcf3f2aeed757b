/**
 * From an intake request to a signed, explained decision:
 * validate → plan (which registries the policy needs) → fan out in parallel under one
 * deadline → evidence → policy → sign → one atomic write set.
 */

import { SOURCES } from '../../schemas/common.ts';
import type { Decision, Evidence, Source, VerificationRequest } from '../../schemas/index.ts';
import { canonicalBytes } from './canonical-json.ts';
import {
  type PartnerAnswer,
  partnerAccesses,
  partnerEvidence,
  planPartnerQueries,
} from './connector-evidence.ts';
import { type ReviewInput, reviewDecision } from './decision-review.ts';
import type { AccessWrite, DecisionStore } from './decision-store.ts';
import { digestOf, sha256 } from './digest.ts';
import { base64url } from './encoding.ts';
import { GatewayError } from './errors.ts';
import type { Purpose } from './leaves.ts';
import type { EvidenceSet, Language, Policy, QueryPlan, SourceEvidence } from './policy/types.ts';
import type {
  Clock,
  ConnectorRegistry,
  QueryPriority,
  RecordsBySource,
  RegistryAnswer,
  Signer,
} from './ports.ts';
import { assertRequestDates, shanghaiDate } from './request-dates.ts';

export const PURPOSE: Purpose = 'legal_aid_eligibility';

export interface VerificationServiceOptions {
  readonly policies: readonly Policy[];
  readonly connectors: ConnectorRegistry;
  readonly store: DecisionStore;
  readonly signer: Signer;
  readonly clock: Clock;
  /** New decision ids. */
  readonly newId: () => string;
  /** One deadline for the whole fan-out, in milliseconds. */
  readonly registryDeadlineMs: number;
  /**
   * How long a batch request may wait for registry quotas before it fails with a
   * retryable `ERR_REGISTRY_TIMEOUT` (nothing decided, nothing recorded). Default 30 s.
   */
  readonly batchAdmissionMs?: number;
  /** Observes each step's duration (metrics); optional. */
  readonly observe?: (step: VerificationStep, seconds: number) => void;
}

export type VerificationStep = 'plan' | 'fan_out' | 'policy' | 'sign' | 'commit';

export interface VerifyInput {
  readonly clientId: string;
  readonly idempotencyKey: string;
  readonly request: VerificationRequest;
  readonly language: Language;
  /** Passed to every registry query (quotas serve online first). Default `online`. */
  readonly priority?: QueryPriority;
}

export interface VerifyResult {
  readonly decision: Decision;
  /** True when an earlier request with the same key and body already produced it. */
  readonly replayed: boolean;
}

export interface VerificationService {
  verify(input: VerifyInput): Promise<VerifyResult>;
  /** A decision the client may read: its own, or any with `audit`; `supersededBy` joined on. */
  read(id: string, clientId: string, audit: boolean): Promise<Decision>;
  /** A human review: a new signed decision that supersedes the reviewed one. */
  review(input: ReviewInput): Promise<Decision>;
}

/**
 * @example
 * const service = createVerificationService({ policies: [nanjing], connectors, store, signer, clock, newId, registryDeadlineMs: 800 });
 * const { decision } = await service.verify({ clientId, idempotencyKey, request, language: 'zh-CN' });
 */
export function createVerificationService(options: VerificationServiceOptions): VerificationService {
  const { store, signer, clock, connectors } = options;
  const observe = options.observe ?? (() => {});
  const timed = async <T>(step: VerificationStep, run: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      observe(step, (performance.now() - started) / 1000);
    }
  };

  function policyFor(request: VerificationRequest): Policy {
    const policy = options.policies.find((p) => p.supports(request.region));
    if (!policy)
      throw new GatewayError('ERR_UNKNOWN_REGION', 'no policy covers the region', {
        facts: { region: request.region },
      });
    if (!policy.categories.includes(request.matter.category)) {
      throw new GatewayError('ERR_UNKNOWN_CATEGORY', 'unknown matter category', {
        errors: [{ path: '/matter/category', message: `not in the matter list of policy ${policy.id}` }],
      });
    }
    return policy;
  }

  async function fanOut(
    request: VerificationRequest,
    plan: QueryPlan,
    requestId: string,
    priority: QueryPriority,
  ) {
    if (priority === 'batch') await admitBatch(plan.queries, requestId, request.region);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.registryDeadlineMs);
    const answers = new Map<Source, RegistryAnswer<unknown>>();
    const subjectsBySource = new Map<Source, readonly string[]>();
    const partners = planPartnerQueries(connectors, request, plan);
    const query = {
      purpose: PURPOSE,
      consentReference: request.consent.reference,
      requestId,
      signal: controller.signal,
      priority,
    };
    try {
      // Promise.all keeps the planned order, so evidence and access leaves never depend on
      // which registry answered first.
      const [partnerAnswers] = await Promise.all([
        Promise.all(
          partners.map(async ({ kind, connector, subjects }): Promise<PartnerAnswer> => {
            const answer = await connector.query({ subjects, ...query });
            return { kind, subjects, answer };
          }),
        ),
        Promise.all(
          plan.queries.map(async ({ source, subjects }) => {
            subjectsBySource.set(source, subjects);
            const connector = connectors.get(source, request.region);
            const answer: RegistryAnswer<unknown> = connector
              ? await connector.query({ subjects, ...query })
              : {
                  status: 'unavailable',
                  code: 'ERR_REGISTRY_UNREACHABLE',
                  retryable: true,
                  detail: 'no active connector',
                };
            answers.set(source, answer);
          }),
        ),
      ]);
      return { plan, answers, subjectsBySource, partnerAnswers };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A batch request waits for every planned registry's quota before its deadline starts.
   * Online requests do not come here: they are served first and wait inside `query`,
   * within their deadline, like any slow registry.
   */
  async function admitBatch(
    queries: readonly { source: Source }[],
    requestId: string,
    region: string,
  ): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.batchAdmissionMs ?? 30_000);
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
          facts: { waitedMs: options.batchAdmissionMs ?? 30_000 },
        });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  function evidenceSet(
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

  /**
   * Requests in flight per (client, Idempotency-Key). Twins that arrive while the first is
   * still deciding wait for it instead of fanning out themselves: otherwise each would
   * query the registries and only the winner's lookups would be recorded, so the data
   * tracker would show fewer accesses than the registries saw (issue 11).
   */
  const inFlight = new Map<string, { readonly digest: string; readonly result: Promise<VerifyResult> }>();

  async function verify(input: VerifyInput): Promise<VerifyResult> {
    const requestDigest = digestOf(input.request);
    const key = `${input.clientId}\n${input.idempotencyKey}`;
    for (let running = inFlight.get(key); running; running = inFlight.get(key)) {
      const settled = await running.result.then(
        (r) => r,
        () => undefined,
      );
      // Same body: the first one's decision is this one's replay. Another body, or a first
      // attempt that failed: decide as usual, which finds the stored decision or conflict.
      if (settled && running.digest === requestDigest) return { decision: settled.decision, replayed: true };
      if (settled) break;
    }
    const result = decide(input, requestDigest);
    inFlight.set(key, { digest: requestDigest, result });
    try {
      return await result;
    } finally {
      if (inFlight.get(key)?.result === result) inFlight.delete(key);
    }
  }

  async function decide(input: VerifyInput, requestDigest: string): Promise<VerifyResult> {
    const { request, clientId, idempotencyKey, language } = input;
    const earlier = await store.findByIdempotencyKey(clientId, idempotencyKey);
    if (earlier) return replayOf(earlier.requestDigest, requestDigest, earlier.decision);

    const policy = policyFor(request);
    const now = clock.now();
    const decisionDate = request.decisionDate ?? shanghaiDate(now);
    // The policy refuses a date it has no parameters for before the request's own dates are
    // checked, so a date before the policy is one error, not a cascade of consent errors.
    const planned = policy.plan(request, decisionDate);
    assertRequestDates(request, decisionDate, now);
    const id = options.newId();
    const { plan, answers, subjectsBySource, partnerAnswers } = await timed('fan_out', () =>
      fanOut(request, planned, id, input.priority ?? 'online'),
    );
    const evidence = evidenceSet(plan.outOfScope, answers);
    const ruling = await timed('policy', () => policy.decide(request, decisionDate, evidence));

    const builtInEvidence: Evidence[] = SOURCES.map((source) => {
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
    const evidenceOut = [...builtInEvidence, ...partnerEvidence(partnerAnswers)];

    const signed = {
      id,
      outcome: ruling.outcome,
      provisional: ruling.provisional,
      greenChannel: ruling.greenChannel,
      decidedAt: now.toISOString(),
      decisionDate,
      region: request.region,
      basis: ruling.basis.map((b) => ({
        rule: b.rule,
        citation: b.citation,
        explanation: b.explanations[language],
        explanations: { 'zh-CN': b.explanations['zh-CN'], en: b.explanations.en },
      })),
      policy: { id: policy.id, version: policy.version, digest: policy.digest },
      evidence: evidenceOut,
    };
    const payload = canonicalBytes(signed);
    const signature = await timed('sign', () => signer.sign(payload));

    const at = now.toISOString();
    // Access leaves follow the fixed source order, not the order the registries answered in,
    // so the same decision always writes the same sequence of leaves.
    const accesses: AccessWrite[] = [];
    for (const source of SOURCES) {
      const answer = answers.get(source);
      if (answer === undefined) continue;
      for (const idNumber of subjectsBySource.get(source) ?? []) {
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

    accesses.push(
      ...partnerAccesses(partnerAnswers, {
        purpose: PURPOSE,
        consentReference: request.consent.reference,
        at,
      }),
    );

    const result = await timed('commit', () =>
      store.commit({
        clientId,
        idempotencyKey,
        requestDigest,
        request,
        decision: { ...signed, signature },
        payloadDigest: base64url(sha256(payload)),
        accesses,
      }),
    );
    if (result.status === 'conflict') throw conflict();
    return { decision: result.decision, replayed: result.status === 'replayed' };
  }

  async function read(id: string, clientId: string, audit: boolean): Promise<Decision> {
    const stored = await store.get(id);
    // Another client's decision answers exactly as a missing one: no existence oracle.
    if (!stored || (!audit && stored.clientId !== clientId)) {
      throw new GatewayError('ERR_NOT_FOUND', 'no such decision');
    }
    return stored.supersededBy === undefined
      ? stored.decision
      : { ...stored.decision, supersededBy: stored.supersededBy };
  }

  return {
    verify,
    read,
    review: (input) => reviewDecision({ store, signer, clock, newId: options.newId }, input),
  };
}

function replayOf(storedDigest: string, requestDigest: string, decision: Decision): VerifyResult {
  if (storedDigest !== requestDigest) throw conflict();
  return { decision, replayed: true };
}

function conflict(): GatewayError {
  return new GatewayError('ERR_IDEMPOTENCY_CONFLICT', 'idempotency key reused with another body');
}

/** Records in a stable order (subjects sorted) so the digest does not depend on answer order. */
function answeredRecords(records: ReadonlyMap<string, readonly unknown[]>): unknown[] {
  return [...records.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}
