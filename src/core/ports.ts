/**
 * The core's ports. The core talks to the world only through these; adapters in
 * src/adapters implement them and src/runtime/* wires them.
 */
import type { CivilAffairsRecord, DisabilityRecord, HrssRecord, Source } from '../../schemas/index.ts';
import type { ErrorCode } from './errors.ts';

/** What each built-in registry kind returns per person, in the gateway's vocabulary. */
export interface RecordsBySource {
  civil_affairs: CivilAffairsRecord;
  hrss: HrssRecord;
  disability: DisabilityRecord;
}

export interface RegistryQuery {
  /** Identity numbers to look up. The connector MUST NOT log them. */
  readonly subjects: readonly string[];
  /** Why: the legal-aid purpose code, e.g. `legal_aid_eligibility`. Sent to the registry. */
  readonly purpose: string;
  /** The applicant's consent reference. Sent to the registry. */
  readonly consentReference: string;
  /** Correlation id, carries no personal data. */
  readonly requestId: string;
  /** Aborted at the request's deadline; the connector MUST stop and answer `unavailable`. */
  readonly signal: AbortSignal;
  /**
   * Who is waiting: `online` (an intake clerk, the default) or `batch` (a bulk
   * re-verification). Quotas serve online queries first; a connector MAY ignore it.
   */
  readonly priority?: QueryPriority;
}

/** Whether a person is waiting for the answer (`online`) or a bulk job is (`batch`). */
export type QueryPriority = 'online' | 'batch';

/**
 * A registry's answer. Expected partial failure is a value, not a throw.
 * `records` holds, for each subject the registry knows, its validated records; a subject
 * absent from the map is `not_found`.
 */
export type RegistryAnswer<R> =
  | { readonly status: 'answered'; readonly records: ReadonlyMap<string, readonly R[]> }
  | {
      readonly status: 'unavailable';
      readonly code: ErrorCode;
      readonly retryable: boolean;
      readonly detail: string;
    };

/**
 * A connector to one registry.
 * - `query` MUST resolve (never reject) and MUST answer by the time `signal` aborts.
 * - Records MUST be validated against the source's schema before they are returned;
 *   a malformed answer is `unavailable` with `ERR_REGISTRY_MALFORMED`.
 * - A connector MUST NOT include identity numbers or names in logs or error details.
 * @example
 * const answer = await connector.query({ subjects: [id], purpose, consentReference, requestId, signal });
 */
export interface Connector<S extends Source = Source> {
  readonly id: string;
  readonly source: S;
  query(query: RegistryQuery): Promise<RegistryAnswer<RecordsBySource[S]>>;
  /**
   * Quota admission, for connectors behind a registry quota: resolves true once the quota
   * grants one query for `requestId` (the next `query` with that id uses it), false if
   * `signal` aborts first. The service calls it for batch requests BEFORE their deadline
   * starts, so a bulk job waits for the quota instead of being decided without evidence.
   */
  admit?(priority: QueryPriority, signal: AbortSignal, requestId: string): Promise<boolean>;
  /** Cheap reachability probe for /readyz. SHOULD answer within a second. */
  ping?(signal: AbortSignal): Promise<boolean>;
  close?(): Promise<void>;
}

/** What a partner registry of a new evidence kind returns per person: its declared facts. */
export interface PartnerRecord {
  readonly idNumber: string;
  readonly facts: Readonly<Record<string, string | number | boolean>>;
}

/**
 * A connector to a partner registry of an evidence kind the policy does not know (e.g. the
 * housing provident fund), driven by a manifest registered through `/v1/connectors`.
 * Same contract as `Connector`: `query` MUST resolve by the time `signal` aborts, records
 * MUST be validated against the kind's fact schema, details MUST NOT carry personal data.
 */
export interface PartnerConnector {
  readonly id: string;
  /** The evidence kind, e.g. `housing_fund`. */
  readonly kind: string;
  /** The manifest version serving. */
  readonly version: number;
  /** Whether it serves requests for this region code (the city's code covers its districts). */
  serves(region: string): boolean;
  query(query: RegistryQuery): Promise<RegistryAnswer<PartnerRecord>>;
  close?(): Promise<void>;
}

/** The set of connectors serving decisions now. Replaced atomically (partner connectors). */
export interface ConnectorRegistry {
  /**
   * The connector serving `source`, as of this call; in-flight requests keep the one they got.
   * `region` (the request's) lets a partner connector of a built-in kind serve its regions.
   */
  get<S extends Source>(source: S, region?: string): Connector<S> | undefined;
  /**
   * The active partner connectors of new evidence kinds serving `region`, as of this call.
   * Optional: a runtime without partner connectors omits it.
   */
  partners?(region: string): readonly PartnerConnector[];
}

/** Wall clock. Injected so tests can fix the decision date. */
export interface Clock {
  now(): Date;
}

/**
 * Signs the canonical decision. Keys are parsed once at construction.
 * `sign` MUST return a compact JWS whose payload is exactly `payload`.
 */
export interface Signer {
  readonly keyId: string;
  readonly algorithm: 'ES256' | 'EdDSA';
  sign(payload: Uint8Array): Promise<string>;
  /**
   * Signs another kind of payload with the same key under its own `typ` (issue 16: a peer
   * gateway's facts and tokens), so it can never pass for a decision. Optional: a signer
   * without it cannot take part in federation.
   */
  signAs?(typ: string, payload: Uint8Array): Promise<string>;
  /** Public keys (current and retired) as a JWKS. */
  jwks(): { keys: readonly Record<string, unknown>[] };
}
