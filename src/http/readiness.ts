/**
 * `/readyz` for every runtime: each registry's own ping (one second each, in parallel) and
 * the store's check. The gateway is ready when all of them are; the ledger is reported as
 * the runtime knows it. An operator on call reads which check failed from the answer.
 */
import type { Connector } from '../core/ports.ts';
import type { Readiness } from './app-deps.ts';

/**
 * The ledger as readiness sees it: `degraded` (unreachable: checkpoints wait in the outbox) and
 * `alarm` (it refused an anchor: anchoring stopped, see `egw_ledger_alarm`) are reported but
 * keep the gateway ready, because decisions never depend on the ledger.
 */
export type LedgerReadiness = 'ok' | 'failing' | 'disabled' | 'degraded' | 'alarm';

const PING_MS = 1000;

/**
 * @example
 * readiness: () => readinessOf(connectors, () => store.healthy(), 'disabled'),
 */
export async function readinessOf(
  connectors: Readonly<Record<string, Connector>>,
  storeHealthy: () => boolean | Promise<boolean>,
  ledger: LedgerReadiness,
): Promise<Readiness> {
  const [probes, storeOk] = await Promise.all([
    Promise.all(
      Object.entries(connectors).map(async ([source, c]) => {
        const ok = c.ping ? await c.ping(AbortSignal.timeout(PING_MS)).catch(() => false) : true;
        return [source, ok ? 'ok' : 'failing'] as const;
      }),
    ),
    Promise.resolve()
      .then(storeHealthy)
      .catch(() => false),
  ]);
  const checks = { ...Object.fromEntries(probes), store: storeOk ? 'ok' : 'failing', ledger } as const;
  return { ok: storeOk && ledger !== 'failing' && probes.every(([, s]) => s === 'ok'), checks };
}
