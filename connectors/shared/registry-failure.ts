/**
 * The ways a registry call can fail, as values. Every connector maps foreign errors
 * (sockets, TLS, HTTP statuses, bad bodies) to one of these once, at its boundary, so
 * the core only ever sees a stable `code`. Details are non-personal by construction:
 * they are written from constants, counts and paths, never from registry text or input.
 */
import type { RegistryAnswer } from '../../src/core/ports.ts';

/** The error codes a registry call can end with. */
export type RegistryErrorCode =
  | 'ERR_REGISTRY_TIMEOUT'
  | 'ERR_REGISTRY_ERROR'
  | 'ERR_REGISTRY_MALFORMED'
  | 'ERR_REGISTRY_UNREACHABLE'
  | 'ERR_INTERNAL';

/** Why a registry could not answer. `detail` MUST NOT contain identity numbers or names. */
export interface RegistryFailure {
  readonly code: RegistryErrorCode;
  readonly retryable: boolean;
  readonly detail: string;
}

/** A decoded value, or the reason it could not be decoded. */
export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: RegistryFailure };

// A timeout or an unreachable registry may answer on the next attempt; a malformed body
// or a refusal will not change until someone fixes the registry or the configuration.
const RETRYABLE_BY_DEFAULT: Readonly<Record<RegistryErrorCode, boolean>> = {
  ERR_REGISTRY_TIMEOUT: true,
  ERR_REGISTRY_ERROR: true,
  ERR_REGISTRY_MALFORMED: false,
  ERR_REGISTRY_UNREACHABLE: true,
  ERR_INTERNAL: false,
};

/**
 * A failure value.
 * @example registryFailure('ERR_REGISTRY_MALFORMED', 'response is not valid JSON')
 */
export function registryFailure(
  code: RegistryErrorCode,
  detail: string,
  retryable?: boolean,
): RegistryFailure {
  return { code, detail, retryable: retryable ?? RETRYABLE_BY_DEFAULT[code] };
}

/** A malformed-answer failure. @example malformed('record 2 invalid at grade') */
export function malformed(detail: string): { readonly ok: false; readonly failure: RegistryFailure } {
  return { ok: false, failure: registryFailure('ERR_REGISTRY_MALFORMED', detail) };
}

/** The failure the deadline produces. @example timedOut() */
export function timedOut(): RegistryFailure {
  return registryFailure('ERR_REGISTRY_TIMEOUT', 'the request deadline passed before the registry answered');
}

/**
 * The failure an HTTP status means, or undefined for 2xx.
 * 5xx, 408 and 429 are the registry's trouble and may pass; other 4xx mean the gateway's
 * request or credentials were refused, which a retry will not fix.
 * @example failureForStatus(503) // { code: 'ERR_REGISTRY_ERROR', retryable: true, ... }
 */
export function failureForStatus(status: number): RegistryFailure | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status >= 500 || status === 408 || status === 429) {
    return registryFailure('ERR_REGISTRY_ERROR', `registry answered HTTP ${status}`, true);
  }
  if (status === 401 || status === 403) {
    return registryFailure(
      'ERR_REGISTRY_ERROR',
      `registry refused the gateway's credentials (HTTP ${status})`,
      false,
    );
  }
  return registryFailure('ERR_REGISTRY_ERROR', `registry answered HTTP ${status}`, false);
}

/** The `unavailable` answer for a failure. @example unavailable(timedOut()) */
export function unavailable<R>(failure: RegistryFailure): RegistryAnswer<R> {
  return { status: 'unavailable', code: failure.code, retryable: failure.retryable, detail: failure.detail };
}
