/**
 * The ports of the partner-connector lifecycle: where connectors, their manifest versions and
 * certificates are kept, the gateway CA, and the runtime that turns a manifest into a live
 * connector. Pure types: the core drives them, adapters implement them.
 */
import type { ConnectorManifest } from '../../schemas/connector-manifest.ts';
import type { Connector, PartnerConnector } from './ports.ts';

/** A version's place in the lifecycle. */
export const VERSION_STATES = [
  'registered',
  'certified',
  'conformant',
  'active',
  'superseded',
  'withdrawn',
] as const;
export type VersionState = (typeof VERSION_STATES)[number];

/** The connector as a whole: `pending` until first activated, `inactive` once deactivated. */
export const CONNECTOR_STATUSES = ['pending', 'active', 'inactive'] as const;
export type ConnectorStatus = (typeof CONNECTOR_STATUSES)[number];

export interface StoredConnector {
  readonly id: string;
  readonly agencyId: string;
  readonly kind: string;
  readonly status: ConnectorStatus;
  readonly activeVersion: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface StoredVersion {
  readonly connectorId: string;
  readonly version: number;
  /** The agency's own label (manifest `version`). */
  readonly label: string;
  readonly manifest: ConnectorManifest;
  /** sha256 (base64url) of the canonical manifest: what the log leaves name. */
  readonly manifestDigest: string;
  readonly state: VersionState;
  readonly conformance: ConformanceReport | null;
  readonly registeredAt: string;
  readonly registeredBy: string;
}

export interface StoredCertificate {
  /** Lower-case hex, no leading zeros (as in the CRL). */
  readonly serial: string;
  /** Null for the gateway's own client certificate. */
  readonly connectorId: string | null;
  readonly usage: 'server' | 'client';
  readonly subject: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly notBefore: string;
  readonly notAfter: string;
  /** SHA-256 fingerprint, colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it. */
  readonly fingerprint: string;
  readonly pem: string;
  readonly issuedAt: string;
  readonly revokedAt: string | null;
  readonly revocationReason: string | null;
}

/** One way a case did not conform. `fact` is absent when the whole answer differed. */
export interface ConformanceFailure {
  readonly case: string;
  /** The case's synthetic test subject, as the manifest declared it. */
  readonly subject: string;
  readonly fact?: string;
  readonly expected: string | number | boolean;
  readonly actual: string | number | boolean | null;
  readonly detail?: string;
}

export interface ConformanceCaseResult {
  readonly case: string;
  readonly subject: string;
  readonly passed: boolean;
  readonly failures: readonly ConformanceFailure[];
}

export interface ConformanceReport {
  readonly passed: boolean;
  readonly ranAt: string;
  readonly version: number;
  readonly cases: readonly ConformanceCaseResult[];
  /** Every failure of every case, flattened. */
  readonly failures: readonly ConformanceFailure[];
}

/**
 * Persistence of connectors, versions, certificates and app keys.
 * - Writes MUST be durable when the promise resolves.
 * - `insertConnector` MUST be atomic with its first version and answer `exists` without
 *   writing when the id is taken.
 * - App-key secrets MUST be stored sealed (encrypted at rest).
 */
export interface ConnectorStore {
  insertConnector(connector: StoredConnector, first: StoredVersion): Promise<'created' | 'exists'>;
  connector(id: string): Promise<StoredConnector | undefined>;
  /** All connectors, or one agency's. */
  connectors(agencyId?: string): Promise<readonly StoredConnector[]>;
  versions(connectorId: string): Promise<readonly StoredVersion[]>;
  insertVersion(version: StoredVersion): Promise<void>;
  updateVersion(
    connectorId: string,
    version: number,
    patch: { readonly state?: VersionState; readonly conformance?: ConformanceReport },
  ): Promise<void>;
  updateConnector(
    id: string,
    patch: {
      readonly status?: ConnectorStatus;
      readonly activeVersion?: number | null;
      readonly updatedAt: string;
    },
  ): Promise<void>;
  insertCertificate(certificate: StoredCertificate): Promise<void>;
  certificates(connectorId: string): Promise<readonly StoredCertificate[]>;
  certificate(serial: string): Promise<StoredCertificate | undefined>;
  revokeCertificate(serial: string, at: string, reason: string): Promise<void>;
  /** Every revoked certificate, for the CRL and the connect-time check. */
  revoked(): Promise<readonly { readonly serial: string; readonly revokedAt: string }[]>;
  saveAppKey(connectorId: string, keyId: string, secret: Uint8Array, at: string): Promise<void>;
  appKey(connectorId: string): Promise<{ readonly keyId: string; readonly secret: Uint8Array } | undefined>;
}

/** A certificate the CA issued. */
export interface IssuedCertificate {
  readonly certificate: StoredCertificate;
  /** Leaf then CA, PEM. */
  readonly chainPem: string;
}

/** What a server certificate must name: the agency as O, the endpoint host as CN and only SAN. */
export interface CertificateExpectation {
  readonly agencyId: string;
  readonly host: string;
}

/**
 * The gateway CA.
 * - `issueServerCertificate` MUST refuse (GatewayError `ERR_VALIDATION` listing the paths at
 *   fault) a CSR whose signature, key type, subject or names do not match the expectation.
 * - Serial numbers MUST be unique; validity SHOULD be short (days).
 */
export interface ConnectorAuthority {
  readonly caCertificatePem: string;
  /** The gateway's own client certificate (mutual TLS to registries). */
  readonly clientCertificatePem: string;
  issueServerCertificate(
    csrPem: string,
    expect: CertificateExpectation,
    connectorId: string,
  ): Promise<IssuedCertificate>;
  /** A DER CRL of the given revocations. */
  crl(revoked: readonly { readonly serial: string; readonly revokedAt: string }[]): Promise<Uint8Array>;
}

/** A field-level problem with a manifest (JSON Pointer path, non-personal message). */
export interface ManifestProblem {
  readonly path: string;
  readonly message: string;
}

/** Turns manifests into connectors. */
export interface ConnectorRuntime {
  /**
   * Everything the operator's endpoint policy refuses about a manifest: scheme, allowlist,
   * loopback/private/link-local/metadata addresses, and the host's DNS answers.
   */
  endpointProblems(manifest: ConnectorManifest): Promise<readonly ManifestProblem[]>;
  /** A live connector for a version. `purpose: 'conformance'` gives a private instance without quota. */
  build(input: {
    readonly manifest: ConnectorManifest;
    readonly version: number;
    readonly appKey?: { readonly keyId: string; readonly secret: Uint8Array };
    readonly purpose: 'serve' | 'conformance';
  }): PartnerConnector;
  /** A connector of a built-in kind as that source's connector. */
  asBuiltIn?(partner: PartnerConnector): Connector | undefined;
  /** Runs the manifest's conformance cases through `connector`. */
  conformance(
    connector: PartnerConnector,
    manifest: ConnectorManifest,
    version: number,
  ): Promise<ConformanceReport>;
}

/** Appends a non-personal event leaf to the transparency log. */
export interface ConnectorEventLog {
  appendEvent(event: {
    readonly type: string;
    readonly at: string;
    readonly actor: string;
    readonly attributes: Readonly<Record<string, string | number | boolean>>;
  }): Promise<{ readonly leafIndex: number }>;
}
