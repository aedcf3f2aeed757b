import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatePopulation, NANJING_DISTRICTS } from '../../../connectors/population/generate-population.ts';
import { birthDateOf, idNumberProblem } from '../../../schemas/id-number.ts';
import { Fixtures } from '../../../schemas/registry-records.ts';

describe('generatePopulation', () => {
  const sample = generatePopulation({ seed: 1, size: 5_000 });

  it('is deterministic: the same seed gives the same people, another seed other people', () => {
    expect(generatePopulation({ seed: 1, size: 5_000 })).toEqual(sample);
    expect(generatePopulation({ seed: '1', size: 5_000 })).toEqual(sample);
    const other = generatePopulation({ seed: 2, size: 5_000 });
    expect(other.persons[0]).not.toEqual(sample.persons[0]);
  });

  it('produces valid fixtures: the schema accepts them, identity numbers are valid and unique', () => {
    expect(Fixtures.parse(sample)).toEqual(sample);
    const ids = sample.persons.map((p) => p.idNumber);
    expect(ids.filter((id) => idNumberProblem(id) !== undefined)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('places everyone in a Nanjing district that matches their identity number, Lishui and Gaochun included', () => {
    const districts = new Set(sample.persons.map((p) => p.district));
    expect([...districts].sort()).toEqual([...NANJING_DISTRICTS].sort());
    expect(sample.persons.every((p) => p.idNumber.startsWith(p.district))).toBe(true);
    expect(sample.persons.every((p) => /^[\u4e00-\u9fff]{2,3}$/.test(p.name))).toBe(true);
  });

  it('only describes people it generated, and has data for every registry and programme', () => {
    const ids = new Set(sample.persons.map((p) => p.idNumber));
    for (const list of [sample.civilAffairs, sample.hrss, sample.disability]) {
      expect(list.every((r) => ids.has(r.idNumber))).toBe(true);
    }
    expect(new Set(sample.civilAffairs.map((r) => r.programme))).toEqual(
      new Set([
        'minimum_living_allowance',
        'extreme_poverty',
        'low_income_family',
        'orphan',
        'temporary_assistance',
        'household_economic_check',
      ]),
    );
    expect(new Set(sample.hrss.map((r) => r.employment))).toEqual(
      new Set(['employed', 'unemployed_registered', 'retired', 'none']),
    );
    expect(sample.disability.length).toBeGreaterThan(100);
    expect(sample.faults).toEqual([]);
    // Minors, the elderly, and people no registry knows all occur.
    const ages = sample.persons.map((p) => 2025 - Number(birthDateOf(p.idNumber)?.slice(0, 4)));
    expect(ages.some((a) => a < 18)).toBe(true);
    expect(ages.some((a) => a >= 60)).toBe(true);
    const known = new Set(
      [...sample.civilAffairs, ...sample.hrss, ...sample.disability].map((r) => r.idNumber),
    );
    expect(sample.persons.some((p) => !known.has(p.idNumber))).toBe(true);
  });

  it('draws contribution bases around the 2490 CNY minimum wage', () => {
    const bases = sample.hrss
      .flatMap((r) => (r.monthlyContributionBase === undefined ? [] : [r.monthlyContributionBase]))
      .sort((a, b) => a - b);
    const median = bases[Math.floor(bases.length / 2)] ?? 0;
    expect(median).toBeGreaterThan(2490 * 0.8);
    expect(median).toBeLessThan(2490 * 1.6);
    expect(bases.some((b) => b <= 2490)).toBe(true);
    expect(bases.some((b) => b > 2490)).toBe(true);
  });

  it('generates 100000 people quickly', () => {
    const started = performance.now();
    const big = generatePopulation({ seed: 'bench', size: 100_000 });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(big.persons).toHaveLength(100_000);
    expect(new Set(big.persons.map((p) => p.idNumber)).size).toBe(100_000);
  });

  it('for any seed and size, gives exactly that many valid, distinct people', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.string()), fc.integer({ min: 0, max: 200 }), (seed, size) => {
        const fixtures = generatePopulation({ seed, size });
        expect(fixtures.persons).toHaveLength(size);
        expect(new Set(fixtures.persons.map((p) => p.idNumber)).size).toBe(size);
        expect(Fixtures.safeParse(fixtures).success).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses a bad size or date', () => {
    expect(() => generatePopulation({ seed: 1, size: -1 })).toThrow('size must be a non-negative integer');
    expect(() => generatePopulation({ seed: 1, size: 1, asOf: '2025-13-01' })).toThrow(
      'asOf must be a YYYY-MM-DD date',
    );
  });
});
