/**
 * A deterministic synthetic population of Nanjing for the sandboxes and benchmarks:
 * households with valid GB 11643 identity numbers, plausible synthetic names, incomes
 * around the 2024 class-1 minimum wage (2490 CNY), social assistance, social-insurance
 * and disability records. Same seed, same people; no clock, no global randomness.
 * Every person is synthetic; any resemblance of a generated number to a real one is chance.
 */
import { makeIdNumber } from '../../schemas/id-number.ts';
import type {
  CivilAffairsRecord,
  DisabilityRecord,
  Fixtures,
  HrssRecord,
} from '../../schemas/registry-records.ts';

/** Options of `generatePopulation`. */
export interface PopulationOptions {
  /** Same seed, same population. */
  readonly seed: number | string;
  /** Number of persons (households are cut to fit exactly). */
  readonly size: number;
  /** The date the registries' data describe, YYYY-MM-DD. Default 2025-06-30. */
  readonly asOf?: string;
}

/** Nanjing's districts; Lishui (320117) and Gaochun (320118) are minimum-wage class 2. */
export const NANJING_DISTRICTS = [
  '320102',
  '320104',
  '320105',
  '320106',
  '320111',
  '320113',
  '320114',
  '320115',
  '320116',
  '320117',
  '320118',
] as const;

/** The minimum wage the incomes are drawn around (Jiangsu class 1 from 2024-01-01). */
const MINIMUM_WAGE = 2490;
const DAY_MS = 86_400_000;

// Rough relative populations, so Jiangning is large and Gaochun small.
const DISTRICT_WEIGHTS = [7, 10, 6, 13, 9, 10, 6, 19, 9, 5, 6] as const;
const SURNAMES =
  '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭';
const GIVEN =
  '伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国文辉玉萍红鹏飞宇浩然欣怡子涵梓轩雨晨思远嘉';

type Rng = () => number;

/** sfc32 seeded through a 128-bit string hash: fast, small, and well distributed. */
function createRng(seed: number | string): Rng {
  const text = String(seed);
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  let a = Math.imul(h3 ^ (h1 >>> 18), 597399067) >>> 0;
  let b = Math.imul(h4 ^ (h2 >>> 22), 2869860233) >>> 0;
  let c = Math.imul(h1 ^ (h3 >>> 17), 951274213) >>> 0;
  let d = Math.imul(h2 ^ (h4 >>> 19), 2716044179) >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

interface Draw {
  int(min: number, max: number): number;
  chance(p: number): boolean;
  weighted<T>(items: readonly T[], weights: readonly number[]): T;
}

function draws(rng: Rng): Draw {
  return {
    int: (min, max) => min + Math.floor(rng() * (max - min + 1)),
    chance: (p) => rng() < p,
    weighted: (items, weights) => {
      const total = weights.reduce((s, w) => s + w, 0);
      let r = rng() * total;
      for (let i = 0; i < items.length; i++) {
        r -= weights[i] ?? 0;
        if (r < 0) return items[i] as (typeof items)[number];
      }
      return items[items.length - 1] as (typeof items)[number];
    },
  };
}

const isoOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const cents = (v: number): number => Math.round(v * 100) / 100;
const tens = (v: number): number => Math.round(v / 10) * 10;

interface Member {
  readonly age: number;
  readonly male: boolean;
  readonly surname: string;
}

/**
 * Generates fixtures for `size` synthetic persons.
 * @example
 * const fixtures = generatePopulation({ seed: 42, size: 1000 });
 * fixtures.persons[0] // { idNumber: '3201…', name: '…', district: '320115' }
 */
export function generatePopulation(options: PopulationOptions): Fixtures {
  const { size } = options;
  if (!Number.isInteger(size) || size < 0) throw new TypeError('size must be a non-negative integer');
  const asOf = options.asOf ?? '2025-06-30';
  const asOfMs = Date.parse(`${asOf}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(asOfMs))
    throw new TypeError('asOf must be a YYYY-MM-DD date');
  const today = Math.floor(asOfMs / DAY_MS);
  const d = draws(createRng(options.seed));

  const fixtures: Fixtures = { persons: [], civilAffairs: [], hrss: [], disability: [], faults: [] };
  const used = new Set<string>();
  let certificates = 0;

  const given = (): string => {
    const first = GIVEN.charAt(d.int(0, GIVEN.length - 1));
    return d.chance(0.7) ? first + GIVEN.charAt(d.int(0, GIVEN.length - 1)) : first;
  };
  const birthDayOf = (age: number): number => today - Math.floor(age * 365.25) - d.int(1, 364);
  const identity = (district: string, birthDay: number, male: boolean): string => {
    const birth = isoOf(birthDay);
    // Odd sequence numbers for men, even for women (GB 11643); step by two on a clash.
    let seq = d.int(0, 499) * 2 + (male ? 1 : 0);
    for (let tries = 0; tries < 500; tries++) {
      const id = makeIdNumber(district, birth, seq);
      if (!used.has(id.slice(0, 17))) {
        used.add(id.slice(0, 17));
        return id;
      }
      seq = (seq + 2) % 1000;
    }
    return identity(district, birthDay - 1, male);
  };

  while (fixtures.persons.length < size) {
    const householdSize = Math.min(
      d.weighted([1, 2, 3, 4, 5], [22, 30, 28, 14, 6]),
      size - fixtures.persons.length,
    );
    const district = d.weighted(NANJING_DISTRICTS, DISTRICT_WEIGHTS);
    const members = composeHousehold(d, householdSize);
    const people = members.map((m) => {
      const birthDay = birthDayOf(m.age);
      const idNumber = identity(district, birthDay, m.male);
      fixtures.persons.push({ idNumber, name: m.surname + given(), district });
      return { ...m, idNumber, birthDay };
    });

    // Social insurance, and from it the household's registered income.
    let income = 0;
    for (const p of people) {
      const record = hrssRecord(d, p.idNumber, p.age, asOf);
      if (!record) continue;
      fixtures.hrss.push(record);
      income += (record.monthlyContributionBase ?? 0) + (record.monthlyPension ?? 0);
    }
    const perCapita = income / people.length;
    const head = people[0];
    if (!head) continue;

    const assistance = (
      programme: CivilAffairsRecord['programme'],
      who: typeof people,
      extra: Partial<CivilAffairsRecord> = {},
    ) => {
      const since = isoOf(today - d.int(30, 6 * 365));
      for (const p of who)
        fixtures.civilAffairs.push({ idNumber: p.idNumber, programme, status: 'active', since, ...extra });
    };
    if (perCapita < MINIMUM_WAGE * 0.45 && d.chance(0.08)) assistance('minimum_living_allowance', people);
    else if (perCapita <= MINIMUM_WAGE * 0.9 && d.chance(0.05)) assistance('low_income_family', people);
    if (people.length === 1 && head.age >= 60 && income < 500 && d.chance(0.5))
      assistance('extreme_poverty', people);
    if (d.chance(0.01)) {
      const since = today - d.int(2 * 365, 8 * 365);
      const until = Math.min(since + d.int(180, 700), today - 1);
      for (const p of people) {
        fixtures.civilAffairs.push({
          idNumber: p.idNumber,
          programme: 'minimum_living_allowance',
          status: 'ended',
          since: isoOf(since),
          until: isoOf(until),
        });
      }
    }
    if (d.chance(0.006)) {
      const since = today - d.int(5, 150);
      const until = since + 90;
      fixtures.civilAffairs.push({
        idNumber: head.idNumber,
        programme: 'temporary_assistance',
        status: until >= today ? 'active' : 'ended',
        since: isoOf(since),
        until: isoOf(until),
        reason: d.weighted(['disaster', 'illness', 'other'] as const, [3, 5, 2]),
      });
    }
    if (d.chance(0.08)) {
      fixtures.civilAffairs.push({
        idNumber: head.idNumber,
        programme: 'household_economic_check',
        status: 'active',
        since: isoOf(today - d.int(1, 300)),
        householdSize: people.length,
        householdMonthlyIncome: cents(income * (0.9 + d.int(0, 200) / 1000)),
      });
    }
    for (const p of people) {
      if (p.age < 18 && d.chance(0.003)) {
        fixtures.civilAffairs.push({
          idNumber: p.idNumber,
          programme: 'orphan',
          status: 'active',
          since: isoOf(Math.max(p.birthDay, today - d.int(30, 5 * 365))),
        });
      }
      if (d.chance(p.age >= 60 ? 0.09 : 0.04)) {
        certificates += 1;
        fixtures.disability.push(
          disabilityRecord(
            d,
            p.idNumber,
            district,
            certificates,
            Math.max(p.birthDay, today - d.int(0, 12 * 365)),
          ),
        );
      }
    }
  }
  return fixtures;
}

function composeHousehold(d: Draw, size: number): Member[] {
  const pickSurname = (): string => SURNAMES.charAt(d.int(0, SURNAMES.length - 1));
  const headAge = size === 1 ? d.int(18, 92) : d.int(24, 80);
  const head: Member = { age: headAge, male: d.chance(0.55), surname: pickSurname() };
  const members = [head];
  if (size >= 2)
    members.push({
      age: Math.min(95, Math.max(20, headAge + d.int(-5, 5))),
      male: !head.male,
      surname: pickSurname(),
    });
  // Children carry the father's surname; a fifth member is often the head's own parent.
  const father = members.find((m) => m.male) ?? head;
  for (let k = 2; k < size; k++) {
    if (k === 4 && headAge <= 62)
      members.push({
        age: Math.min(98, headAge + d.int(22, 30)),
        male: d.chance(0.5),
        surname: head.surname,
      });
    else
      members.push({
        age: d.int(0, Math.max(0, Math.min(30, headAge - 20))),
        male: d.chance(0.51),
        surname: father.surname,
      });
  }
  return members;
}

function hrssRecord(d: Draw, idNumber: string, age: number, asOf: string): HrssRecord | undefined {
  if (age < 16 || (age < 23 && d.chance(0.7))) return undefined;
  const r = d.int(0, 999) / 1000;
  if (age >= 60) {
    if (r < 0.7)
      return {
        idNumber,
        employment: 'retired',
        insuredCategory: 'urban_employee',
        monthlyPension: cents(1400 + d.int(0, 360_000) / 100),
        asOf,
      };
    // Residents' basic pension: small, and no employment.
    if (r < 0.88)
      return { idNumber, employment: 'none', monthlyPension: cents(170 + d.int(0, 25_000) / 100), asOf };
    return undefined;
  }
  if (r < 0.62) {
    const spread = d.int(0, 1000) / 1000;
    return {
      idNumber,
      employment: 'employed',
      insuredCategory: d.weighted(['urban_employee', 'migrant_worker', 'flexible'] as const, [60, 25, 15]),
      monthlyContributionBase: tens(MINIMUM_WAGE * (0.75 + 1.5 * spread * spread)),
      asOf,
    };
  }
  if (r < 0.7) return { idNumber, employment: 'unemployed_registered', asOf };
  if (r < 0.8) return { idNumber, employment: 'none', asOf };
  return undefined;
}

function disabilityRecord(
  d: Draw,
  idNumber: string,
  district: string,
  serial: number,
  issuedDay: number,
): DisabilityRecord {
  return {
    idNumber,
    certificateNo: `CDPF${district}${String(serial).padStart(8, '0')}`,
    category: d.weighted(
      ['physical', 'visual', 'hearing', 'speech', 'intellectual', 'mental', 'multiple'] as const,
      [45, 12, 15, 2, 10, 10, 6],
    ),
    grade: d.weighted([1, 2, 3, 4], [10, 20, 30, 40]),
    issuedAt: isoOf(issuedDay),
    validUntil: isoOf(issuedDay + 3652),
    ...(d.chance(0.03) ? { revoked: true } : {}),
  };
}
