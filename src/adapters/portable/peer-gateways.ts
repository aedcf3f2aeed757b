/**
 * Peer gateways over the fetch transport (issue 16), the same on Node and Workers: the
 * question as JSON with the federation token, the answer's signature verified against the
 * trust list's JWKS under its own `typ`, and the signed facts parsed and their records
 * checked against the registry schemas before the core sees them.
 */
import { z } from 'zod';
import { FederationFacts, type PeerGateway } from '../../../schemas/federation.ts';
import { CivilAffairsRecord, DisabilityRecord, HrssRecord } from '../../../schemas/registry-records.ts';
import { FEDERATION_FACTS_TYPE } from '../../core/federation/facts-answer.ts';
import type { PeerReply, PeerTransport } from '../../core/federation/federation-ports.ts';
import { verifyTypedJws } from './jose-signer.ts';

/** The most an answer may weigh: 21 people × 3 sources of small records. */
const MAX_ANSWER_BYTES = 512 * 1024;

/**
 * @example const transport = createFetchPeerTransport(); // or createFetchPeerTransport(env.PEERS.fetch)
 */
export function createFetchPeerTransport(
  fetchImpl: (url: string, init: RequestInit) => Promise<Response> = (url, init) => fetch(url, init),
): PeerTransport {
  return {
    async ask(peer, body, token, signal): Promise<PeerReply> {
      try {
        const response = await fetchImpl(new URL('/v1/federation/facts', peer.baseUrl).href, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
            Accept: 'application/json',
          },
          body: JSON.stringify(body),
          signal,
          // Never followed (a 3xx is no answer); `error` is not supported by Workers' fetch.
          redirect: 'manual',
        });
        const text = await response.text();
        if (text.length > MAX_ANSWER_BYTES) return { kind: 'reply', status: response.status, body: null };
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = null;
        }
        return { kind: 'reply', status: response.status, body: parsed };
      } catch {
        return { kind: 'failed', reason: signal.aborted ? 'timeout' : 'unreachable' };
      }
    },
  };
}

const RECORD_SCHEMAS = { civil_affairs: CivilAffairsRecord, hrss: HrssRecord, disability: DisabilityRecord };

/**
 * Verifies a peer's signed facts and parses them; rejects on a bad signature, another `typ`,
 * a payload that is not FederationFacts, or a record that breaks its registry's schema.
 * @example const { facts, payload } = await openPeerFacts(response.signature, peer);
 */
export async function openPeerFacts(
  jws: string,
  peer: PeerGateway,
): Promise<{ facts: FederationFacts; payload: Uint8Array }> {
  const payload = await verifyTypedJws(jws, peer.jwks, FEDERATION_FACTS_TYPE);
  const facts = FederationFacts.parse(JSON.parse(new TextDecoder().decode(payload)));
  for (const answer of facts.answers)
    for (const subject of answer.subjects) z.array(RECORD_SCHEMAS[answer.source]).parse(subject.records);
  return { facts, payload };
}
