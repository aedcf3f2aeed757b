/**
 * Re-verification (issue 13): a decision left open because a registry was unavailable is
 * decided again once that registry answers. Only the registries that failed are asked again,
 * as batch traffic; the answers the first decision had are read back from its own (sealed)
 * access records. The result is a NEW signed decision that supersedes the open one, committed
 * in one write set with its accesses, a `supersession` leaf and the closing of its queue row.
 * The gateway never withdraws aid by itself: when the registries contradict a provisional
 * grant, the successor is a needs_review flagged `reviewRequired` (arts. 41 and 48).
 */
import { SOURCES } from '../../schemas/common.ts';
import type { REVERIFICATION_RULES, RuleId } from '../../schemas/decision.ts';
import type { Decision, Source, VerificationRequest } from '../../schemas/index.ts';
import { canonicalBytes } from './canonical-json.ts';
import type { DecisionStore, StoredAccess } from './decision-store.ts';
import { digestOf, sha256 } from './digest.ts';
import { base64url } from './encoding.ts';
import { GatewayError } from './errors.ts';
import { peerRecordsOf } from './federation/peer-fan-out.ts';
import { REVERIFICATION_ACTOR } from './leaves.ts';
import { SOURCE_NAMES } from './policy/explanations.ts';
import type { Language, Localized, Policy, QueryPlan } from './policy/types.ts';
import type { Clock, RegistryAnswer, Signer } from './ports.ts';
import {
  accessWrites,
  decisionEvidence,
  evidenceSet,
  type FanOut,
  type FanOutResult,
} from './registry-fan-out.ts';

const LAW = '《中华人民共和国法律援助法》';
/** The centre checks the declaration it granted aid on (art. 41). */
export const REVERIFICATION_CITATION = `${LAW}第四十一条 / Legal Aid Law art. 41`;
/** A false declaration answers under art. 41; aid obtained by deception ends under art. 48 — by a person. */
export const FALSE_DECLARATION_CITATION = `${LAW}第四十一条、第四十八条 / Legal Aid Law arts. 41 and 48`;

/** A queued re-verification, as the worker hands it over. */
export interface QueuedReverification {
  readonly decisionId: string;
  readonly clientId: string;
  /** The built-in sources that were unavailable. */
  readonly sources: readonly Source[];
  readonly enqueuedAt: string;
  /** When the window closes (ISO instant). */
  readonly notAfter: string;
  readonly attempts: number;
}

export type ReverifyResult =
  /** A successor was written (or had been, by this same re-verification). */
  | { readonly status: 'superseded'; readonly decision: Decision }
  /** A registry is still unavailable and the window is open: try again later. */
  | { readonly status: 'unavailable'; readonly code: string }
  /** Nothing to do: the decision already has a successor (a person reviewed it first). */
  | { readonly status: 'closed' };

export interface ReverifyDeps {
  readonly store: DecisionStore;
  readonly signer: Signer;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly policies: readonly Policy[];
  readonly fanOut: FanOut;
}

/** The idempotency key a re-verification commits under: one per open decision. */
export function reverificationKey(decisionId: string): string {
  return `reverify ${decisionId}`;
}

/**
 * @example
 * const result = await reverifyDecision(deps, queued);
 * if (result.status === 'unavailable') queue.defer(queued.decisionId, …);
 */
export async function reverifyDecision(
  deps: ReverifyDeps,
  queued: QueuedReverification,
): Promise<ReverifyResult> {
  const { store, clock } = deps;
  const stored = await store.get(queued.decisionId);
  if (!stored || stored.supersededBy !== undefined) return { status: 'closed' };
  const request = await store.request(queued.decisionId);
  if (!request) return { status: 'closed' };
  const old = stored.decision;
  const policy = deps.policies.find((p) => p.supports(request.region));
  if (!policy) throw new GatewayError('ERR_UNKNOWN_REGION', 'no policy covers the region');

  const plan = policy.plan(request, old.decisionDate);
  const again: QueryPlan = {
    ...plan,
    queries: plan.queries.filter((q) => queued.sources.includes(q.source)),
  };
  const id = deps.newId();
  const asked = await askAgain(deps.fanOut, request, again, id);
  const stillDown = again.queries.flatMap(({ source }) => {
    const answer = asked.answers.get(source);
    return answer?.status === 'unavailable' ? [{ source, code: answer.code }] : [];
  });
  // The first decision's answers for the registries not asked again, then the new ones.
  const answers = new Map(firstAnswers(await store.accesses(old.id), plan, queued.sources));
  for (const [source, answer] of asked.answers) answers.set(source, answer);
  const evidence = evidenceSet(plan.outOfScope, answers);
  const ruling = policy.decide(request, old.decisionDate, evidence);
  const stillOpen = ruling.basis.some((b) => b.rule === 'missing_evidence');
  const now = clock.now();
  // Wait while the answers that came cannot settle the case and the window is open; a
  // registry still down that the case no longer needs holds nothing up.
  if (stillOpen && stillDown.length > 0 && now.getTime() < Date.parse(queued.notAfter)) {
    await recordAttempt(store, old.id, request, asked, now, queued.attempts + 1);
    return { status: 'unavailable', code: stillDown[0]?.code ?? '' };
  }

  const language = languageOf(old);
  const windowClosed = stillOpen && stillDown.length > 0;
  const contradicted = old.outcome === 'eligible' && ruling.outcome === 'ineligible';
  const mismatch = ruling.basis.some((b) => b.rule === 'declaration_mismatch');
  const sources = again.queries.map((q) => q.source);
  const basis: {
    rule: RuleId | (typeof REVERIFICATION_RULES)[number];
    citation: string;
    explanations: Localized;
  }[] = [
    {
      rule: 'reverification',
      citation: REVERIFICATION_CITATION,
      explanations: explainReverification(
        old.id,
        sources.filter((s) => !stillDown.some((d) => d.source === s)),
        stillDown.map((d) => d.source),
      ),
    },
    ...ruling.basis,
  ];
  if (windowClosed)
    basis.push({
      rule: 'reverification_window_closed',
      citation: REVERIFICATION_CITATION,
      explanations: explainWindowClosed(
        stillDown.map((d) => d.source),
        queued.enqueuedAt,
      ),
    });
  if (contradicted || mismatch)
    basis.push({
      rule: 'possible_false_declaration',
      citation: FALSE_DECLARATION_CITATION,
      explanations: explainPossibleFalseDeclaration(contradicted),
    });
  // A person decides whenever the facts are still incomplete or contradict what aid rested on.
  const reviewRequired = stillOpen || contradicted || mismatch;
  const outcome = stillOpen || contradicted ? 'needs_review' : ruling.outcome;

  const signed = {
    id,
    outcome,
    provisional: false,
    greenChannel: ruling.greenChannel,
    decidedAt: now.toISOString(),
    decisionDate: old.decisionDate,
    region: old.region,
    basis: basis.map((b) => ({
      rule: b.rule,
      citation: b.citation,
      explanation: b.explanations[language],
      explanations: { 'zh-CN': b.explanations['zh-CN'], en: b.explanations.en },
    })),
    policy: { id: policy.id, version: policy.version, digest: policy.digest },
    // Partner evidence is not asked again: the first decision's entries stand.
    // Issue 16: a peer's entries (with `via`) are the new ones for the sources asked again.
    evidence: [
      ...decisionEvidence(
        evidence,
        ruling,
        [],
        (asked.federation?.evidence ?? []).filter((e) => e.via !== undefined),
      ),
      ...old.evidence.filter(
        (e) =>
          !(SOURCES as readonly string[]).includes(e.source) ||
          (e.via !== undefined && !queued.sources.some((s) => s === e.source)),
      ),
    ],
    supersedes: old.id,
    reviewRequired,
  };
  const payload = canonicalBytes(signed);
  const signature = await deps.signer.sign(payload);
  const at = now.toISOString();
  const result = await store.commit({
    clientId: stored.clientId,
    idempotencyKey: reverificationKey(old.id),
    requestDigest: digestOf({ reverify: old.id }),
    request,
    decision: { ...signed, signature },
    payloadDigest: base64url(sha256(payload)),
    accesses: accessWrites(request, asked, at),
    timing: { registryCalls: asked.calls },
    supersession: {
      cause: 'reverification',
      supersededId: old.id,
      supersededLeaf: old.receipt.leafIndex,
      reviewerId: REVERIFICATION_ACTOR,
      reasonCode: windowClosed ? 'window_closed' : 'registries_answered',
      note: '',
      at,
    },
  });
  // A conflict means a person reviewed the decision meanwhile: their decision stands.
  if (result.status === 'conflict') return { status: 'closed' };
  return { status: 'superseded', decision: result.decision };
}

/**
 * An attempt that writes no decision still asked registries: its accesses go to the log and the
 * data tracker under the decision being re-verified, with an event leaf that counts them, so
 * every lookup a registry saw has its leaf. Nothing when nothing was asked (quota not granted).
 */
async function recordAttempt(
  store: DecisionStore,
  decisionId: string,
  request: VerificationRequest,
  asked: FanOutResult,
  now: Date,
  attempt: number,
): Promise<void> {
  const list = accessWrites(request, asked, now.toISOString());
  if (list.length === 0 || !store.appendPeerAccesses) return;
  await store.appendPeerAccesses(
    {
      type: 'reverification.attempt',
      at: now.toISOString(),
      actor: REVERIFICATION_ACTOR,
      attributes: {
        decisionId,
        attempt,
        accesses: list.length,
        unavailable: list.filter((a) => a.status === 'unavailable').length,
      },
    },
    { decisionId, list },
  );
}

/** The fan-out, with a quota that was not granted in time counted as every registry unavailable. */
async function askAgain(
  fanOut: FanOut,
  request: VerificationRequest,
  plan: QueryPlan,
  id: string,
): Promise<FanOutResult> {
  try {
    return await fanOut(request, plan, id, 'batch', false);
  } catch (error) {
    if (!(error instanceof GatewayError) || error.code !== 'ERR_REGISTRY_TIMEOUT') throw error;
    const answers = new Map<Source, RegistryAnswer<unknown>>(
      plan.queries.map(({ source }) => [
        source,
        { status: 'unavailable', code: error.code, retryable: true, detail: 'quota not granted' },
      ]),
    );
    // Nothing was asked, so no access is recorded for it.
    return { answers, subjectsBySource: new Map(), partnerAnswers: [], calls: [] };
  }
}

/** The answers the first decision had, rebuilt from its access records, per source. */
function firstAnswers(
  accesses: readonly StoredAccess[],
  plan: QueryPlan,
  askedAgain: readonly Source[],
): [Source, RegistryAnswer<unknown>][] {
  return plan.queries.flatMap(({ source }): [Source, RegistryAnswer<unknown>][] => {
    if (askedAgain.includes(source)) return [];
    const mine = accesses.filter((a) => a.source === source);
    // Issue 16: people asked about through a peer gateway count with what the peer answered.
    const peer = peerRecordsOf(accesses, source);
    if (mine.length + peer.records.size === 0 || peer.unavailable) return [];
    if (mine.some((a) => a.status === 'unavailable')) return [];
    const records = new Map<string, readonly unknown[]>(mine.map((a) => [a.idNumber, a.records]));
    for (const [idNumber, r] of peer.records) records.set(idNumber, r);
    return [[source, { status: 'answered', records } as RegistryAnswer<unknown>]];
  });
}

/** The language the first decision was explained in (its `explanation` is one of its `explanations`). */
function languageOf(decision: Decision): Language {
  const first = decision.basis[0];
  return first && first.explanation === first.explanations?.en ? 'en' : 'zh-CN';
}

function names(sources: readonly Source[], language: Language, separator: string): string {
  return sources.map((s) => SOURCE_NAMES[s][language]).join(separator);
}

function explainReverification(
  oldId: string,
  answered: readonly Source[],
  down: readonly Source[],
): Localized {
  const zhAnswered = answered.length > 0 ? `现已重新查询${names(answered, 'zh-CN', '、')}并取得答复` : '';
  const zhDown = down.length > 0 ? `${names(down, 'zh-CN', '、')}仍无法取得信息` : '';
  const enAnswered = answered.length > 0 ? `${names(answered, 'en', ', ')} answered when asked again` : '';
  const enDown = down.length > 0 ? `${names(down, 'en', ', ')} still could not be reached` : '';
  return {
    'zh-CN': `本决定取代因部门信息暂时无法取得而作出的决定 ${oldId}：${[zhAnswered, zhDown].filter(Boolean).join('；')}。`,
    en: `This decision replaces decision ${oldId}, made while a registry could not be reached: ${[enAnswered, enDown].filter(Boolean).join('; ')}.`,
  };
}

function explainWindowClosed(sources: readonly Source[], since: string): Localized {
  const day = since.slice(0, 10);
  return {
    'zh-CN': `自${day}起在核查期限内多次查询，${names(sources, 'zh-CN', '、')}仍无法提供信息。核查期限已届满，本申请转由工作人员审查决定；这不是不予援助的决定。`,
    en: `Asked repeatedly since ${day}, ${names(sources, 'en', ', ')} still could not provide the information. The re-verification period has ended, so a clerk will decide; this is not a refusal of legal aid.`,
  };
}

function explainPossibleFalseDeclaration(contradicted: boolean): Localized {
  return contradicted
    ? {
        'zh-CN':
          '重新核查取得的登记信息不支持此前依个人诚信承诺作出的临时认定。申请人对承诺内容的真实性负责；以欺骗手段获得法律援助的，由法律援助机构依法终止。本决定不终止援助，须由工作人员审查后决定。',
        en: 'The registered facts now obtained do not support the provisional decision made on the integrity commitment. The applicant answers for the truth of the commitment, and aid obtained by deception is ended by the legal aid institution. This decision does not end aid: a clerk must review it and decide.',
      }
    : {
        'zh-CN':
          '重新核查取得的登记收入与申请人申报的收入差距超过政策允许的幅度，可能存在不实承诺。本决定不改变援助，须由工作人员审查后决定。',
        en: 'The registered income now obtained differs from the declared income by more than the policy allows: the commitment may be untrue. This decision does not change aid by itself: a clerk must review it and decide.',
      };
}
