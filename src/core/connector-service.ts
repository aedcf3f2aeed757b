/**
 * The partner-connector lifecycle: register (a manifest) → certify (a server certificate from
 * the gateway CA) → conformance (the gateway queries the test subjects and compares facts) →
 * activate → new version / new credentials → deactivate. Only an active version serves
 * decisions; activation swaps it into the registry in one step. Every transition is first
 * witnessed by a log leaf (non-personal attributes: ids, versions, digests, counts) and then
 * stored, so the log may show a transition whose write then failed, but never a state the
 * log did not witness. Agencies see and touch only their own connectors; the admin scope
 * sees all. Transitions of one connector are serialised.
 */
import type { ConnectorManifest } from '../../schemas/connector-manifest.ts';
import { isBuiltInKind } from '../../schemas/connector-manifest.ts';
import type {
  ConformanceReport,
  ConnectorAuthority,
  ConnectorEventLog,
  ConnectorRuntime,
  ConnectorStatus,
  ConnectorStore,
  StoredCertificate,
  StoredConnector,
  StoredVersion,
  VersionState,
} from './connector-ports.ts';
import type { MutableConnectorRegistry } from './connector-registry.ts';
import { digestOf } from './digest.ts';
import { base64url } from './encoding.ts';
import { GatewayError } from './errors.ts';
import type { Clock } from './ports.ts';

/** Who is asking: an admin, or an agency's integrator (its token's `agency` claim). */
export interface ConnectorActor {
  readonly clientId: string;
  readonly admin: boolean;
  readonly agency?: string;
}

export interface CertificateView {
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly fingerprint: string;
  readonly revokedAt: string | null;
}

export interface VersionView {
  readonly version: number;
  readonly label: string;
  readonly state: VersionState;
  readonly manifestDigest: string;
  readonly registeredAt: string;
  readonly conformance: {
    readonly passed: boolean;
    readonly ranAt: string;
    readonly failures: number;
  } | null;
}

export interface ConnectorView {
  readonly id: string;
  readonly agency: string;
  readonly kind: string;
  readonly status: ConnectorStatus;
  readonly activeVersion: number | null;
  readonly latestVersion: number;
  readonly manifest: ConnectorManifest;
  readonly versions: readonly VersionView[];
  readonly certificates: readonly CertificateView[];
  readonly appKeyId: string | null;
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

const invalid = (path: string, message: string, facts: Record<string, string | number> = {}) =>
  new GatewayError('ERR_VALIDATION', message, { errors: [{ path, message }], facts });

/** The endpoint host as certificates name it (no IPv6 brackets, lower case). */
export function endpointHost(manifest: ConnectorManifest): string {
  const host = new URL(manifest.endpoint.url).hostname.toLowerCase();
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

function certificateView(c: StoredCertificate): CertificateView {
  return {
    serial: c.serial,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    dnsNames: c.dnsNames,
    ipAddresses: c.ipAddresses,
    fingerprint: c.fingerprint,
    revokedAt: c.revokedAt,
  };
}

/**
 * @example
 * const connectors = createConnectorService({ store, authority, runtime, registry, log: sqliteStore, clock });
 * await connectors.register(actor, manifest);
 */
export function createConnectorService(options: ConnectorServiceOptions): ConnectorService {
  const { store, authority, runtime, registry, log, clock } = options;
  const locks = new Map<string, Promise<unknown>>();

  /** Runs transitions of one connector one at a time. */
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
  ) {
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

  async function view(connector: StoredConnector): Promise<ConnectorView> {
    const [versions, certificates, appKey] = await Promise.all([
      store.versions(connector.id),
      store.certificates(connector.id),
      store.appKey(connector.id),
    ]);
    const last = versions.at(-1);
    if (!last)
      throw new GatewayError('ERR_INTERNAL', 'connector without versions', {
        facts: { connector: connector.id },
      });
    return {
      id: connector.id,
      agency: connector.agencyId,
      kind: connector.kind,
      status: connector.status,
      activeVersion: connector.activeVersion,
      latestVersion: last.version,
      manifest: last.manifest,
      versions: versions.map((v) => ({
        version: v.version,
        label: v.label,
        state: v.state,
        manifestDigest: v.manifestDigest,
        registeredAt: v.registeredAt,
        conformance: v.conformance
          ? {
              passed: v.conformance.passed,
              ranAt: v.conformance.ranAt,
              failures: v.conformance.failures.length,
            }
          : null,
      })),
      certificates: certificates.map(certificateView),
      appKeyId: appKey?.keyId ?? null,
    };
  }

  async function checkEndpoint(manifest: ConnectorManifest): Promise<void> {
    const problems = await runtime.endpointProblems(manifest);
    if (problems.length > 0)
      throw new GatewayError('ERR_VALIDATION', 'the endpoint is refused by the operator policy', {
        errors: problems.map((p) => ({ ...p })),
        facts: { problems: problems.length },
      });
  }

  async function validCertificate(
    id: string,
    manifest: ConnectorManifest,
  ): Promise<StoredCertificate | undefined> {
    const host = endpointHost(manifest);
    const now = clock.now().toISOString();
    return (await store.certificates(id)).find(
      (c) =>
        c.usage === 'server' &&
        c.revokedAt === null &&
        c.notBefore <= now &&
        now < c.notAfter &&
        (c.dnsNames.includes(host) || c.ipAddresses.includes(host)),
    );
  }

  async function requireCredentials(id: string, manifest: ConnectorManifest) {
    if (!(await validCertificate(id, manifest)))
      throw invalid(
        '/certificate',
        'no valid certificate for the endpoint: certify it first (POST /v1/connectors/{id}/csr)',
      );
    const appKey = await store.appKey(id);
    if (manifest.authentication.type === 'hmac' && !appKey)
      throw invalid('/credentials', 'no app key yet: issue one first (POST /v1/connectors/{id}/credentials)');
    return appKey;
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

  return {
    caCertificatePem: authority.caCertificatePem,
    clientCertificatePem: authority.clientCertificatePem,

    async register(actor, manifest) {
      authorizeAgency(actor, manifest.agency.id);
      return serialized(manifest.id, async () => {
        if (await store.connector(manifest.id))
          throw invalid('/id', 'is already registered: send a new version to /v1/connectors/{id}/versions');
        await checkEndpoint(manifest);
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
        if ((await store.insertConnector(connector, first)) === 'exists')
          throw invalid('/id', 'is already registered: send a new version to /v1/connectors/{id}/versions');
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
        await checkEndpoint(manifest);
        const version = previous.version + 1;
        const manifestDigest = digestOf(manifest);
        const state: VersionState = (await validCertificate(id, manifest)) ? 'certified' : 'registered';
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

    async list(actor) {
      if (!actor.admin && actor.agency === undefined) return [];
      const all = await store.connectors(actor.admin ? undefined : actor.agency);
      return Promise.all(all.map(view));
    },

    async get(actor, id) {
      return view(await visible(actor, id));
    },

    async certify(actor, id, csrPem) {
      const connector = await visible(actor, id);
      return serialized(id, async () => {
        const current = await latest(id);
        const issued = await authority.issueServerCertificate(
          csrPem,
          { agencyId: connector.agencyId, host: endpointHost(current.manifest) },
          id,
        );
        await event(actor, 'certificate_issued', {
          connector: id,
          version: current.version,
          serial: issued.certificate.serial,
          notAfter: issued.certificate.notAfter,
          fingerprint: issued.certificate.fingerprint,
        });
        await store.insertCertificate(issued.certificate);
        if (current.state === 'registered')
          await store.updateVersion(id, current.version, { state: 'certified' });
        return { chainPem: issued.chainPem, certificate: certificateView(issued.certificate) };
      });
    },

    async issueAppKey(actor, id) {
      const connector = await visible(actor, id);
      return serialized(id, async () => {
        const current = await latest(id);
        if (current.manifest.authentication.type !== 'hmac')
          throw invalid('/authentication/type', 'only an hmac connector has an app key');
        const secret = crypto.getRandomValues(new Uint8Array(32));
        const keyId = `${id}.${base64url(crypto.getRandomValues(new Uint8Array(6)))}`;
        await event(actor, 'credentials_rotated', { connector: id, keyId });
        await store.saveAppKey(id, keyId, secret, clock.now().toISOString());
        if (connector.status === 'active' && connector.activeVersion !== null) {
          const active = (await store.versions(id)).find((v) => v.version === connector.activeVersion);
          if (active) await install(connector, active);
        }
        return { keyId, secret: base64url(secret) };
      });
    },

    async conformance(actor, id) {
      await visible(actor, id);
      return serialized(id, async () => {
        const current = await latest(id);
        if (current.state === 'superseded' || current.state === 'withdrawn')
          throw invalid('/state', `version ${current.version} is ${current.state}: register a new version`);
        const appKey = await requireCredentials(id, current.manifest);
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
        await requireCredentials(id, current.manifest);
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

    async revokeCertificate(actor, id, serial, reason) {
      const connector = await visible(actor, id);
      return serialized(id, async () => {
        const certificate = await store.certificate(serial.toLowerCase());
        if (!certificate || certificate.connectorId !== id)
          throw new GatewayError('ERR_NOT_FOUND', 'no such certificate for this connector');
        if (certificate.revokedAt !== null) return certificateView(certificate);
        const at = clock.now().toISOString();
        await event(actor, 'certificate_revoked', { connector: id, serial: certificate.serial, reason });
        await store.revokeCertificate(certificate.serial, at, reason);
        options.onRevoked?.(certificate.serial);
        // Pooled connections were verified before the revocation: start the active connector afresh.
        if (connector.status === 'active' && connector.activeVersion !== null) {
          const active = (await store.versions(id)).find((v) => v.version === connector.activeVersion);
          if (active) await install(connector, active);
        }
        return certificateView({ ...certificate, revokedAt: at, revocationReason: reason });
      });
    },

    async crl() {
      return authority.crl(await store.revoked());
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
