/**
 * Issue 16: a peer gateway of another region is one more connector kind. These are the
 * capabilities the core needs to ask one and to answer one; `src/runtime/*` wires them.
 */
import type { FederationFactsRequest, PeerGateway } from '../../../schemas/federation.ts';

export type { PeerGateway };

/** What came back over the wire, before the core believes any of it. */
export type PeerReply =
  | { readonly kind: 'reply'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'failed'; readonly reason: 'timeout' | 'unreachable' };

/**
 * Carries one question to a peer gateway.
 * - `ask` MUST resolve (never reject) and MUST resolve by the time `signal` aborts (`timeout`).
 * - It MUST NOT log the body (identity numbers).
 * @example const reply = await transport.ask(peer, body, token, signal);
 */
export interface PeerTransport {
  ask(
    peer: PeerGateway,
    body: FederationFactsRequest,
    token: string,
    signal: AbortSignal,
  ): Promise<PeerReply>;
}

/**
 * Verifies a compact JWS against a JWKS and returns its payload; rejects when no key verifies.
 * @example const payload = await verifyJws(jws, peer.jwks);
 */
export type JwsVerify = (
  jws: string,
  jwks: { readonly keys: readonly Record<string, unknown>[] },
) => Promise<Uint8Array>;

/** Why a peer's facts were not used. Non-personal by construction. */
export type PeerAlarmReason =
  | 'timeout'
  | 'unreachable'
  | 'refused'
  | 'malformed'
  | 'bad_signature'
  | 'bad_receipt'
  | 'unasked_subject'
  | 'unasked_source'
  | 'wrong_decision';

/** Raised whenever a peer's facts become `unavailable`. MUST NOT throw. */
export type PeerAlarm = (alarm: {
  readonly region: string;
  readonly via: string;
  readonly reason: PeerAlarmReason;
}) => void;
