/**
 * The asking side of issue 16: a peer gateway is one more connector kind. People registered
 * in a region another gateway serves are asked about THROUGH that gateway, never at its
 * registries; everyone else at this gateway's own registries as before. A peer's facts are
 * used only after its signature verifies against the trust list's JWKS and its receipt
 * against the peer's log key; a peer that is unreachable, late, untrusted, or answers with a
 * bad signature or receipt, or about someone or something it was not asked, makes those
 * facts `unavailable` (never `ineligible`) and raises an alarm. The policy decides under
 * this gateway's own region, on the merged evidence.
 */
import type { FederationFacts, FederationFactsRequest, PeerGateway } from '../../../schemas/federation.ts';
import type { Evidence, Receipt, Source } from '../../../schemas/index.ts';
import { canonicalBytes } from '../canonical-json.ts';
import type { AccessWrite, RegistryCall } from '../decision-store.ts';
import { sha256 } from '../digest.ts';
import { base64url } from '../encoding.ts';
import type { ErrorCode } from '../errors.ts';
import type { Purpose } from '../leaves.ts';
import type { PlannedQuery } from '../policy/types.ts';
import type { Clock, RegistryAnswer, Signer } from '../ports.ts';
import type { FanOut, FanOutResult } from '../registry-fan-out.ts';
import { FEDERATION_TOKEN_TYPE } from './facts-answer.ts';
import type { PeerAlarm, PeerAlarmReason, PeerTransport } from './federation-ports.ts';
import { checkPeerReceipt } from './peer-receipt.ts';
import { type Registration, registrationEvidence, registrationsOf } from './registration.ts';

export interface FederationOptions {
  /** This gateway's region (policy code), e.g. `cn-320100`. */
  readonly region: string;
  /** This gateway's log origin: the issuer of its tokens, the `askedBy` peers log. */
  readonly origin: string;
  readonly peers: readonly PeerGateway[];
  readonly transport: PeerTransport;
  /** Verifies the peer's signed facts (typ FEDERATION_FACTS_TYPE) and parses them; rejects otherwise. */
  readonly openFacts: (
    jws: string,
    peer: PeerGateway,
  ) => Promise<{ facts: FederationFacts; payload: Uint8Array }>;
  readonly signer: Signer;
  readonly clock: Clock;
  /** The same deadline as any registry query. */
  readonly registryDeadlineMs: number;
  readonly alarm: PeerAlarm;
}

/** What the federation added to a fan-out: evidence entries and access records. */
export interface FederationResult {
  /** The registration entry, then one entry per peer and source asked. */
  readonly evidence: readonly Evidence[];
  accesses(context: {
    readonly purpose: Purpose;
    readonly consentReference: string;
    readonly at: string;
  }): AccessWrite[];
}

/** How long a token to a peer lives: enough for one question, no more. */
const TOKEN_SECONDS = 60;

/** The access kind of a question to the peer of `region`: `peer_cn_320500`. */
export function peerAccessKind(region: string): string {
  return `peer_${region.replace('-', '_')}`;
}

type PeerOutcome =
  | {
      readonly ok: true;
      readonly facts: FederationFacts;
      readonly digest: string;
      readonly receipt: Receipt;
    }
  | { readonly ok: false; readonly code: ErrorCode; readonly reason: PeerAlarmReason };

/**
 * Wraps a fan-out: with no peers, or nobody registered in a peer's region, it IS the inner
 * fan-out (today's behaviour, byte for byte).
 * @example const fanOut = federatedFanOut(createFanOut(options), { region, origin, peers, transport, openFacts, signer, clock, registryDeadlineMs, alarm });
 */
export function federatedFanOut(inner: FanOut, options: FederationOptions): FanOut {
  if (options.peers.length === 0) return inner;
  const regionOf = (city: string) => `cn-${city}`;
  const peerFor = (r: Registration) =>
    options.peers.find((p) => p.region === regionOf(r.city) && p.region !== options.region);

  return async (request, plan, requestId, priority, partners) => {
    const registrations = registrationsOf(request);
    const foreign = new Map<string, PeerGateway>();
    for (const r of registrations) {
      const peer = peerFor(r);
      if (peer) foreign.set(r.idNumber, peer);
    }
    // A person no peer serves is asked at this gateway's own registries, as before.
    const registration = registrationEvidence(
      registrations,
      (city) => options.peers.find((p) => p.region === regionOf(city))?.region ?? options.region,
    );
    if (foreign.size === 0 || plan.queries.length === 0) {
      const result = await inner(request, plan, requestId, priority, partners);
      return { ...result, federation: { evidence: [registration], accesses: () => [] } };
    }
    const onlyFor = (keep: (idNumber: string) => boolean): PlannedQuery[] =>
      plan.queries
        .map(({ source, subjects }) => ({ source, subjects: subjects.filter(keep) }))
        .filter((q) => q.subjects.length > 0);
    const peers = [...new Set(foreign.values())].sort((a, b) => (a.region < b.region ? -1 : 1));
    const asks = peers.map((peer) => ({ peer, queries: onlyFor((id) => foreign.get(id) === peer) }));
    const started = performance.now();
    const [local, ...outcomes] = await Promise.all([
      inner(request, { ...plan, queries: onlyFor((id) => !foreign.has(id)) }, requestId, priority, partners),
      ...asks.map(async ({ peer, queries }) => {
        const outcome = await askPeer(options, peer, {
          purpose: 'legal_aid_eligibility',
          consentReference: request.consent.reference,
          decisionId: requestId,
          queries: queries.map((q) => ({ source: q.source, subjects: [...q.subjects] })),
        });
        return { ...outcome, latencyMs: Math.max(0, Math.round(performance.now() - started)) };
      }),
    ]);
    const answers = mergeAnswers(plan.queries, local.answers, asks, outcomes as PeerOutcome[]);
    const evidence = [registration, ...peerEvidence(asks, outcomes as PeerOutcome[], registrations)];
    // Each peer is one more registry call in the indicators (issue 15): its kind, result, latency.
    const peerCalls: RegistryCall[] = asks.map(({ peer }, i) => {
      const o = outcomes[i] as PeerOutcome & { latencyMs: number };
      const source = peerAccessKind(peer.region);
      if (o.ok) return { source, result: 'answered', latencyMs: o.latencyMs };
      const result = o.code === 'ERR_REGISTRY_TIMEOUT' ? 'timeout' : 'fault';
      return { source, result, code: o.code, latencyMs: o.latencyMs };
    });
    const result: FanOutResult & { federation: FederationResult } = {
      ...local,
      calls: [...local.calls, ...peerCalls],
      answers,
      federation: {
        evidence,
        accesses: (context) => peerAccesses(asks, outcomes as PeerOutcome[], context),
      },
    };
    return result;
  };
}

/** One question to one peer, checked end to end; every failure is a value and an alarm. */
async function askPeer(
  o: FederationOptions,
  peer: PeerGateway,
  body: FederationFactsRequest,
): Promise<PeerOutcome> {
  const fail = (code: ErrorCode, reason: PeerAlarmReason): PeerOutcome => {
    o.alarm({ region: peer.region, via: peer.logOrigin, reason });
    return { ok: false, code, reason };
  };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), o.registryDeadlineMs);
  try {
    const token = await tokenFor(o, peer, body);
    const reply = await o.transport.ask(peer, body, token, controller.signal);
    if (reply.kind === 'failed')
      return fail(
        reply.reason === 'timeout' ? 'ERR_REGISTRY_TIMEOUT' : 'ERR_REGISTRY_UNREACHABLE',
        reply.reason,
      );
    if (reply.status === 401 || reply.status === 403) return fail('ERR_REGISTRY_ERROR', 'refused');
    const shape = reply.body as { signature?: unknown; receipt?: unknown } | null;
    if (reply.status !== 200 || typeof shape?.signature !== 'string' || typeof shape.receipt !== 'object')
      return fail('ERR_REGISTRY_MALFORMED', 'malformed');
    let opened: { facts: FederationFacts; payload: Uint8Array };
    try {
      opened = await o.openFacts(shape.signature, peer);
    } catch {
      return fail('ERR_SIGNATURE_INVALID', 'bad_signature');
    }
    const { facts, payload } = opened;
    if (facts.decisionId !== body.decisionId || facts.askedBy !== o.origin || facts.region !== peer.region)
      return fail('ERR_REGISTRY_MALFORMED', 'wrong_decision');
    const asked = new Map(body.queries.map((q) => [q.source, new Set(q.subjects)] as const));
    for (const a of facts.answers) {
      const subjects = asked.get(a.source);
      if (!subjects) return fail('ERR_REGISTRY_MALFORMED', 'unasked_source');
      if (a.subjects.some((s) => !subjects.has(s.idNumber)))
        return fail('ERR_REGISTRY_MALFORMED', 'unasked_subject');
      // Someone asked about but left out would count as "no record": an answer must be whole.
      const answered = new Set(a.subjects.map((s) => s.idNumber));
      if (a.status === 'answered' && [...subjects].some((id) => !answered.has(id)))
        return fail('ERR_REGISTRY_MALFORMED', 'malformed');
    }
    if (body.queries.some((q) => !facts.answers.some((a) => a.source === q.source)))
      return fail('ERR_REGISTRY_MALFORMED', 'malformed');
    const digest = base64url(sha256(payload));
    const receipt = shape.receipt as Receipt;
    const checked = checkPeerReceipt(receipt, {
      logKey: peer.logKey,
      logOrigin: peer.logOrigin,
      answerId: facts.id,
      payloadDigest: digest,
      askedBy: o.origin,
      decisionId: body.decisionId,
    });
    if (!checked.ok) return fail('ERR_SIGNATURE_INVALID', 'bad_receipt');
    return { ok: true, facts, digest, receipt };
  } catch {
    return fail('ERR_REGISTRY_UNREACHABLE', 'unreachable');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The digest a federation token binds: sha256 (base64url) of the canonical question.
 * @example questionDigest(body) === claims.bdg
 */
export function questionDigest(body: FederationFactsRequest): string {
  return base64url(sha256(canonicalBytes(body)));
}

/** A JWT signed with this gateway's decision key: issuer this log, audience the peer's, one minute. */
async function tokenFor(
  o: FederationOptions,
  peer: PeerGateway,
  body: FederationFactsRequest,
): Promise<string> {
  const signAs = o.signer.signAs?.bind(o.signer);
  if (!signAs) throw new TypeError('federation needs a signer with signAs');
  const iat = Math.floor(o.clock.now().getTime() / 1000);
  // `bdg` binds the token to this one question: the peer refuses it for any other body.
  const claims = {
    iss: o.origin,
    aud: peer.logOrigin,
    iat,
    exp: iat + TOKEN_SECONDS,
    jti: `${body.decisionId}/${peer.region}`,
    bdg: questionDigest(body),
  };
  return signAs(FEDERATION_TOKEN_TYPE, canonicalBytes(claims));
}

/**
 * Per planned source, this gateway's answer and every peer's answer for it, as one answer
 * the policy reads: unavailable if any part is (so nothing is decided on half the household),
 * otherwise the records of everyone.
 */
function mergeAnswers(
  queries: readonly PlannedQuery[],
  local: ReadonlyMap<Source, RegistryAnswer<unknown>>,
  asks: readonly { readonly queries: readonly PlannedQuery[] }[],
  outcomes: readonly PeerOutcome[],
): Map<Source, RegistryAnswer<unknown>> {
  const merged = new Map<Source, RegistryAnswer<unknown>>();
  for (const { source } of queries) {
    const parts: RegistryAnswer<unknown>[] = [];
    const own = local.get(source);
    if (own) parts.push(own);
    asks.forEach((ask, i) => {
      if (!ask.queries.some((q) => q.source === source)) return;
      const outcome = outcomes[i];
      if (!outcome) return;
      if (!outcome.ok) {
        parts.push({
          status: 'unavailable',
          code: outcome.code,
          retryable: true,
          detail: `peer ${outcome.reason}`,
        });
        return;
      }
      const answer = outcome.facts.answers.find((a) => a.source === source);
      if (!answer || answer.status === 'unavailable') {
        const code = (answer?.code ?? 'ERR_REGISTRY_UNREACHABLE') as ErrorCode;
        parts.push({ status: 'unavailable', code, retryable: true, detail: 'peer registry unavailable' });
        return;
      }
      parts.push({
        status: 'answered',
        records: new Map(answer.subjects.map((s) => [s.idNumber, s.records] as const)),
      });
    });
    const failed = parts.find((p) => p.status === 'unavailable');
    if (failed) {
      merged.set(source, failed);
      continue;
    }
    const records = new Map<string, readonly unknown[]>();
    for (const p of parts) if (p.status === 'answered') for (const [id, r] of p.records) records.set(id, r);
    merged.set(source, { status: 'answered', records });
  }
  return merged;
}

/** Per peer and source asked: what came back, which region, which log, and the peer's receipt. */
function peerEvidence(
  asks: readonly { readonly peer: PeerGateway; readonly queries: readonly PlannedQuery[] }[],
  outcomes: readonly PeerOutcome[],
  registrations: readonly Registration[],
): Evidence[] {
  const roleOf = (idNumber: string) => {
    const r = registrations.find((x) => x.idNumber === idNumber);
    return r?.role === 'member' ? { role: 'member', index: r.index } : { role: 'applicant' };
  };
  return asks.flatMap(({ peer, queries }, i) => {
    const outcome = outcomes[i];
    return queries.map(({ source, subjects }): Evidence => {
      const where = { region: peer.region, via: peer.logOrigin };
      const persons = subjects.map(roleOf);
      if (!outcome?.ok) return { source, status: 'unavailable', facts: { persons }, digest: '', ...where };
      const answer = outcome.facts.answers.find((a) => a.source === source);
      const found = answer?.subjects.some((s) => s.records.length > 0) ?? false;
      const status = answer?.status !== 'answered' ? 'unavailable' : found ? 'found' : 'not_found';
      return {
        source,
        status,
        facts: { persons, answer: outcome.facts.id },
        digest: outcome.digest,
        ...where,
        receipt: outcome.receipt,
      };
    });
  });
}

/** One access record per person asked about through a peer: who asked whom, and what came back. */
function peerAccesses(
  asks: readonly { readonly peer: PeerGateway; readonly queries: readonly PlannedQuery[] }[],
  outcomes: readonly PeerOutcome[],
  context: { readonly purpose: Purpose; readonly consentReference: string; readonly at: string },
): AccessWrite[] {
  return asks.flatMap(({ peer, queries }, i) => {
    const outcome = outcomes[i];
    const people = [...new Set(queries.flatMap((q) => q.subjects))];
    return people.map((idNumber): AccessWrite => {
      const answers = outcome?.ok
        ? outcome.facts.answers.map((a) => ({
            source: a.source,
            status: a.status,
            records: a.subjects.find((s) => s.idNumber === idNumber)?.records ?? [],
          }))
        : [];
      const status = !outcome?.ok
        ? 'unavailable'
        : answers.some((a) => a.records.length > 0)
          ? 'found'
          : 'not_found';
      const via = outcome?.ok
        ? [
            {
              region: peer.region,
              via: peer.logOrigin,
              answer: outcome.facts.id,
              leafIndex: outcome.receipt.leafIndex,
            },
          ]
        : [];
      return {
        source: peerAccessKind(peer.region),
        idNumber,
        ...context,
        status,
        records: [...via, ...answers],
      };
    });
  });
}

/**
 * What a first decision's peer access records say about one built-in source, for a
 * re-verification that does not ask it again: per person, the records the peer answered, or
 * `unavailable` when a peer could not be believed then (the source is then asked again).
 * @example const peer = peerRecordsOf(await store.accesses(id), 'hrss');
 */
export function peerRecordsOf(
  accesses: readonly {
    readonly source: string;
    readonly idNumber: string;
    readonly status: string;
    readonly records: readonly unknown[];
  }[],
  source: Source,
): { readonly unavailable: boolean; readonly records: ReadonlyMap<string, readonly unknown[]> } {
  const records = new Map<string, readonly unknown[]>();
  let unavailable = false;
  for (const access of accesses) {
    if (!access.source.startsWith('peer_')) continue;
    for (const entry of access.records as { source?: unknown; status?: unknown; records?: unknown }[]) {
      if (entry.source !== source) continue;
      if (entry.status !== 'answered') unavailable = true;
      else records.set(access.idNumber, Array.isArray(entry.records) ? entry.records : []);
    }
  }
  return { unavailable, records };
}
