/**
 * Putting a connector version into service and taking it out: conformance, activation,
 * deactivation, and re-installing the active versions at start-up. Only a version that
 * passed conformance with valid credentials is activated, and only an active version is in
 * the registry, so every path into the registry runs through here or a credential rotation.
 */
import { isBuiltInKind } from '../../schemas/connector-manifest.ts';
import { requireCredentials } from './connector-credentials.ts';
import { type ConnectorLifecycleContext, invalid } from './connector-lifecycle-context.ts';
import type { ConformanceReport, StoredConnector, VersionState } from './connector-ports.ts';
import type { ConnectorService } from './connector-service.ts';
import { GatewayError } from './errors.ts';

/**
 * @example
 * const { conformance, activate, deactivate, restore } = connectorActivation(ctx);
 */
export function connectorActivation(
  ctx: ConnectorLifecycleContext,
): Pick<ConnectorService, 'conformance' | 'activate' | 'deactivate' | 'restore'> {
  const { store, runtime, registry, clock, serialized, event, visible, latest, view, install } = ctx;
  return {
    async conformance(actor, id) {
      await visible(actor, id);
      return serialized(id, async () => {
        const current = await latest(id);
        if (current.state === 'superseded' || current.state === 'withdrawn')
          throw invalid('/state', `version ${current.version} is ${current.state}: register a new version`);
        const appKey = await requireCredentials(ctx, id, current.manifest);
        const connector = runtime.build({
          manifest: current.manifest,
          version: current.version,
          ...(appKey ? { appKey } : {}),
          purpose: 'conformance',
        });
        let report: ConformanceReport;
        try {
          report = await runtime.conformance(connector, current.manifest, current.version);
        } finally {
          await connector.close?.();
        }
        await event(actor, report.passed ? 'conformance_passed' : 'conformance_failed', {
          connector: id,
          version: current.version,
          cases: report.cases.length,
          failures: report.failures.length,
        });
        const state: VersionState =
          current.state === 'active' ? 'active' : report.passed ? 'conformant' : 'certified';
        await store.updateVersion(id, current.version, { state, conformance: report });
        return report;
      });
    },

    async activate(actor, id) {
      const connector = await visible(actor, id);
      return serialized(id, async () => {
        const current = await latest(id);
        const fresh = (await store.connector(id)) ?? connector;
        if (current.state === 'active') return view(fresh);
        if (isBuiltInKind(current.manifest.registry.kind) && !actor.admin)
          throw new GatewayError('ERR_FORBIDDEN', 'replacing a built-in registry needs connectors:admin', {
            facts: { kind: current.manifest.registry.kind },
          });
        if (current.state !== 'conformant')
          throw invalid(
            '/state',
            `version ${current.version} is ${current.state}: it must pass conformance first`,
          );
        await requireCredentials(ctx, id, current.manifest);
        await event(actor, 'activated', {
          connector: id,
          version: current.version,
          previousVersion: fresh.activeVersion ?? 0,
          manifestDigest: current.manifestDigest,
        });
        const at = clock.now().toISOString();
        if (fresh.activeVersion !== null)
          await store.updateVersion(id, fresh.activeVersion, { state: 'superseded' });
        await store.updateVersion(id, current.version, { state: 'active' });
        const updated: StoredConnector = {
          ...fresh,
          status: 'active',
          activeVersion: current.version,
          updatedAt: at,
        };
        await store.updateConnector(id, { status: 'active', activeVersion: current.version, updatedAt: at });
        await install(updated, { ...current, state: 'active' });
        return view(updated);
      });
    },

    async deactivate(actor, id) {
      await visible(actor, id);
      return serialized(id, async () => {
        const connector = await visible(actor, id);
        if (connector.status !== 'active' || connector.activeVersion === null)
          throw invalid('/status', `the connector is ${connector.status}, not active`);
        await event(actor, 'deactivated', { connector: id, version: connector.activeVersion });
        const at = clock.now().toISOString();
        registry.remove(id);
        await store.updateVersion(id, connector.activeVersion, { state: 'withdrawn' });
        const updated: StoredConnector = {
          ...connector,
          status: 'inactive',
          activeVersion: null,
          updatedAt: at,
        };
        await store.updateConnector(id, { status: 'inactive', activeVersion: null, updatedAt: at });
        return view(updated);
      });
    },

    async restore() {
      let installed = 0;
      for (const connector of await store.connectors()) {
        if (connector.status !== 'active' || connector.activeVersion === null) continue;
        const active = (await store.versions(connector.id)).find(
          (v) => v.version === connector.activeVersion,
        );
        if (!active) continue;
        await install(connector, active);
        installed += 1;
      }
      return installed;
    },
  };
}
