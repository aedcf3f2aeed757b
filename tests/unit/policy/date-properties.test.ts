/**
 * Issue 11 item 2 and 6: dates chosen by the caller must not change the outcome, and a
 * declaration above the line can never become "income CNY 0". Property tests over decision
 * dates, birth dates, consent times and incomes, against the pure request checks and the
 * policy itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeIdNumber, type VerificationRequest } from '../../../schemas/index.ts';
import { GatewayError } from '../../../src/core/errors.ts';
import { createNanjingPolicy } from '../../../src/core/policy/nanjing-policy.ts';
import { NANJING_PARAMETERS } from '../../../src/core/policy/parameters.ts';
import type { EvidenceSet } from '../../../src/core/policy/types.ts';
import { CONSENT_CLOCK_SKEW_MS, requestDateProblems, shanghaiDate } from '../../../src/core/request-dates.ts';

const policy = createNanjingPolicy();
const DAY = 86_400_000;
const EARLIEST = Date.parse(`${NANJING_PARAMETERS.effectiveFrom}T00:00:00Z`);

/** A calendar day between 1900 and 2100, as YYYY-MM-DD. */
const day = fc
  .integer({ min: Date.UTC(1900, 0, 1) / DAY, max: Date.UTC(2100, 0, 1) / DAY })
  .map((d) => new Date(d * DAY).toISOString().slice(0, 10));
/** An instant between 2000 and 2100. */
const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }).map((t) => new Date(t));

function request(birth: string, memberBirth: string, grantedAt: Date, declared = 1000): VerificationRequest {
  return {
    applicant: { idNumber: makeIdNumber('320102', birth, 11), name: '测试甲' },
    household: [{ idNumber: makeIdNumber('320102', memberBirth, 22), name: '测试乙', relation: 'child' }],
    matter: { kind: 'civil', category: 'maintenance' },
    declaration: { monthlyHouseholdIncome: declared, integrityCommitment: true },
    consent: {
      reference: 'CONSENT-PROP',
      grantedAt: grantedAt.toISOString(),
      scopes: ['civil_affairs', 'hrss', 'disability'],
    },
    region: '320100',
  };
}

/** Every registry answered and knows nobody. */
const NOBODY: EvidenceSet = {
  civil_affairs: { status: 'answered', records: new Map() },
  hrss: { status: 'answered', records: new Map() },
  disability: { status: 'answered', records: new Map() },
};

const paths = (problems: readonly { path: string }[]) => problems.map((p) => p.path);

describe('request dates (properties)', () => {
  it('a decision date after today in Asia/Shanghai is refused at /decisionDate, and only then', () => {
    fc.assert(
      fc.property(day, instant, (decisionDate, now) => {
        const r = request('1980-01-01', '2010-01-01', new Date(Date.UTC(2000, 0, 1)));
        const refused = paths(requestDateProblems(r, decisionDate, now)).includes('/decisionDate');
        expect(refused).toBe(decisionDate > shanghaiDate(now));
      }),
    );
  });

  it('a birth date after the decision date is refused at its own path, and only then', () => {
    fc.assert(
      fc.property(day, day, day, (birth, memberBirth, decisionDate) => {
        const r = request(birth, memberBirth, new Date(Date.UTC(2000, 0, 1)));
        const found = paths(requestDateProblems(r, decisionDate, new Date(Date.UTC(2100, 0, 2))));
        expect(found.includes('/applicant/idNumber')).toBe(birth > decisionDate);
        expect(found.includes('/household/0/idNumber')).toBe(memberBirth > decisionDate);
      }),
    );
  });

  it('consent granted after now (beyond the skew) or after the decision date is refused', () => {
    fc.assert(
      fc.property(instant, instant, day, (granted, now, decisionDate) => {
        const r = request('1950-01-01', '1950-01-01', granted);
        const refused = paths(requestDateProblems(r, decisionDate, now)).includes('/consent/grantedAt');
        const future = granted.getTime() > now.getTime() + CONSENT_CLOCK_SKEW_MS;
        expect(refused).toBe(future || shanghaiDate(granted) > decisionDate);
      }),
    );
  });

  it('problems never echo the birth date an identity number encodes', () => {
    fc.assert(
      fc.property(day, day, (birth, decisionDate) => {
        const r = request(birth, birth, new Date(Date.UTC(2000, 0, 1)));
        for (const p of requestDateProblems(r, decisionDate, new Date(Date.UTC(2100, 0, 2)))) {
          expect(p.message).not.toContain(birth);
          expect(p.message).not.toContain(birth.replaceAll('-', ''));
        }
      }),
    );
  });
});

describe('the policy over dates (properties)', () => {
  /** A decision date the policy covers: from its first parameter to 2100. */
  const covered = fc
    .integer({ min: EARLIEST / DAY, max: Date.UTC(2100, 0, 1) / DAY })
    .map((d) => new Date(d * DAY).toISOString().slice(0, 10));

  it('refuses a person born after the decision date; otherwise every age it states is 0 to 200', () => {
    fc.assert(
      fc.property(day, day, covered, (birth, memberBirth, date) => {
        const r = request(birth, memberBirth, new Date(Date.UTC(2000, 0, 1)));
        let decision: ReturnType<typeof policy.decide>;
        try {
          decision = policy.decide(r, date, NOBODY);
        } catch (error) {
          expect(error).toBeInstanceOf(GatewayError);
          expect((error as GatewayError).code).toBe('ERR_VALIDATION');
          expect(birth > date || memberBirth > date).toBe(true);
          return;
        }
        expect(birth <= date && memberBirth <= date).toBe(true);
        for (const b of decision.basis) {
          for (const m of b.explanations.en.matchAll(/aged (-?\d+)/g)) {
            const age = Number(m[1]);
            expect(age).toBeGreaterThanOrEqual(0);
            expect(age).toBeLessThan(201);
          }
        }
      }),
    );
  });

  it('the same request decided on two covered dates with the same parameters gives the same outcome when no age boundary lies between', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: Date.UTC(2024, 0, 1) / DAY, max: Date.UTC(2026, 0, 1) / DAY }),
        (shift, start) => {
          // Born 30 years before the first date: an adult on both, no minor or elderly boundary.
          const first = new Date(start * DAY).toISOString().slice(0, 10);
          const second = new Date((start + shift) * DAY).toISOString().slice(0, 10);
          const birth = `${Number(first.slice(0, 4)) - 30}-06-15`;
          const r = request(birth, birth, new Date(Date.UTC(2000, 0, 1)));
          const a = policy.decide(r, first, NOBODY);
          const b = policy.decide(r, second, NOBODY);
          expect(b.outcome).toBe(a.outcome);
          expect(b.greenChannel).toBe(a.greenChannel);
        },
      ),
    );
  });

  it('rule 7: the income tested is never below the declared per-capita income', () => {
    const wage = 2490; // class 1 from 2024-01-01
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        (declaredFen, baseFen) => {
          const birth = '1984-03-10';
          const id = makeIdNumber('320102', birth, 11);
          const r: VerificationRequest = {
            ...request(birth, birth, new Date(Date.UTC(2000, 0, 1)), declaredFen / 100),
            household: [],
          };
          const evidence: EvidenceSet = {
            ...NOBODY,
            hrss: {
              status: 'answered',
              records: new Map([
                [
                  id,
                  [
                    {
                      idNumber: id,
                      employment: 'employed',
                      monthlyContributionBase: baseFen / 100,
                      asOf: '2024-06-01',
                    },
                  ],
                ],
              ]),
            },
          };
          const decision = policy.decide(r, '2024-06-15', evidence);
          const tested = Math.max(declaredFen, baseFen);
          expect(decision.outcome).toBe(tested <= wage * 100 ? 'eligible' : 'ineligible');
          const hrss = decision.facts.hrss as { testedIncome?: string } | undefined;
          expect(hrss?.testedIncome).toBe(declaredFen > baseFen ? 'declared' : 'registered');
        },
      ),
    );
  });
});
