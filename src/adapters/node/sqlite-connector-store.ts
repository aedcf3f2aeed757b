/**
 * `ConnectorStore` on the gateway's SQLite file (drizzle, the same tables D1 could serve):
 * connectors, manifest versions, certificates and sealed app keys. Each call is one
 * synchronous statement or transaction, so a resolved promise means durable.
 */
import { and, asc, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { ConnectorManifest } from '../../../schemas/connector-manifest.ts';
import type {
  ConformanceReport,
  ConnectorStatus,
  ConnectorStore,
  StoredCertificate,
  StoredConnector,
  StoredVersion,
  VersionState,
} from '../../core/connector-ports.ts';
import {
  connectorAppKeys,
  connectorCertificates,
  partnerConnectors,
  partnerConnectorVersions,
} from '../portable/schema.ts';
import type { Sealer } from '../portable/sealer.ts';
import type { Db } from './sqlite-database.ts';

type ConnectorRow = typeof partnerConnectors.$inferSelect;
type VersionRow = typeof partnerConnectorVersions.$inferSelect;
type CertificateRow = typeof connectorCertificates.$inferSelect;

function connectorOf(row: ConnectorRow): StoredConnector {
  return {
    id: row.id,
    agencyId: row.agencyId,
    kind: row.kind,
    status: row.status as ConnectorStatus,
    activeVersion: row.activeVersion ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function versionOf(row: VersionRow): StoredVersion {
  return {
    connectorId: row.connectorId,
    version: row.version,
    label: row.label,
    // Stored only after validation; parsing again keeps the type honest if the row was edited.
    manifest: ConnectorManifest.parse(JSON.parse(row.manifest)),
    manifestDigest: row.manifestDigest,
    state: row.state as VersionState,
    conformance: row.conformance === null ? null : (JSON.parse(row.conformance) as ConformanceReport),
    registeredAt: row.registeredAt,
    registeredBy: row.registeredBy,
  };
}

function versionRow(v: StoredVersion): VersionRow {
  return {
    connectorId: v.connectorId,
    version: v.version,
    label: v.label,
    manifest: JSON.stringify(v.manifest),
    manifestDigest: v.manifestDigest,
    state: v.state,
    conformance: v.conformance === null ? null : JSON.stringify(v.conformance),
    registeredAt: v.registeredAt,
    registeredBy: v.registeredBy,
  };
}

function certificateOf(row: CertificateRow): StoredCertificate {
  return {
    serial: row.serial,
    connectorId: row.connectorId,
    usage: row.usage === 'server' ? 'server' : 'client',
    subject: row.subject,
    dnsNames: JSON.parse(row.dnsNames) as string[],
    ipAddresses: JSON.parse(row.ipAddresses) as string[],
    notBefore: row.notBefore,
    notAfter: row.notAfter,
    fingerprint: row.fingerprint,
    pem: row.pem,
    issuedAt: row.issuedAt,
    revokedAt: row.revokedAt,
    revocationReason: row.revocationReason,
  };
}

/**
 * @example const connectors = createSqliteConnectorStore(db, sealer);
 */
export function createSqliteConnectorStore(
  db: Db,
  sealer: Sealer,
): ConnectorStore & {
  /** Whether a serial is already issued (the CA's uniqueness check), synchronously. */
  serialTaken(serial: string): boolean;
  /** Revoked serials, synchronously (start-up). */
  revokedSerials(): string[];
} {
  return {
    async insertConnector(connector, first) {
      return db.$client.transaction(() => {
        const existing = db
          .select({ id: partnerConnectors.id })
          .from(partnerConnectors)
          .where(eq(partnerConnectors.id, connector.id))
          .get();
        if (existing) return 'exists' as const;
        db.insert(partnerConnectors)
          .values({ ...connector })
          .run();
        db.insert(partnerConnectorVersions).values(versionRow(first)).run();
        return 'created' as const;
      })();
    },
    async connector(id) {
      const row = db.select().from(partnerConnectors).where(eq(partnerConnectors.id, id)).get();
      return row ? connectorOf(row) : undefined;
    },
    async connectors(agencyId) {
      const rows =
        agencyId === undefined
          ? db.select().from(partnerConnectors).orderBy(asc(partnerConnectors.id)).all()
          : db
              .select()
              .from(partnerConnectors)
              .where(eq(partnerConnectors.agencyId, agencyId))
              .orderBy(asc(partnerConnectors.id))
              .all();
      return rows.map(connectorOf);
    },
    async versions(connectorId) {
      return db
        .select()
        .from(partnerConnectorVersions)
        .where(eq(partnerConnectorVersions.connectorId, connectorId))
        .orderBy(asc(partnerConnectorVersions.version))
        .all()
        .map(versionOf);
    },
    async insertVersion(version) {
      db.insert(partnerConnectorVersions).values(versionRow(version)).run();
    },
    async updateVersion(connectorId, version, patch) {
      db.update(partnerConnectorVersions)
        .set({
          ...(patch.state === undefined ? {} : { state: patch.state }),
          ...(patch.conformance === undefined ? {} : { conformance: JSON.stringify(patch.conformance) }),
        })
        .where(
          and(
            eq(partnerConnectorVersions.connectorId, connectorId),
            eq(partnerConnectorVersions.version, version),
          ),
        )
        .run();
    },
    async updateConnector(id, patch) {
      db.update(partnerConnectors)
        .set({
          updatedAt: patch.updatedAt,
          ...(patch.status === undefined ? {} : { status: patch.status }),
          ...(patch.activeVersion === undefined ? {} : { activeVersion: patch.activeVersion }),
        })
        .where(eq(partnerConnectors.id, id))
        .run();
    },
    async insertCertificate(c) {
      db.insert(connectorCertificates)
        .values({ ...c, dnsNames: JSON.stringify(c.dnsNames), ipAddresses: JSON.stringify(c.ipAddresses) })
        .onConflictDoNothing()
        .run();
    },
    async certificates(connectorId) {
      return db
        .select()
        .from(connectorCertificates)
        .where(eq(connectorCertificates.connectorId, connectorId))
        .orderBy(asc(connectorCertificates.issuedAt))
        .all()
        .map(certificateOf);
    },
    async certificate(serial) {
      const row = db
        .select()
        .from(connectorCertificates)
        .where(eq(connectorCertificates.serial, serial))
        .get();
      return row ? certificateOf(row) : undefined;
    },
    async revokeCertificate(serial, at, reason) {
      db.update(connectorCertificates)
        .set({ revokedAt: at, revocationReason: reason })
        .where(eq(connectorCertificates.serial, serial))
        .run();
    },
    async revoked() {
      return db
        .select({ serial: connectorCertificates.serial, revokedAt: connectorCertificates.revokedAt })
        .from(connectorCertificates)
        .where(isNotNull(connectorCertificates.revokedAt))
        .orderBy(asc(connectorCertificates.revokedAt))
        .all()
        .map((r) => ({ serial: r.serial, revokedAt: r.revokedAt ?? '' }));
    },
    async saveAppKey(connectorId, keyId, secret, at) {
      const secretSealed = await sealer.seal(secret);
      db.insert(connectorAppKeys).values({ keyId, connectorId, secretSealed, createdAt: at }).run();
    },
    async appKey(connectorId) {
      const row = db
        .select()
        .from(connectorAppKeys)
        .where(eq(connectorAppKeys.connectorId, connectorId))
        // Insertion order: two keys issued within one millisecond still have a latest.
        .orderBy(desc(sql`rowid`))
        .get();
      return row ? { keyId: row.keyId, secret: await sealer.open(row.secretSealed) } : undefined;
    },
    serialTaken(serial) {
      return (
        db
          .select({ s: connectorCertificates.serial })
          .from(connectorCertificates)
          .where(eq(connectorCertificates.serial, serial))
          .get() !== undefined
      );
    },
    revokedSerials() {
      return db
        .select({ serial: connectorCertificates.serial })
        .from(connectorCertificates)
        .where(isNotNull(connectorCertificates.revokedAt))
        .all()
        .map((r) => r.serial);
    },
  };
}
