/**
 * From an intake request to a signed, explained decision:
 * validate → plan (which registries the policy needs) → fan out in parallel under one
 * deadline → evidence → policy → sign → one atomic write set.
 */

import type { Decision, VerificationRequest } from '../../schemas/index.ts';
import { canonicalBytes } from './canonical-json.ts';
import {
  type QueuedReverification,
  type ReverifyResult,
  reverifyDecision,
} from './decision-reverification.ts';
import { type ReviewInput, reviewDecision } from './decision-review.ts';
import type { DecisionStore, ReverificationWrite } from './decision-store.ts';
import { digestOf, sha256 } from './digest.ts';
import { base64url } from './encoding.ts';
import { GatewayError } from './errors.ts';
import { type FederationOptions, federatedFanOut } from './federation/peer-fan-out.ts';
import type { Language, Policy, PolicyDecision, QueryPlan } from './policy/types.ts';
import type { Clock, ConnectorRegistry, QueryPriority, Signer } from './ports.ts';
import {
  accessWrites,
  createFanOut,
  decisionEvidence,
  evidenceSet,
  type FanOutResult,
} from './registry-fan-out.ts';
import { assertRequestDates, shanghaiDate } from './request-dates.ts';

export { PURPOSE } from './registry-fan-out.ts';

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
  /** Peer gateways of other regions (issue 16); without it only this gateway's registries are asked. */
  readonly federation?: FederationOptions;
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
  /** One queued re-verification: a superseding decision, or why not yet. */
  reverify(queued: QueuedReverification): Promise<ReverifyResult>;
}

/**
 * @example
 * const service = createVerificationService({ policies: [nanjing], connectors, store, signer, clock, newId, registryDeadlineMs: 800 });
 * const { decision } = await service.verify({ clientId, idempotencyKey, request, language: 'zh-CN' });
 */
export function createVerificationService(options: VerificationServiceOptions): VerificationService {
  const { store, signer, clock } = options;
  // Issue 16: with peer gateways, people registered in their regions are asked through them.
  const fanOut = options.federation
    ? federatedFanOut(createFanOut(options), options.federation)
    : createFanOut(options);
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
    const arrived = performance.now();
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
    const asked = await timed('fan_out', () => fanOut(request, planned, id, input.priority ?? 'online'));
    const evidence = evidenceSet(planned.outOfScope, asked.answers);
    const ruling = await timed('policy', () => policy.decide(request, decisionDate, evidence));

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
      evidence: decisionEvidence(evidence, ruling, asked.partnerAnswers, asked.federation?.evidence),
    };
    const payload = canonicalBytes(signed);
    const signature = await timed('sign', () => signer.sign(payload));
    const accesses = accessWrites(request, asked, now.toISOString());
    const reverification = reverificationOf(policy, planned, asked, ruling, decisionDate, now);
    const timing = { durationMs: Math.round(performance.now() - arrived), registryCalls: asked.calls };

    const result = await timed('commit', () =>
      store.commit({
        clientId,
        idempotencyKey,
        requestDigest,
        request,
        decision: { ...signed, signature },
        payloadDigest: base64url(sha256(payload)),
        accesses,
        timing,
        ...(reverification ? { reverification } : {}),
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
    reverify: (queued) =>
      reverifyDecision(
        { store, signer, clock, newId: options.newId, policies: options.policies, fanOut },
        queued,
      ),
  };
}

/**
 * What a decision left open by an unavailable registry queues in its own write set: the
 * registries to ask again, and when the policy's window closes. Nothing for a decision the
 * registries could not change (no missing evidence, or none of it unavailable).
 */
function reverificationOf(
  policy: Policy,
  plan: QueryPlan,
  asked: FanOutResult,
  ruling: PolicyDecision,
  decisionDate: string,
  now: Date,
): ReverificationWrite | undefined {
  if (!ruling.basis.some((b) => b.rule === 'missing_evidence')) return undefined;
  const sources = plan.queries.flatMap(({ source }) =>
    asked.answers.get(source)?.status === 'unavailable' ? [source] : [],
  );
  if (sources.length === 0) return undefined;
  const { days } = policy.reverificationWindow(decisionDate);
  return { sources, notAfter: new Date(now.getTime() + days * 86_400_000).toISOString() };
}

function replayOf(storedDigest: string, requestDigest: string, decision: Decision): VerifyResult {
  if (storedDigest !== requestDigest) throw conflict();
  return { decision, replayed: true };
}

function conflict(): GatewayError {
  return new GatewayError('ERR_IDEMPOTENCY_CONFLICT', 'idempotency key reused with another body');
}
