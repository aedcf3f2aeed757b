/**
 * Registering a connector and its new versions: the transitions that take a manifest. A new
 * version withdraws an unfinished predecessor and keeps the agency and kind, so a version
 * never changes who owns the connector or which registry it answers for.
 */

import { validCertificate } from './connector-credentials.ts';
import {
  type ConnectorActor,
  type ConnectorLifecycleContext,
  checkEndpoint,
  invalid,
} from './connector-lifecycle-context.ts';
import type { StoredConnector, StoredVersion, VersionState } from './connector-ports.ts';
import type { ConnectorService } from './connector-service.ts';
import { digestOf } from './digest.ts';
import { GatewayError } from './errors.ts';

const alreadyRegistered = () =>
  invalid('/id', 'is already registered: send a new version to /v1/connectors/{id}/versions');

/**
 * @example
 * const { register, newVersion } = connectorRegistration(ctx);
 */
export function connectorRegistration(
  ctx: ConnectorLifecycleContext,
): Pick<ConnectorService, 'register' | 'newVersion'> {
  const { store, clock, serialized, event, visible, latest, view } = ctx;
  return {
    async register(actor, manifest) {
      authorizeAgency(actor, manifest.agency.id);
      return serialized(manifest.id, async () => {
        if (await store.connector(manifest.id)) throw alreadyRegistered();
        await checkEndpoint(ctx, manifest);
        const at = clock.now().toISOString();
        const manifestDigest = digestOf(manifest);
        await event(actor, 'registered', {
          connector: manifest.id,
          agency: manifest.agency.id,
          kind: manifest.registry.kind,
          version: 1,
          label: manifest.version,
          manifestDigest,
        });
        const connector: StoredConnector = {
          id: manifest.id,
          agencyId: manifest.agency.id,
          kind: manifest.registry.kind,
          status: 'pending',
          activeVersion: null,
          createdAt: at,
          updatedAt: at,
        };
        const first: StoredVersion = {
          connectorId: manifest.id,
          version: 1,
          label: manifest.version,
          manifest,
          manifestDigest,
          state: 'registered',
          conformance: null,
          registeredAt: at,
          registeredBy: actor.clientId,
        };
        if ((await store.insertConnector(connector, first)) === 'exists') throw alreadyRegistered();
        return view(connector);
      });
    },

    async newVersion(actor, id, manifest) {
      const connector = await visible(actor, id);
      return serialized(id, async () => {
        const errors: { path: string; message: string }[] = [];
        if (manifest.id !== id)
          errors.push({ path: '/id', message: 'must be the id of the connector it versions' });
        if (manifest.agency.id !== connector.agencyId)
          errors.push({ path: '/agency/id', message: 'must stay the same' });
        if (manifest.registry.kind !== connector.kind)
          errors.push({
            path: '/registry/kind',
            message: 'must stay the same: register a new connector for another kind',
          });
        const previous = await latest(id);
        if (manifest.version === previous.label)
          errors.push({ path: '/version', message: 'must differ from the latest version label' });
        if (errors.length > 0) throw new GatewayError('ERR_VALIDATION', 'invalid new version', { errors });
        await checkEndpoint(ctx, manifest);
        const version = previous.version + 1;
        const manifestDigest = digestOf(manifest);
        const state: VersionState = (await validCertificate(ctx, id, manifest)) ? 'certified' : 'registered';
        await event(actor, 'version_registered', {
          connector: id,
          version,
          label: manifest.version,
          manifestDigest,
          previousVersion: previous.version,
        });
        const at = clock.now().toISOString();
        if (previous.state !== 'active' && previous.state !== 'superseded' && previous.state !== 'withdrawn')
          await store.updateVersion(id, previous.version, { state: 'withdrawn' });
        await store.insertVersion({
          connectorId: id,
          version,
          label: manifest.version,
          manifest,
          manifestDigest,
          state,
          conformance: null,
          registeredAt: at,
          registeredBy: actor.clientId,
        });
        await store.updateConnector(id, { updatedAt: at });
        return view({ ...connector, updatedAt: at });
      });
    },
  };
}

/** An agency registers only its own connectors; the admin scope registers any. */
function authorizeAgency(actor: ConnectorActor, agencyId: string): void {
  if (actor.admin) return;
  if (actor.agency === undefined)
    throw new GatewayError('ERR_FORBIDDEN', 'an agency token must carry its agency', {
      facts: { claim: 'agency' },
    });
  if (actor.agency !== agencyId)
    throw new GatewayError('ERR_FORBIDDEN', 'manifest of another agency', {
      errors: [{ path: '/agency/id', message: 'must be the agency your token is issued to' }],
    });
}
