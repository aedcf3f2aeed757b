/**
 * What every connector transition shares: who may see a connector, the per-connector lock,
 * the witnessing log event, the latest version, and installing a version into the registry.
 * One context object so the transition modules (registration, credentials, activation) keep
 * one lock map and one notion of visibility: two locks would let transitions of one
 * connector interleave.
 */
import type { ConnectorManifest } from '../../schemas/connector-manifest.ts';
import { isBuiltInKind } from '../../schemas/connector-manifest.ts';
import type {
  ConnectorAuthority,
  ConnectorEventLog,
  ConnectorRuntime,
  ConnectorStore,
  StoredConnector,
  StoredVersion,
} from './connector-ports.ts';
import type { MutableConnectorRegistry } from './connector-registry.ts';
import { type ConnectorView, connectorView } from './connector-views.ts';
import { GatewayError } from './errors.ts';
import type { Clock } from './ports.ts';

/** Who is asking: an admin, or an agency's integrator (its token's `agency` claim). */
export interface ConnectorActor {
  readonly clientId: string;
  readonly admin: boolean;
  readonly agency?: string;
}

export interface ConnectorServiceOptions {
  readonly store: ConnectorStore;
  readonly authority: ConnectorAuthority;
  readonly runtime: ConnectorRuntime;
  readonly registry: MutableConnectorRegistry;
  readonly log: ConnectorEventLog;
  readonly clock: Clock;
  /** Told of each revocation, so connect-time checks see it at once. */
  readonly onRevoked?: (serial: string) => void;
}

export interface ConnectorLifecycleContext extends ConnectorServiceOptions {
  /** Runs transitions of one connector one at a time. */
  serialized<T>(id: string, run: () => Promise<T>): Promise<T>;
  /** Witnesses a transition on the log; MUST be awaited before the transition is stored. */
  event(
    actor: ConnectorActor,
    type: string,
    attributes: Record<string, string | number | boolean>,
  ): Promise<void>;
  /** The connector if the actor may see it; otherwise ERR_NOT_FOUND, as for a missing one. */
  visible(actor: ConnectorActor, id: string): Promise<StoredConnector>;
  latest(id: string): Promise<StoredVersion>;
  view(connector: StoredConnector): Promise<ConnectorView>;
  /** Builds the version's connector for serving and swaps it into the registry in one step. */
  install(connector: StoredConnector, version: StoredVersion): Promise<void>;
}

/** A validation error with one pointer, the shape every transition refuses with. */
export const invalid = (path: string, message: string, facts: Record<string, string | number> = {}) =>
  new GatewayError('ERR_VALIDATION', message, { errors: [{ path, message }], facts });

/**
 * @example
 * const ctx = createConnectorLifecycleContext({ store, authority, runtime, registry, log, clock });
 * const connector = await ctx.visible(actor, id);
 */
export function createConnectorLifecycleContext(options: ConnectorServiceOptions): ConnectorLifecycleContext {
  const { store, runtime, registry, log, clock } = options;
  const locks = new Map<string, Promise<unknown>>();

  function serialized<T>(id: string, run: () => Promise<T>): Promise<T> {
    const before = locks.get(id) ?? Promise.resolve();
    const next = before.then(run, run);
    const settled = next.catch(() => undefined);
    locks.set(id, settled);
    void settled.then(() => {
      if (locks.get(id) === settled) locks.delete(id);
    });
    return next;
  }

  async function event(
    actor: ConnectorActor,
    type: string,
    attributes: Record<string, string | number | boolean>,
  ): Promise<void> {
    await log.appendEvent({
      type: `connector.${type}`,
      at: clock.now().toISOString(),
      actor: actor.clientId,
      attributes,
    });
  }

  async function visible(actor: ConnectorActor, id: string): Promise<StoredConnector> {
    const connector = await store.connector(id);
    // Another agency's connector answers exactly as a missing one: no existence oracle.
    if (!connector || !(actor.admin || (actor.agency !== undefined && actor.agency === connector.agencyId)))
      throw new GatewayError('ERR_NOT_FOUND', 'no such connector');
    return connector;
  }

  async function latest(id: string): Promise<StoredVersion> {
    const versions = await store.versions(id);
    const last = versions.at(-1);
    if (!last)
      throw new GatewayError('ERR_INTERNAL', 'connector without versions', { facts: { connector: id } });
    return last;
  }

  async function install(connector: StoredConnector, version: StoredVersion): Promise<void> {
    const appKey = await store.appKey(connector.id);
    const partner = runtime.build({
      manifest: version.manifest,
      version: version.version,
      ...(appKey ? { appKey } : {}),
      purpose: 'serve',
    });
    const builtIn = isBuiltInKind(version.manifest.registry.kind) ? runtime.asBuiltIn?.(partner) : undefined;
    registry.install({ partner, ...(builtIn ? { builtIn } : {}) });
  }

  return {
    ...options,
    serialized,
    event,
    visible,
    latest,
    view: (connector) => connectorView(store, connector),
    install,
  };
}

/**
 * Refuses an endpoint the operator policy does not allow (scheme, allowlist, private addresses),
 * before anything is witnessed on the log.
 *
 * @example
 * await checkEndpoint(ctx, manifest);
 */
export async function checkEndpoint(
  ctx: ConnectorLifecycleContext,
  manifest: ConnectorManifest,
): Promise<void> {
  const problems = await ctx.runtime.endpointProblems(manifest);
  if (problems.length > 0)
    throw new GatewayError('ERR_VALIDATION', 'the endpoint is refused by the operator policy', {
      errors: problems.map((p) => ({ ...p })),
      facts: { problems: problems.length },
    });
}
