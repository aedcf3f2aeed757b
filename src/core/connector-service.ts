/**
 * The partner-connector lifecycle: register (a manifest) → certify (a server certificate from
 * the gateway CA) → conformance (the gateway queries the test subjects and compares facts) →
 * activate → new version / new credentials → deactivate. Only an active version serves
 * decisions; activation swaps it into the registry in one step. Every transition is first
 * witnessed by a log leaf (non-personal attributes: ids, versions, digests, counts) and then
 * stored, so the log may show a transition whose write then failed, but never a state the
 * log did not witness. Agencies see and touch only their own connectors; the admin scope
 * sees all. Transitions of one connector are serialised.
 *
 * The transitions live beside this file: `connector-registration.ts`, `connector-credentials.ts`
 * and `connector-activation.ts`, sharing one lock map and visibility rule through
 * `connector-lifecycle-context.ts`; what they answer with is in `connector-views.ts`.
 */
import type { ConnectorManifest } from '../../schemas/connector-manifest.ts';
import { connectorActivation } from './connector-activation.ts';
import { connectorCredentials } from './connector-credentials.ts';
import {
  type ConnectorActor,
  type ConnectorServiceOptions,
  createConnectorLifecycleContext,
} from './connector-lifecycle-context.ts';
import type { ConformanceReport } from './connector-ports.ts';
import { connectorRegistration } from './connector-registration.ts';
import type { CertificateView, ConnectorView } from './connector-views.ts';

export { endpointHost } from './connector-credentials.ts';
export type { ConnectorActor, ConnectorServiceOptions } from './connector-lifecycle-context.ts';
export type { CertificateView, ConnectorView, VersionView } from './connector-views.ts';

export interface ConnectorService {
  register(actor: ConnectorActor, manifest: ConnectorManifest): Promise<ConnectorView>;
  newVersion(actor: ConnectorActor, id: string, manifest: ConnectorManifest): Promise<ConnectorView>;
  list(actor: ConnectorActor): Promise<readonly ConnectorView[]>;
  get(actor: ConnectorActor, id: string): Promise<ConnectorView>;
  certify(
    actor: ConnectorActor,
    id: string,
    csrPem: string,
  ): Promise<{ chainPem: string; certificate: CertificateView }>;
  issueAppKey(actor: ConnectorActor, id: string): Promise<{ keyId: string; secret: string }>;
  conformance(actor: ConnectorActor, id: string): Promise<ConformanceReport>;
  activate(actor: ConnectorActor, id: string): Promise<ConnectorView>;
  deactivate(actor: ConnectorActor, id: string): Promise<ConnectorView>;
  revokeCertificate(
    actor: ConnectorActor,
    id: string,
    serial: string,
    reason: string,
  ): Promise<CertificateView>;
  readonly caCertificatePem: string;
  readonly clientCertificatePem: string;
  crl(): Promise<Uint8Array>;
  /** Installs every active connector from the store (start-up). Answers how many. */
  restore(): Promise<number>;
}

/**
 * @example
 * const connectors = createConnectorService({ store, authority, runtime, registry, log: sqliteStore, clock });
 * await connectors.register(actor, manifest);
 */
export function createConnectorService(options: ConnectorServiceOptions): ConnectorService {
  const ctx = createConnectorLifecycleContext(options);
  return {
    caCertificatePem: options.authority.caCertificatePem,
    clientCertificatePem: options.authority.clientCertificatePem,
    ...connectorRegistration(ctx),
    async list(actor) {
      if (!actor.admin && actor.agency === undefined) return [];
      const all = await options.store.connectors(actor.admin ? undefined : actor.agency);
      return Promise.all(all.map(ctx.view));
    },
    async get(actor, id) {
      return ctx.view(await ctx.visible(actor, id));
    },
    ...connectorCredentials(ctx),
    ...connectorActivation(ctx),
  };
}
