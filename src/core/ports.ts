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
}

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
  /** Cheap reachability probe for /readyz. SHOULD answer within a second. */
  ping?(signal: AbortSignal): Promise<boolean>;
  close?(): Promise<void>;
}

/** The set of connectors serving decisions now. Replaced atomically (partner connectors). */
export interface ConnectorRegistry {
  /** The connector serving `source`, as of this call; in-flight requests keep the one they got. */
  get<S extends Source>(source: S): Connector<S> | undefined;
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
  /** Public keys (current and retired) as a JWKS. */
  jwks(): { keys: readonly Record<string, unknown>[] };
}
