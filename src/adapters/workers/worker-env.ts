/**
 * The Worker's bindings and configuration (wrangler.toml, secrets), parsed once per isolate
 * with errors that name the variable at fault, never its value. Secrets use the same
 * formats as the Node gateway's files under `<data>/keys`, so `wrangler secret put NAME <
 * file` moves a deployment's keys across.
 */
import type { D1Database, DurableObjectNamespace } from '@cloudflare/workers-types';
import type { JWK } from 'jose';
import { z } from 'zod';
import {
  CivilAffairsConnectorConfig,
  DisabilityConnectorConfig,
} from '../../../connectors/built-in-config.ts';
import { type PeerGateway, PeerTrustList } from '../../../schemas/federation.ts';
import { fromBase64 } from '../../core/encoding.ts';
import { REGION_CODES } from '../../core/policy/suzhou-policy.ts';
import type { DataKeyRing } from '../portable/sealer.ts';

/** A binding with a `fetch` (the mTLS certificate binding), typed with the standard Request. */
export interface FetchBinding {
  fetch(input: string, init?: RequestInit): Promise<Response>;
}

/** What wrangler.toml and the secrets give the Worker and the sequencer object. */
export interface WorkerEnv {
  /** D1: decisions, access records, subject keys, the log's leaves, nodes and checkpoints. */
  readonly DB: D1Database;
  /** The log sequencer (one object, by name). */
  readonly LOG_SEQUENCER: DurableObjectNamespace;
  /** The HRSS registry demands a client certificate: the mTLS certificate binding. */
  readonly HRSS_MTLS?: FetchBinding;
  /** Secret: the decision signing key, a private EC P-256 JWK (`<data>/keys/decision-signing.jwk.json`). */
  readonly DECISION_SIGNING_JWK: string;
  /** Optional: retired public keys still published, a JWKS. */
  readonly DECISION_RETIRED_JWKS?: string;
  /** Secret: the log's note signer key, `PRIVATE+KEY+<origin>+<hash>+<key>` (`<data>/keys/log-note.key`). */
  readonly LOG_NOTE_SIGNER_KEY: string;
  /** Secret: data keys, `{ current, keys: { kid: base64 }, lookupKey: base64 }` (`<data>/keys/data-keys.json`). */
  readonly DATA_KEYS: string;
  /** Trusted token issuers: `[{ issuer, audience, jwks | jwksUrl }]`. */
  readonly TRUSTED_ISSUERS: string;
  /** Secret: the registries, `{ civilAffairs, hrss: { baseUrl }, disability }`. */
  readonly REGISTRIES: string;
  /** One deadline for a request's registry queries, ms. Default 800. */
  readonly REGISTRY_DEADLINE_MS?: string;
  /** `true` lets webhooks reach loopback (plain http too): a receiver on the same machine, tests only. */
  readonly WEBHOOK_ALLOW_LOOPBACK?: string;
  /** `true` lets webhooks reach private ranges (an intake system on the operator's network). */
  readonly WEBHOOK_ALLOW_PRIVATE?: string;
  /** Issue 16: the region whose policy decides here (`cn-320100`, default, or `cn-320500`). */
  readonly REGION?: string;
  /** Issue 16: the trust list of peer gateways, `{ peers: [{ region, baseUrl, logOrigin, logKey, jwks }] }`. */
  readonly PEERS?: string;
  /** Issue 16: a binding peers are reached through (a service binding or an egress proxy); default fetch. */
  readonly PEER_FETCH?: FetchBinding;
}

/**
 * The region whose policy decides on this Worker.
 * @example const region = workerRegion(env); // 'cn-320100' when REGION is unset
 */
export function workerRegion(env: Pick<WorkerEnv, 'REGION'>): string {
  const region = env.REGION === undefined || env.REGION === '' ? 'cn-320100' : env.REGION;
  if (!(REGION_CODES as readonly string[]).includes(region))
    throw new TypeError(`REGION must be one of ${REGION_CODES.join(', ')}`);
  return region;
}

/**
 * The peer gateways of other regions; none when PEERS is unset.
 * @example const peers = workerPeers(env);
 */
export function workerPeers(env: Pick<WorkerEnv, 'PEERS'>): readonly PeerGateway[] {
  if (env.PEERS === undefined || env.PEERS === '') return [];
  return parseJson('PEERS', env.PEERS, PeerTrustList).peers;
}

/**
 * The webhook address policy: the partner connectors' guards, closed unless a variable opens them.
 * @example const policy = webhookAddressPolicy(env); // { allowLoopback: false, allowPrivate: false }
 */
export function webhookAddressPolicy(
  env: Pick<WorkerEnv, 'WEBHOOK_ALLOW_LOOPBACK' | 'WEBHOOK_ALLOW_PRIVATE'>,
): {
  allowLoopback: boolean;
  allowPrivate: boolean;
} {
  return {
    allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK === 'true',
    allowPrivate: env.WEBHOOK_ALLOW_PRIVATE === 'true',
  };
}

/** The registries as the Worker reaches them: HRSS's client certificate is the binding's, not config. */
export const WorkerRegistries = z.strictObject({
  civilAffairs: CivilAffairsConnectorConfig,
  hrss: z.strictObject({ baseUrl: z.url({ protocol: /^https$/ }) }),
  disability: DisabilityConnectorConfig,
});
export type WorkerRegistries = z.infer<typeof WorkerRegistries>;

const DataKeysFile = z.strictObject({
  current: z.string().min(1),
  keys: z.record(z.string(), z.string().min(1)),
  lookupKey: z.string().min(1),
});

const Jwks = z.object({ keys: z.array(z.looseObject({ kty: z.string() })) });

const TrustedIssuers = z.array(
  z.strictObject({
    issuer: z.string().min(1),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    jwks: Jwks.optional(),
    jwksUrl: z.url().optional(),
  }),
);

function parseJson<T>(name: string, text: string | undefined, schema: z.ZodType<T>): T {
  if (text === undefined || text === '') throw new TypeError(`${name} is not set`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TypeError(`${name} is not valid JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => i.path.map(String).join('.') || '(root)');
    throw new TypeError(`${name} is invalid at ${paths.join(', ')}`);
  }
  return parsed.data;
}

/** @example const ring = dataKeyRing(env); */
export function dataKeyRing(env: Pick<WorkerEnv, 'DATA_KEYS'>): DataKeyRing {
  const file = parseJson('DATA_KEYS', env.DATA_KEYS, DataKeysFile);
  return {
    current: file.current,
    keys: Object.fromEntries(Object.entries(file.keys).map(([kid, b64]) => [kid, fromBase64(b64)])),
    lookupKey: fromBase64(file.lookupKey),
  };
}

/** @example const { privateJwk, retired } = signingKeys(env); */
export function signingKeys(env: Pick<WorkerEnv, 'DECISION_SIGNING_JWK' | 'DECISION_RETIRED_JWKS'>): {
  privateJwk: JWK;
  retired: JWK[];
} {
  const privateJwk = parseJson(
    'DECISION_SIGNING_JWK',
    env.DECISION_SIGNING_JWK,
    z.looseObject({ kty: z.string() }),
  );
  const retired =
    env.DECISION_RETIRED_JWKS === undefined || env.DECISION_RETIRED_JWKS === ''
      ? []
      : parseJson('DECISION_RETIRED_JWKS', env.DECISION_RETIRED_JWKS, Jwks).keys;
  return { privateJwk, retired };
}

/** @example const issuers = trustedIssuers(env); */
export function trustedIssuers(env: Pick<WorkerEnv, 'TRUSTED_ISSUERS'>) {
  const issuers = parseJson('TRUSTED_ISSUERS', env.TRUSTED_ISSUERS, TrustedIssuers);
  for (const i of issuers)
    if ((i.jwks === undefined) === (i.jwksUrl === undefined))
      throw new TypeError(`TRUSTED_ISSUERS: issuer ${i.issuer} needs exactly one of jwks and jwksUrl`);
  return issuers;
}

/** @example const registries = workerRegistries(env); */
export function workerRegistries(env: Pick<WorkerEnv, 'REGISTRIES'>): WorkerRegistries {
  return parseJson('REGISTRIES', env.REGISTRIES, WorkerRegistries);
}

/** @example const deadline = registryDeadlineMs(env); */
export function registryDeadlineMs(env: Pick<WorkerEnv, 'REGISTRY_DEADLINE_MS'>): number {
  const raw = env.REGISTRY_DEADLINE_MS;
  if (raw === undefined || raw === '') return 800;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0)
    throw new TypeError('REGISTRY_DEADLINE_MS must be a positive integer');
  return ms;
}
