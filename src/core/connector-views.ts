/**
 * What the connector API shows of a connector: its versions, certificates and app key id,
 * never a secret or a private key. Apart from the lifecycle so every transition answers with
 * the same view, built from the store after the transition was written.
 */
import type { ConnectorManifest } from '../../schemas/connector-manifest.ts';
import type {
  ConnectorStatus,
  ConnectorStore,
  StoredCertificate,
  StoredConnector,
  VersionState,
} from './connector-ports.ts';
import { GatewayError } from './errors.ts';

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

/**
 * A stored certificate without its PEM and revocation reason.
 *
 * @example
 * const shown = certificateView(await store.certificate(serial));
 */
export function certificateView(c: StoredCertificate): CertificateView {
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
 * A connector as stored now; the manifest shown is the latest version's.
 *
 * @example
 * const shown = await connectorView(store, await store.connector(id));
 */
export async function connectorView(
  store: ConnectorStore,
  connector: StoredConnector,
): Promise<ConnectorView> {
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
