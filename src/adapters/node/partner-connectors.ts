/**
 * The Node wiring of partner connectors: the gateway CA under `<data>`, the SQLite connector
 * store, the declarative runtime with the operator's endpoint policy, the lifecycle service
 * logging through the decision store's sequencer, and the mutable registry (built-ins plus
 * whatever is active, restored at start).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { EndpointPolicy } from '../../../connectors/declarative/address-policy.ts';
import { createDeclarativeRuntime } from '../../../connectors/declarative/declarative-runtime.ts';
import type { Resolver } from '../../../connectors/declarative/guarded-transport.ts';
import type { Source } from '../../../schemas/common.ts';
import type { ConnectorEventLog } from '../../core/connector-ports.ts';
import { createConnectorRegistry, type MutableConnectorRegistry } from '../../core/connector-registry.ts';
import { type ConnectorService, createConnectorService } from '../../core/connector-service.ts';
import type { Connector } from '../../core/ports.ts';
import type { Sealer } from '../portable/sealer.ts';
import { loadGatewayCa } from './gateway-ca.ts';
import { createSqliteConnectorStore } from './sqlite-connector-store.ts';
import type { Db } from './sqlite-database.ts';

/** The operator's settings for partner connectors. */
export interface PartnerConnectorSettings extends Partial<EndpointPolicy> {
  /** DNS for partner endpoints (tests inject one); the system resolver otherwise. */
  readonly resolver?: Resolver;
  /** Cap on any partner response, bytes. Default 256 KiB. */
  readonly maxResponseBytes?: number;
  /** Validity of endpoint certificates, hours. Default 168 (7 days). */
  readonly certificateValidityHours?: number;
  /** An operator-provided issuing CA instead of the one generated under `<data>`. */
  readonly ca?: { readonly certificatePem: string; readonly keyPem: string };
}

/** `<data>/connector-policy.json`: the settings an operator edits by hand. */
const PolicyFile = z.strictObject({
  allowedHosts: z.array(z.string().min(1).max(253)).max(256).default([]),
  allowLoopback: z.boolean().default(false),
  allowPrivate: z.boolean().default(false),
  maxResponseBytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024)
    .optional(),
  certificateValidityHours: z.number().int().min(1).max(2160).optional(),
});

/** Reads `<data>/connector-policy.json`, or the closed default (no host allowed). */
export function loadConnectorPolicy(dataDir: string): PartnerConnectorSettings {
  const file = join(dataDir, 'connector-policy.json');
  if (!existsSync(file)) return { allowedHosts: [] };
  const parsed = PolicyFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new TypeError(
      `${file}: ${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')} invalid`,
    );
  return parsed.data;
}

export interface PartnerConnectors {
  readonly registry: MutableConnectorRegistry;
  readonly service: ConnectorService;
  close(): Promise<void>;
}

/**
 * @example const partners = await createPartnerConnectors({ dataDir, db, sealer, log: store, builtIns, settings });
 */
export async function createPartnerConnectors(options: {
  readonly dataDir: string;
  readonly db: Db;
  readonly sealer: Sealer;
  readonly log: ConnectorEventLog;
  readonly builtIns: { readonly [S in Source]?: Connector<S> };
  readonly settings?: PartnerConnectorSettings;
  readonly clock?: () => Date;
}): Promise<PartnerConnectors> {
  const settings = options.settings ?? loadConnectorPolicy(options.dataDir);
  const clock = options.clock ?? (() => new Date());
  const store = createSqliteConnectorStore(options.db, options.sealer);
  const ca = loadGatewayCa({
    ...(settings.ca ? { provided: settings.ca } : { dataDir: options.dataDir }),
    clock,
    ...(settings.certificateValidityHours === undefined
      ? {}
      : { serverValidityHours: settings.certificateValidityHours }),
    serialTaken: (serial) => store.serialTaken(serial),
  });
  await store.insertCertificate(ca.client.certificate);
  const revoked = new Set(store.revokedSerials());
  const runtime = createDeclarativeRuntime({
    policy: {
      allowedHosts: settings.allowedHosts ?? [],
      ...(settings.allowLoopback === undefined ? {} : { allowLoopback: settings.allowLoopback }),
      ...(settings.allowPrivate === undefined ? {} : { allowPrivate: settings.allowPrivate }),
    },
    ...(settings.resolver ? { resolver: settings.resolver } : {}),
    caPem: ca.caCertificatePem,
    client: ca.client,
    isRevoked: (serial) => revoked.has(serial),
    ...(settings.maxResponseBytes === undefined ? {} : { maxResponseBytes: settings.maxResponseBytes }),
    now: clock,
  });
  const registry = createConnectorRegistry(options.builtIns);
  const service = createConnectorService({
    store,
    authority: ca,
    runtime,
    registry,
    log: options.log,
    clock: { now: clock },
    onRevoked: (serial) => revoked.add(serial),
  });
  await service.restore();
  return { registry, service, close: () => registry.closeAll() };
}
