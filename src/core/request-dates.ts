/**
 * Dates the caller chooses must not change the outcome (issue 11): a decision date in the
 * future or a birth date after it turns age rules on ("aged 109", "aged −73"), and a consent
 * granted in the future would let registries be queried on an authorisation that did not
 * exist yet. Each is a 400 with the path of the field, and never echoes the date an identity
 * number encodes (a birth date is personal data).
 */
import { birthDateOf } from '../../schemas/id-number.ts';
import type { VerificationRequest } from '../../schemas/index.ts';
import { GatewayError } from './errors.ts';

/** How far ahead of the gateway's clock a consent time may be (clocks of intake systems drift). */
export const CONSENT_CLOCK_SKEW_MS = 60_000;

const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** The calendar date of an instant in Asia/Shanghai (UTC+8, no daylight saving). */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * People born after the decision date, each with its path. The policy refuses them too: an
 * age computed from such a date is negative.
 * @example birthDateProblems(request, '2024-06-15') // [{ path: '/household/0/idNumber', … }]
 */
export function birthDateProblems(
  request: Pick<VerificationRequest, 'applicant' | 'household'>,
  decisionDate: string,
): { path: string; message: string }[] {
  const people = [
    { path: '/applicant/idNumber', idNumber: request.applicant.idNumber },
    ...request.household.map((m, i) => ({ path: `/household/${i}/idNumber`, idNumber: m.idNumber })),
  ];
  return people.flatMap(({ path, idNumber }) => {
    const birth = birthDateOf(idNumber);
    return birth !== undefined && birth > decisionDate
      ? [{ path, message: 'encodes a birth date after the decision date' }]
      : [];
  });
}

/**
 * Every date problem of a request decided on `decisionDate` at `now`, each with its path;
 * empty when there is none.
 * @example requestDateProblems(request, '2024-06-15', new Date()) // [] or [{ path: '/decisionDate', … }]
 */
export function requestDateProblems(
  request: VerificationRequest,
  decisionDate: string,
  now: Date,
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const today = shanghaiDate(now);
  if (decisionDate > today)
    problems.push({
      path: '/decisionDate',
      message: `must not be after today (${today}, Asia/Shanghai)`,
    });
  problems.push(...birthDateProblems(request, decisionDate));
  const granted = Date.parse(request.consent.grantedAt);
  if (Number.isNaN(granted)) {
    problems.push({ path: '/consent/grantedAt', message: 'must be an RFC 3339 date-time' });
  } else if (granted > now.getTime() + CONSENT_CLOCK_SKEW_MS) {
    problems.push({ path: '/consent/grantedAt', message: 'must not be in the future' });
  } else if (shanghaiDate(new Date(granted)) > decisionDate) {
    problems.push({ path: '/consent/grantedAt', message: 'must not be after the decision date' });
  }
  return problems;
}

/**
 * Throws `ERR_VALIDATION` (400) listing every date problem of the request.
 * @example assertRequestDates(request, decisionDate, clock.now());
 */
export function assertRequestDates(request: VerificationRequest, decisionDate: string, now: Date): void {
  const errors = requestDateProblems(request, decisionDate, now);
  if (errors.length > 0)
    throw new GatewayError('ERR_VALIDATION', 'request dates out of range', {
      facts: { problems: errors.length },
      errors,
    });
}
