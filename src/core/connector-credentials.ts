/**
 * A connector's credentials: server certificates from the gateway CA (issue, revoke, CRL)
 * and the HMAC app key, and the check that a version has what it needs before conformance
 * or activation. Together because a certificate is only valid for the endpoint host of the
 * version that uses it, and rotating either credential restarts the active connector.
 */
import type { ConnectorManifest } from '../../schemas/connector-manifest.ts';
import { type ConnectorLifecycleContext, invalid } from './connector-lifecycle-context.ts';
import type { StoredCertificate } from './connector-ports.ts';
import type { ConnectorService } from './connector-service.ts';
import { certificateView } from './connector-views.ts';
import { base64url } from './encoding.ts';
import { GatewayError } from './errors.ts';

/**
 * The endpoint host as certificates name it (no IPv6 brackets, lower case).
 *
 * @example
 * endpointHost(manifest); // 'registry.example.gov.cn'
 */
export function endpointHost(manifest: ConnectorManifest): string {
  const host = new URL(manifest.endpoint.url).hostname.toLowerCase();
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/**
 * An unrevoked server certificate, valid now, that names the manifest's endpoint host.
 *
 * @example
 * const state = (await validCertificate(ctx, id, manifest)) ? 'certified' : 'registered';
 */
export async function validCertificate(
  ctx: ConnectorLifecycleContext,
  id: string,
  manifest: ConnectorManifest,
): Promise<StoredCertificate | undefined> {
  const host = endpointHost(manifest);
  const now = ctx.clock.now().toISOString();
  return (await ctx.store.certificates(id)).find(
    (c) =>
      c.usage === 'server' &&
      c.revokedAt === null &&
      c.notBefore <= now &&
      now < c.notAfter &&
      (c.dnsNames.includes(host) || c.ipAddresses.includes(host)),
  );
}

/**
 * Refuses a version without a valid certificate, or an hmac one without an app key; answers
 * the app key (if any) to build the connector with.
 *
 * @example
 * const appKey = await requireCredentials(ctx, id, current.manifest);
 */
export async function requireCredentials(
  ctx: ConnectorLifecycleContext,
  id: string,
  manifest: ConnectorManifest,
) {
  if (!(await validCertificate(ctx, id, manifest)))
    throw invalid(
      '/certificate',
      'no valid certificate for the endpoint: certify it first (POST /v1/connectors/{id}/csr)',
    );
  const appKey = await ctx.store.appKey(id);
  if (manifest.authentication.type === 'hmac' && !appKey)
    throw invalid('/credentials', 'no app key yet: issue one first (POST /v1/connectors/{id}/credentials)');
  return appKey;
}

/**
 * @example
 * const { certify, issueAppKey, revokeCertificate, crl } = connectorCredentials(ctx);
 */
export function connectorCredentials(
  ctx: ConnectorLifecycleContext,
): Pick<ConnectorService, 'certify' | 'issueAppKey' | 'revokeCertificate' | 'crl'> {
  const { store, authority, clock, serialized, event, visible, latest, install } = ctx;
  return {
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
        ctx.onRevoked?.(certificate.serial);
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
  };
}
