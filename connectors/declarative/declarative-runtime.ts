/**
 * The `ConnectorRuntime` the lifecycle service drives on Node: endpoint checks against the
 * operator's policy (before any connection), declarative connectors over guarded transports
 * that trust only the gateway CA and present the gateway's client certificate, and
 * conformance runs.
 */
import { randomUUID } from 'node:crypto';
import type { Source } from '../../schemas/common.ts';
import type { ConnectorManifest } from '../../schemas/connector-manifest.ts';
import { isBuiltInKind } from '../../schemas/connector-manifest.ts';
import type { ConnectorRuntime, ManifestProblem } from '../../src/core/connector-ports.ts';
import { type EndpointPolicy, endpointRefusals } from './address-policy.ts';
import { runConformance } from './conformance.ts';
import { asBuiltInConnector, createDeclarativeConnector } from './declarative-connector.ts';
import {
  createGuardedTransport,
  type Resolver,
  resolvedHostRefusals,
  systemResolver,
} from './guarded-transport.ts';

export interface DeclarativeRuntimeOptions {
  readonly policy: EndpointPolicy;
  /** DNS; tests inject one. */
  readonly resolver?: Resolver;
  /** The gateway CA certificate: the only issuer an endpoint certificate may come from. */
  readonly caPem: string;
  /** The gateway's client certificate and key, presented for `mtls` and `jwks` authentication. */
  readonly client: { readonly certificatePem: string; readonly keyPem: string };
  readonly isRevoked: (serial: string) => boolean;
  /** Operator cap on response size, whatever the manifest says. Default 256 KiB. */
  readonly maxResponseBytes?: number;
  /** The whole conformance run's deadline. Default 15 s. */
  readonly conformanceTimeoutMs?: number;
  readonly now?: () => Date;
  /** Observes every connection refused by the address policy. */
  readonly onRefused?: (reason: string) => void;
}

/**
 * @example
 * const runtime = createDeclarativeRuntime({ policy, caPem: ca.caCertificatePem, client: ca.client, isRevoked });
 */
export function createDeclarativeRuntime(options: DeclarativeRuntimeOptions): ConnectorRuntime {
  const resolver = options.resolver ?? systemResolver;
  const now = options.now ?? (() => new Date());
  const cap = options.maxResponseBytes ?? 256 * 1024;

  async function endpointProblems(manifest: ConnectorManifest): Promise<readonly ManifestProblem[]> {
    const path = '/endpoint/url';
    const refused = endpointRefusals(manifest.endpoint.url, options.policy);
    if (refused.length > 0) return refused.map((message) => ({ path, message }));
    // Resolved now for an early, clear answer; checked again at every connection.
    const resolved = await resolvedHostRefusals(manifest.endpoint.url, options.policy, resolver);
    return resolved.map((message) => ({ path, message }));
  }

  return {
    endpointProblems,
    build({ manifest, version, appKey, purpose }) {
      const mutual = manifest.authentication.type !== 'hmac';
      const transport = createGuardedTransport({
        baseUrl: manifest.endpoint.url,
        policy: options.policy,
        resolver,
        caPem: options.caPem,
        ...(mutual
          ? { clientCertPem: options.client.certificatePem, clientKeyPem: options.client.keyPem }
          : {}),
        isRevoked: options.isRevoked,
        timeoutMs: manifest.timeoutMs,
        maxResponseBytes: Math.min(manifest.limits?.maxResponseBytes ?? cap, cap),
        ...(options.onRefused ? { onRefused: options.onRefused } : {}),
      });
      return createDeclarativeConnector({
        manifest,
        version,
        transport,
        ...(appKey ? { hmacKey: appKey } : {}),
        now,
        enforceQuota: purpose === 'serve',
      });
    },
    asBuiltIn(partner) {
      return isBuiltInKind(partner.kind) ? asBuiltInConnector(partner, partner.kind as Source) : undefined;
    },
    conformance(connector, manifest, version) {
      return runConformance(connector, manifest.conformance.cases, {
        requestId: `conformance-${randomUUID()}`,
        timeoutMs: options.conformanceTimeoutMs ?? 15_000,
        now: now(),
        version,
      });
    },
  };
}
