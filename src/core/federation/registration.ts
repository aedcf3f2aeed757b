/**
 * Where each person of a request is registered (issue 16): the region whose civil affairs,
 * social security and disability registries know them. The request may say so per person
 * (`registrationRegion`); otherwise the gateway assumes the address code at the start of the
 * identity number (GB 11643: the first six digits are the place of first registration) and
 * says so in the evidence, flagged as an assumption.
 */
import type { Evidence, VerificationRequest } from '../../../schemas/index.ts';

export interface Registration {
  readonly idNumber: string;
  /** `applicant`, or `member` with its index in `household`. */
  readonly role: 'applicant' | 'member';
  readonly index?: number;
  /** Six-digit region code as stated or assumed. */
  readonly region: string;
  /** The city (prefecture) code the region belongs to: its first four digits and `00`. */
  readonly city: string;
  readonly basis: 'stated' | 'id_number_prefix';
}

/**
 * Every person of the request with their registration region, applicant first.
 * @example registrationsOf(request)[0] // { role: 'applicant', region: '320102', city: '320100', basis: 'id_number_prefix', … }
 */
export function registrationsOf(request: VerificationRequest): Registration[] {
  const one = (
    person: { readonly idNumber: string; readonly registrationRegion?: string | undefined },
    role: Registration['role'],
    index?: number,
  ): Registration => {
    const region = person.registrationRegion ?? person.idNumber.slice(0, 6);
    return {
      idNumber: person.idNumber,
      role,
      ...(index === undefined ? {} : { index }),
      region,
      city: `${region.slice(0, 4)}00`,
      basis: person.registrationRegion === undefined ? 'id_number_prefix' : 'stated',
    };
  };
  return [one(request.applicant, 'applicant'), ...request.household.map((m, i) => one(m, 'member', i))];
}

/** The evidence kind of the registration entry: not a registry, the gateway's own finding. */
export const REGISTRATION_EVIDENCE = 'registration';

/**
 * The evidence entry that says where each person was taken to be registered and why; an
 * assumed region is flagged (`assumed: true`, basis `id_number_prefix`), and `askedIn` names
 * the region whose registries were asked about them. People appear by role.
 * @example registrationEvidence(registrationsOf(request), (city) => city === '320500' ? 'cn-320500' : 'cn-320100')
 */
export function registrationEvidence(
  registrations: readonly Registration[],
  askedIn: (city: string) => string,
): Evidence {
  const persons = registrations.map((r) => ({
    role: r.role,
    ...(r.index === undefined ? {} : { index: r.index }),
    region: r.region,
    askedIn: askedIn(r.city),
    assumed: r.basis !== 'stated',
    basis: r.basis,
  }));
  return {
    source: REGISTRATION_EVIDENCE,
    status: 'found',
    facts: { persons, assumptions: persons.filter((p) => p.assumed).length },
    digest: '',
  };
}
