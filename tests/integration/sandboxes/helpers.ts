/** Shared by the sandbox integration tests: the people of sandbox-basic.json and query helpers. */
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { makeIdNumber } from '../../../schemas/id-number.ts';
import type { RegistryAnswer, RegistryQuery } from '../../../src/core/ports.ts';

export const BASIC_FIXTURES = fileURLToPath(new URL('../../fixtures/sandbox-basic.json', import.meta.url));

/** The people of sandbox-basic.json (see the file for what each registry knows). */
export const PEOPLE = {
  /** DB active; employed migrant worker; no certificate. */
  wang: makeIdNumber('320102', '1980-05-17', 123),
  /** Economic check; retired; visual grade 2. */
  li: makeIdNumber('320117', '1958-11-02', 24),
  /** No civil record; unemployed; revoked certificate. */
  zhang: makeIdNumber('320115', '1995-02-28', 37),
  /** Two ended civil records; employment none; no certificate. */
  liu: makeIdNumber('320106', '1972-08-09', 48),
  /** A minor no registry knows. */
  chen: makeIdNumber('320118', '2012-12-12', 62),
  /** Low-income family; the fixture's civil affairs `error` fault targets this person. */
  zhao: makeIdNumber('320104', '1988-01-20', 71),
} as const;

export const NAMES = ['王建国', '李秀英', '张伟', '刘芳', '陈子涵', '赵磊'] as const;

export const PURPOSE = 'legal_aid_eligibility';
export const CONSENT = 'CONSENT-2025-0042';

/** A query with its own deadline. */
export function query(
  subjects: readonly string[],
  deadlineMs = 3_000,
  requestId = 'req-test-1',
): RegistryQuery {
  return {
    subjects,
    purpose: PURPOSE,
    consentReference: CONSENT,
    requestId,
    signal: AbortSignal.timeout(deadlineMs),
  };
}

/** Runs and times a promise. */
export async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await promise;
  return { value, ms: performance.now() - start };
}

/** Asserts an unavailable answer with this code, and that its detail leaks no person. */
export function expectUnavailable<R>(answer: RegistryAnswer<R>, code: string, retryable?: boolean): void {
  expect(answer.status).toBe('unavailable');
  if (answer.status !== 'unavailable') return;
  expect(answer.code).toBe(code);
  if (retryable !== undefined) expect(answer.retryable).toBe(retryable);
  for (const id of Object.values(PEOPLE)) expect(answer.detail).not.toContain(id.slice(0, 17));
  for (const name of NAMES) expect(answer.detail).not.toContain(name);
}

/** The records of an answered query, as a plain object keyed by identity number. */
export function recordsOf<R>(answer: RegistryAnswer<R>): Record<string, readonly R[]> {
  expect(answer.status).toBe('answered');
  return answer.status === 'answered' ? Object.fromEntries(answer.records) : {};
}
