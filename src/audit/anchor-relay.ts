/**
 * The anchor relay: anchors the checkpoints of a gateway that cannot reach Fabric itself (on
 * Workers, which has no outbound gRPC), from its public log API. It keeps no state: the
 * ledger says what is anchored, and the gateway's consistency proofs link each new checkpoint
 * to it. The same worker as the Node gateway's drives it, so the same rules hold: newest
 * checkpoint first, never a blind resubmit, an alarm (not a retry loop) on a refusal.
 */
import {
  type AnchorSource,
  type AnchorWorker,
  type AnchorWorkerOptions,
  createAnchorWorker,
  type PendingCheckpoint,
} from '../core/anchoring/anchor-worker.ts';
import type { LedgerAnchor } from '../core/anchoring/ledger-anchor.ts';
import type { LogClient } from './log-client.ts';

/** @example const relay = await createAnchorRelay({ log: createLogClient(url), ledger }); relay.start(); */
export async function createAnchorRelay(
  options: { readonly log: LogClient; readonly ledger: LedgerAnchor } & Omit<
    AnchorWorkerOptions,
    'source' | 'ledger'
  >,
): Promise<AnchorWorker> {
  const { log, ledger, ...rest } = options;
  const verifierKey = await log.verifierKey();
  const first = await log.checkpoint(verifierKey);
  let anchored = 0;
  const latest = async (): Promise<PendingCheckpoint> => {
    const cp = await log.checkpoint(verifierKey);
    if (cp.origin !== first.origin)
      throw new Error(`the gateway's origin changed from ${first.origin} to ${cp.origin}`);
    return { size: cp.size, note: cp.note };
  };
  const source: AnchorSource = {
    origin: first.origin,
    verifierKey,
    latest,
    async pending() {
      const cp = await latest();
      return cp.size > anchored ? cp : undefined;
    },
    async anchoredSize() {
      return anchored;
    },
    consistency: (from, to) => log.consistency(from, to),
    async confirmed(anchor) {
      anchored = Math.max(anchored, anchor.size);
    },
  };
  return createAnchorWorker({ ...rest, source, ledger });
}
