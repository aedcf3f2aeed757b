/**
 * The Nanjing policy's parameters as data: effective-dated minimum wages with their
 * sources and review dates, the region → wage-class map, and the policy's fixed numbers.
 * Operators may replace them (createNanjingPolicy({ parameters })); the policy digest
 * covers them, so a decision always names the exact parameter set it used.
 */
import type { Localized } from './types.ts';

export type WageClass = 1 | 2 | 3;

/** One Jiangsu minimum-wage notice: monthly CNY by class, from a date (Asia/Shanghai). */
export interface MinimumWageEntry {
  /** First day (YYYY-MM-DD, Asia/Shanghai) the values apply. */
  readonly from: string;
  readonly monthly: Readonly<Record<WageClass, number>>;
  /** The government notice the values come from. */
  readonly source: string;
  /** Decisions after this date still use the value but are flagged `parameter_review_overdue`. */
  readonly reviewBy: string;
}

export interface RegionEntry {
  readonly code: string;
  readonly names: Localized;
  readonly wageClass: WageClass;
  /** True when the class is an assumption (DOMAIN.md), which explanations must say. */
  readonly classAssumed: boolean;
}

export interface NanjingParameters {
  /**
   * The city whose programmes (commitment groups, green channel) explanations name. Absent
   * for Nanjing, so the shipped Nanjing parameters and their digest stay as they were.
   */
  readonly city?: Localized;
  /** The first decision date the policy applies to: the Legal Aid Law's entry into force. */
  readonly effectiveFrom: string;
  /** Sorted by `from`, ascending. */
  readonly minimumWages: readonly MinimumWageEntry[];
  readonly regions: readonly RegionEntry[];
  /** Where the district classes come from, said in explanations when one is used. */
  readonly classAssumptionNote: Localized;
  /** Minors are younger than this (years). */
  readonly adultAge: number;
  /** Art. 42(1) "elderly" and the green channel start at this age (years). */
  readonly elderlyAge: number;
  /** A registered per-capita income more than this percentage above the declared one is flagged. */
  readonly declarationTolerancePercent: number;
  /** How long a decision left open by an unavailable registry is re-verified; sorted by `from`. */
  readonly reverificationWindows: readonly ReverificationWindowEntry[];
}

/**
 * How long the gateway keeps re-asking registries that were unavailable when a decision was
 * given (issue 13), from a date. After the window a person decides (a final needs_review).
 */
export interface ReverificationWindowEntry {
  /** First decision date (YYYY-MM-DD, Asia/Shanghai) the value applies to. */
  readonly from: string;
  readonly days: number;
  /** Where the value comes from, or why it is an assumption. */
  readonly source: string;
  /** True when no rule sets the period and the value is the operator's choice. */
  readonly assumed: boolean;
}

const NOTICE = '《江苏省人民政府关于调整全省最低工资标准的通知》';

// reviewBy is three years after `from`: Jiangsu adjusts every two to three years, so only
// a value older than the upper end of that cycle is treated as overdue, not a routine one.
const district = (code: string, zh: string, en: string, wageClass: WageClass): RegionEntry => ({
  code,
  names: { 'zh-CN': `南京市${zh}`, en: `${en} District, Nanjing` },
  wageClass,
  classAssumed: true,
});

/**
 * The parameters in force for cn-320100 as shipped.
 * @example NANJING_PARAMETERS.minimumWages.at(-1)?.monthly[1] // 2490
 */
export const NANJING_PARAMETERS: NanjingParameters = {
  effectiveFrom: '2022-01-01',
  minimumWages: [
    {
      from: '2021-08-01',
      monthly: { 1: 2280, 2: 2070, 3: 1840 },
      source: `${NOTICE}（2021年8月1日起执行）/ Jiangsu Provincial Government notice adjusting the minimum wage, effective 2021-08-01`,
      reviewBy: '2024-08-01',
    },
    {
      from: '2024-01-01',
      monthly: { 1: 2490, 2: 2260, 3: 2010 },
      source: `${NOTICE}（2024年1月1日起执行）/ Jiangsu Provincial Government notice adjusting the minimum wage, effective 2024-01-01`,
      reviewBy: '2027-01-01',
    },
  ],
  regions: [
    { code: '320100', names: { 'zh-CN': '南京市', en: 'Nanjing' }, wageClass: 1, classAssumed: false },
    district('320102', '玄武区', 'Xuanwu', 1),
    district('320104', '秦淮区', 'Qinhuai', 1),
    district('320105', '建邺区', 'Jianye', 1),
    district('320106', '鼓楼区', 'Gulou', 1),
    district('320111', '浦口区', 'Pukou', 1),
    district('320113', '栖霞区', 'Qixia', 1),
    district('320114', '雨花台区', 'Yuhuatai', 1),
    district('320115', '江宁区', 'Jiangning', 1),
    district('320116', '六合区', 'Luhe', 1),
    district('320117', '溧水区', 'Lishui', 2),
    district('320118', '高淳区', 'Gaochun', 2),
  ],
  classAssumptionNote: {
    'zh-CN': '该区的最低工资类别系依据2017年分类作出的假设，可由管理员调整',
    en: "the district's minimum-wage class is an assumption based on the 2017 classification and can be changed by the operator",
  },
  adultAge: 18,
  elderlyAge: 60,
  declarationTolerancePercent: 10,
  reverificationWindows: [
    {
      from: '2022-01-01',
      days: 30,
      source:
        '《中华人民共和国法律援助法》第四十一条（申请人承诺、法律援助机构核查）；核查期限无明文规定，30日为运营方设定 / Legal Aid Law art. 41 (the applicant commits, the centre checks); no period is set by law or regulation, 30 days is the operator’s assumption',
      assumed: true,
    },
  ],
};

/**
 * The re-verification window for a decision date: the entry with the latest `from` on or
 * before it (the first entry for earlier dates).
 * @example reverificationWindowOn(NANJING_PARAMETERS, '2024-05-01').days // 30
 */
export function reverificationWindowOn(params: NanjingParameters, date: string): ReverificationWindowEntry {
  const [first] = params.reverificationWindows;
  if (!first) throw new TypeError('reverificationWindows must not be empty');
  let applied = first;
  for (const entry of params.reverificationWindows) if (entry.from <= date) applied = entry;
  return applied;
}

/** The minimum wage that applies to a region on a date, with where it came from. */
export interface AppliedWage {
  readonly amount: number;
  readonly wageClass: WageClass;
  readonly from: string;
  readonly reviewBy: string;
  readonly source: string;
  readonly region: RegionEntry;
}

/**
 * The minimum wage for a region on a decision date: the entry with the latest `from` on or
 * before the date (dates are Asia/Shanghai calendar days, so string order is date order).
 * Undefined when the region is unknown or the date precedes every entry.
 * @example minimumWageOn(NANJING_PARAMETERS, '320117', '2023-12-31')?.amount // 2070
 */
export function minimumWageOn(
  params: NanjingParameters,
  region: string,
  date: string,
): AppliedWage | undefined {
  const entry = params.regions.find((r) => r.code === region);
  if (!entry) return undefined;
  let applied: MinimumWageEntry | undefined;
  for (const wage of params.minimumWages) if (wage.from <= date) applied = wage;
  if (!applied) return undefined;
  return {
    amount: applied.monthly[entry.wageClass],
    wageClass: entry.wageClass,
    from: applied.from,
    reviewBy: applied.reviewBy,
    source: applied.source,
    region: entry,
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Problems with a parameter set, empty when it is usable. Checked eagerly when a policy is
 * created, so a bad operator edit fails at start-up and not in the middle of a decision.
 * @example parameterProblems(NANJING_PARAMETERS) // []
 */
export function parameterProblems(params: NanjingParameters): string[] {
  const problems: string[] = [];
  if (!ISO_DATE.test(params.effectiveFrom)) problems.push('effectiveFrom must be YYYY-MM-DD');
  if (params.minimumWages.length === 0) problems.push('minimumWages must not be empty');
  const first = params.minimumWages[0];
  if (first && first.from > params.effectiveFrom)
    problems.push('the first minimum wage must apply from effectiveFrom');
  params.minimumWages.forEach((w, i) => {
    if (!ISO_DATE.test(w.from) || !ISO_DATE.test(w.reviewBy))
      problems.push(`minimumWages[${i}]: dates must be YYYY-MM-DD`);
    const prev = params.minimumWages[i - 1];
    if (prev && prev.from >= w.from)
      problems.push(`minimumWages[${i}]: must be sorted by from, without duplicates`);
    for (const c of [1, 2, 3] as const) {
      const v = w.monthly[c];
      if (!(v > 0) || Math.round(v * 100) !== v * 100)
        problems.push(`minimumWages[${i}].monthly[${c}]: positive yuan, two decimals`);
    }
    if (w.source.trim() === '') problems.push(`minimumWages[${i}].source must name the notice`);
  });
  const codes = new Set<string>();
  params.regions.forEach((r, i) => {
    if (!/^\d{6}$/.test(r.code)) problems.push(`regions[${i}].code must be six digits`);
    if (codes.has(r.code)) problems.push(`regions[${i}].code appears twice`);
    codes.add(r.code);
    if (![1, 2, 3].includes(r.wageClass)) problems.push(`regions[${i}].wageClass must be 1, 2 or 3`);
  });
  if (!(params.declarationTolerancePercent >= 0)) problems.push('declarationTolerancePercent must be ≥ 0');
  if (!Number.isInteger(params.declarationTolerancePercent))
    problems.push('declarationTolerancePercent must be whole');
  if (params.reverificationWindows.length === 0) problems.push('reverificationWindows must not be empty');
  params.reverificationWindows.forEach((w, i) => {
    if (!ISO_DATE.test(w.from)) problems.push(`reverificationWindows[${i}].from must be YYYY-MM-DD`);
    if (!Number.isInteger(w.days) || w.days < 1 || w.days > 366)
      problems.push(`reverificationWindows[${i}].days must be a whole number of days, 1 to 366`);
    const prev = params.reverificationWindows[i - 1];
    if (prev && prev.from >= w.from)
      problems.push(`reverificationWindows[${i}]: must be sorted by from, without duplicates`);
    if (w.source.trim() === '')
      problems.push(`reverificationWindows[${i}].source must say where it comes from`);
  });
  return problems;
}
