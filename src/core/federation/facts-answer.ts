/**
 * The answering side of `POST /v1/federation/facts` (issue 16). A peer gateway of another
 * region asks about people registered here; this gateway queries ITS OWN registries for
 * those people and those sources only, signs the facts with its decision key under their own
 * `typ`, logs the access in ITS OWN transparency log (one event leaf that commits to the
 * signed facts' digest) and answers the signature with its receipt for that leaf.
 */
import type {
  FederationFacts,
  FederationFactsRequest,
  FederationFactsResponse,
  PeerGateway,
} from '../../../schemas/federation.ts';
import type { Receipt } from '../../../schemas/index.ts';
import { canonicalBytes } from '../canonical-json.ts';
import type { AccessWrite } from '../decision-store.ts';
import { sha256 } from '../digest.ts';
import { base64, base64url } from '../encoding.ts';
import { GatewayError } from '../errors.ts';
import type { EventLeaf } from '../leaves.ts';
import type { Clock, ConnectorRegistry, RegistryAnswer, Signer } from '../ports.ts';
import type { TransparencyLog } from '../transparency-log.ts';

/** `typ` of a peer gateway's signed facts: never a decision, never a token. */
export const FEDERATION_FACTS_TYPE = 'egw-federation-facts+jws';
/** `typ` of the token one gateway sends another. */
export const FEDERATION_TOKEN_TYPE = 'egw-federation+jwt';
/** The event leaf type of an access on behalf of a peer gateway. */
export const FEDERATION_ACCESS_EVENT = 'federation.access';

/**
 * The log as the answering side needs it: append one event leaf, then prove it. With
 * `appendPeerAccesses` (SQLite), each person asked about also gets an access leaf and a tracker
 * row in the same transaction, so this region's data tracker shows the access (issue 16 item 4).
 */
export interface FederationLog extends Pick<TransparencyLog, 'origin' | 'inclusionProof' | 'entries'> {
  appendPeerAccesses?(
    event: Omit<EventLeaf, 'v' | 'kind'>,
    accesses: { readonly decisionId: string; readonly list: readonly AccessWrite[] },
  ): Promise<{ readonly leafIndex: number; readonly treeSize: number; readonly checkpoint: string }>;
  appendEvent(
    event: Omit<EventLeaf, 'v' | 'kind'>,
  ): Promise<{ readonly leafIndex: number; readonly treeSize: number; readonly checkpoint: string }>;
}

export interface FactsAnswererOptions {
  /** This gateway's region (policy code), e.g. `cn-320500`. */
  readonly region: string;
  readonly connectors: ConnectorRegistry;
  readonly signer: Signer;
  readonly log: FederationLog;
  readonly clock: Clock;
  readonly newId: () => string;
  /** The same deadline as any registry query of this gateway. */
  readonly registryDeadlineMs: number;
}

/** Answers one peer's question. */
export type FactsAnswerer = (
  askedBy: PeerGateway,
  body: FederationFactsRequest,
) => Promise<FederationFactsResponse>;

/**
 * @example
 * const answer = createFactsAnswerer({ region: 'cn-320500', connectors, signer, log: store, clock, newId, registryDeadlineMs: 800 });
 * const { signature, receipt } = await answer(peer, body);
 */
export function createFactsAnswerer(options: FactsAnswererOptions): FactsAnswerer {
  const { signer, log, connectors } = options;
  const signAs = signer.signAs?.bind(signer);
  if (!signAs) throw new TypeError('federation needs a signer with signAs');
  const city = options.region.slice('cn-'.length);

  return async (askedBy, body) => {
    const id = options.newId();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.registryDeadlineMs);
    let answers: FederationFacts['answers'];
    try {
      answers = await Promise.all(
        body.queries.map(async ({ source, subjects }) => {
          const unique = [...new Set(subjects)];
          const connector = connectors.get(source, city);
          const answer: RegistryAnswer<unknown> = connector
            ? await connector.query({
                subjects: unique,
                purpose: body.purpose,
                consentReference: body.consentReference,
                requestId: id,
                signal: controller.signal,
              })
            : {
                status: 'unavailable',
                code: 'ERR_REGISTRY_UNREACHABLE',
                retryable: true,
                detail: 'no connector',
              };
          if (answer.status === 'unavailable')
            return { source, status: 'unavailable', code: answer.code, subjects: [] };
          // Only the people asked about, in the order asked: nothing the question did not name.
          return {
            source,
            status: 'answered',
            subjects: unique.map((idNumber) => ({
              idNumber,
              records: (answer.records.get(idNumber) ?? []) as Record<string, unknown>[],
            })),
          };
        }),
      );
    } finally {
      clearTimeout(timer);
    }
    const facts: FederationFacts = {
      id,
      kind: 'federation_facts',
      region: options.region,
      origin: log.origin,
      askedBy: askedBy.logOrigin,
      decisionId: body.decisionId,
      purpose: body.purpose,
      answeredAt: options.clock.now().toISOString(),
      answers,
    };
    const payload = canonicalBytes(facts);
    const signature = await signAs(FEDERATION_FACTS_TYPE, payload);
    const counts = { found: 0, notFound: 0, unavailable: 0 };
    for (const a of answers) {
      if (a.status === 'unavailable') counts.unavailable += 1;
      for (const s of a.subjects) {
        if (s.records.length > 0) counts.found += 1;
        else counts.notFound += 1;
      }
    }
    // One access record per person and source asked, for this region's data tracker (sealed at
    // rest; its leaf commits to the person under their own key, like any registry access).
    const accesses: AccessWrite[] = answers.flatMap((a) => {
      const asked = [...new Set(body.queries.find((q) => q.source === a.source)?.subjects ?? [])];
      return asked.map((idNumber) => {
        const records = a.subjects.find((x) => x.idNumber === idNumber)?.records ?? [];
        const status =
          a.status === 'unavailable' ? 'unavailable' : records.length > 0 ? 'found' : 'not_found';
        return {
          source: a.source,
          idNumber,
          purpose: body.purpose,
          consentReference: body.consentReference,
          status,
          at: facts.answeredAt,
          records,
        };
      });
    });
    // Non-personal by contract: ids, digests, codes and counts. Who was asked about stays in
    // the signed facts, which only the asking gateway holds.
    const event = {
      type: FEDERATION_ACCESS_EVENT,
      at: facts.answeredAt,
      actor: askedBy.logOrigin,
      attributes: {
        answer: id,
        payloadDigest: base64url(sha256(payload)),
        askedBy: askedBy.logOrigin,
        askedByRegion: askedBy.region,
        decision: body.decisionId,
        purpose: body.purpose,
        sources: answers.map((a) => a.source).join(','),
        subjects: new Set(body.queries.flatMap((q) => q.subjects)).size,
        ...counts,
        // The access leaves just before this one (none on a runtime without tracker rows).
        accessLeaves: log.appendPeerAccesses ? accesses.length : 0,
      },
    };
    const appended = log.appendPeerAccesses
      ? await log.appendPeerAccesses(event, { decisionId: id, list: accesses })
      : await log.appendEvent(event);
    return { signature, receipt: await receiptOf(log, appended) };
  };
}

/**
 * The receipt of an appended event leaf, in the decision receipt's shape.
 * @example const receipt = await receiptOf(log, await log.appendEvent(event));
 */
export async function receiptOf(
  log: FederationLog,
  appended: { readonly leafIndex: number; readonly treeSize: number; readonly checkpoint: string },
): Promise<Receipt> {
  const [entry] = await log.entries(appended.leafIndex, appended.leafIndex + 1);
  if (!entry)
    throw new GatewayError('ERR_LOG_INTEGRITY', 'an appended leaf is missing', {
      facts: { leafIndex: appended.leafIndex },
    });
  const proof = await log.inclusionProof(appended.leafIndex, appended.treeSize);
  return {
    logOrigin: log.origin,
    leafIndex: appended.leafIndex,
    leaf: base64(entry.leaf),
    checkpoint: appended.checkpoint,
    inclusionProof: proof.hashes.map((h) => base64(h)),
  };
}
