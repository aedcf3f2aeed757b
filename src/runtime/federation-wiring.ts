/**
 * Issue 16 wiring, shared by the runtimes: with a trust list of peer gateways, the service
 * asks them about people registered in their regions (fetch transport, typed JWS, receipts
 * against their log keys) and the app answers their questions (`POST /v1/federation/facts`).
 * Every peer failure raises an alarm: one JSON line on the alarm sink and a counter.
 */
import type { PeerGateway } from '../../schemas/federation.ts';
import { createFetchPeerTransport, openPeerFacts } from '../adapters/portable/peer-gateways.ts';
import { createFactsAnswerer, type FederationLog } from '../core/federation/facts-answer.ts';
import type { PeerAlarm } from '../core/federation/federation-ports.ts';
import type { FederationOptions } from '../core/federation/peer-fan-out.ts';
import type { Clock, ConnectorRegistry, Signer } from '../core/ports.ts';
import type { FederationRouteDeps } from '../http/routes/federation.ts';

export interface FederationWiringOptions {
  readonly region: string;
  readonly origin: string;
  readonly peers: readonly PeerGateway[];
  readonly signer: Signer;
  readonly log: FederationLog;
  readonly connectors: ConnectorRegistry;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly registryDeadlineMs: number;
  /** Where alarm lines go (stderr on Node, console.error on Workers). */
  readonly alarmLine: (line: string) => void;
  /** Counts alarms by peer region and reason. */
  readonly countAlarm?: (labels: { readonly region: string; readonly reason: string }) => void;
  /** The transport's fetch (Workers: a service binding's); default the global fetch. */
  readonly fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/**
 * @example
 * const federation = wireFederation({ region, origin, peers, signer, log: store, connectors, clock, newId, registryDeadlineMs, alarmLine });
 * createVerificationService({ ..., federation: federation.service });
 * createApp({ ..., federation: federation.route });
 */
export function wireFederation(o: FederationWiringOptions): {
  readonly service: FederationOptions;
  readonly route: FederationRouteDeps;
} {
  const alarm: PeerAlarm = (a) => {
    // Non-personal by construction: a region, a log origin and a reason code.
    o.alarmLine(
      JSON.stringify({
        time: new Date().toISOString(),
        level: 'alarm',
        event: 'peer_facts_unavailable',
        ...a,
      }),
    );
    o.countAlarm?.({ region: a.region, reason: a.reason });
  };
  return {
    service: {
      region: o.region,
      origin: o.origin,
      peers: o.peers,
      transport: createFetchPeerTransport(o.fetch),
      openFacts: openPeerFacts,
      signer: o.signer,
      clock: o.clock,
      registryDeadlineMs: o.registryDeadlineMs,
      alarm,
    },
    route: {
      origin: o.origin,
      peers: o.peers,
      answer: createFactsAnswerer({
        region: o.region,
        connectors: o.connectors,
        signer: o.signer,
        log: o.log,
        clock: o.clock,
        newId: o.newId,
        registryDeadlineMs: o.registryDeadlineMs,
      }),
    },
  };
}
