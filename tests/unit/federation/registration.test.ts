/**
 * Issue 16: where each person is registered — stated in the request, or assumed from the
 * identity number's address code and flagged — and a federation without peers changing nothing.
 */
import { describe, expect, it } from 'vitest';
import { makeIdNumber, VerificationRequest } from '../../../schemas/index.ts';
import { federatedFanOut } from '../../../src/core/federation/peer-fan-out.ts';
import { registrationEvidence, registrationsOf } from '../../../src/core/federation/registration.ts';
import type { FanOut } from '../../../src/core/registry-fan-out.ts';
import { requestFor } from '../../support/requests.ts';

const applicant = makeIdNumber('320104', '1979-01-02', 5);
const spouse = makeIdNumber('320102', '1981-04-05', 6);
const child = makeIdNumber('320583', '2012-07-08', 7);

const request = VerificationRequest.parse(
  requestFor({ persons: [{ idNumber: applicant, name: '测试丁', district: '320104' }] }, 0, {
    household: [
      // Born in Nanjing, now registered in Kunshan (Suzhou): the request says so.
      { idNumber: spouse, name: '测试戊', relation: 'spouse', registrationRegion: '320583' },
      { idNumber: child, name: '测试己', relation: 'child' },
    ],
  }),
);

describe('registrationsOf', () => {
  it('takes a stated region, else the address code, and names the city it belongs to', () => {
    expect(registrationsOf(request).map((r) => [r.role, r.index, r.region, r.city, r.basis])).toEqual([
      ['applicant', undefined, '320104', '320100', 'id_number_prefix'],
      ['member', 0, '320583', '320500', 'stated'],
      ['member', 1, '320583', '320500', 'id_number_prefix'],
    ]);
  });

  it('flags every assumed region in the evidence, by role and never by identity number', () => {
    const evidence = registrationEvidence(registrationsOf(request), (city) => `cn-${city}`);
    expect(evidence).toMatchObject({ source: 'registration', status: 'found', digest: '' });
    expect(evidence.facts).toEqual({
      persons: [
        {
          role: 'applicant',
          region: '320104',
          askedIn: 'cn-320100',
          assumed: true,
          basis: 'id_number_prefix',
        },
        {
          role: 'member',
          index: 0,
          region: '320583',
          askedIn: 'cn-320500',
          assumed: false,
          basis: 'stated',
        },
        {
          role: 'member',
          index: 1,
          region: '320583',
          askedIn: 'cn-320500',
          assumed: true,
          basis: 'id_number_prefix',
        },
      ],
      assumptions: 2,
    });
    for (const id of [applicant, spouse, child]) expect(JSON.stringify(evidence)).not.toContain(id);
  });

  it('refuses a registration region that is not a six-digit code', () => {
    const bad = {
      ...request,
      household: [{ idNumber: spouse, name: '测试戊', relation: 'spouse', registrationRegion: 'Suzhou' }],
    };
    expect(VerificationRequest.safeParse(bad).success).toBe(false);
  });
});

describe('federatedFanOut', () => {
  it('is the fan-out itself when no peer is trusted (a gateway without --peers is unchanged)', () => {
    const inner: FanOut = async () => ({
      answers: new Map(),
      subjectsBySource: new Map(),
      partnerAnswers: [],
      calls: [],
    });
    const options = { peers: [] } as unknown as Parameters<typeof federatedFanOut>[1];
    expect(federatedFanOut(inner, options)).toBe(inner);
  });
});
