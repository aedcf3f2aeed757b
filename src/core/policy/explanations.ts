/**
 * The sentences a clerk reads to the applicant, in Chinese and English. They carry the
 * numbers the decision rests on (incomes, thresholds, dates, ages) and refer to people by
 * relation only: never an identity number, a name or a certificate number.
 */
import type { CivilAffairsRecord, Source } from '../../../schemas/index.ts';
import type { MatterCategory } from './matter-categories.ts';
import { formatYuan } from './money.ts';
import type { AppliedWage, NanjingParameters } from './parameters.ts';
import { personWords } from './registry-facts.ts';
import type { AgeGroup, DeclaredIncome, GreenReason, Income, PersonRecord } from './rule-findings.ts';
import type { Localized } from './types.ts';

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function persons(n: number): string {
  return n === 1 ? '1 person' : `${n} persons`;
}

/** 2024-01-01 → 2024年1月1日. */
function zhDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${y}年${Number(m)}月${Number(d)}日`;
}

const PROGRAMMES: Readonly<Record<CivilAffairsRecord['programme'], Localized>> = {
  minimum_living_allowance: { 'zh-CN': '最低生活保障（低保）', en: 'the minimum living allowance (dibao)' },
  extreme_poverty: { 'zh-CN': '特困人员救助供养', en: 'extreme-poverty support' },
  low_income_family: { 'zh-CN': '低收入家庭救助', en: 'low-income family status' },
  orphan: { 'zh-CN': '孤儿保障', en: 'orphan support' },
  temporary_assistance: { 'zh-CN': '临时救助', en: 'temporary assistance' },
  household_economic_check: { 'zh-CN': '家庭经济状况核对', en: 'the household economic check' },
};

export const SOURCE_NAMES: Readonly<Record<Source, Localized>> = {
  civil_affairs: { 'zh-CN': '民政部门', en: 'civil affairs' },
  hrss: { 'zh-CN': '人力资源和社会保障部门', en: 'human resources and social security (HRSS)' },
  disability: { 'zh-CN': '残疾人联合会', en: "the disabled persons' federation" },
};

const MISSING_STATUS: Readonly<Record<'unavailable' | 'out_of_scope' | 'not_queried', Localized>> = {
  unavailable: { 'zh-CN': '暂时无法取得信息', en: 'was unavailable' },
  out_of_scope: { 'zh-CN': '不在您授权查询的范围内', en: 'is not covered by your consent' },
  not_queried: { 'zh-CN': '未查询', en: 'was not queried' },
};

export function explainCriminalAssignment(): Localized {
  return {
    'zh-CN':
      '本案为刑事案件中应当指派辩护人的情形，由法律援助机构指派律师，不审查经济状况，也不查询任何部门信息。',
    en: 'This is a criminal case in which the legal aid centre assigns a defender: there is no economic check and no registry is queried.',
  };
}

export function explainNoEconomicCondition(category: MatterCategory): Localized {
  return {
    'zh-CN': `您申请援助的事项属于“${category.labels['zh-CN']}”，依法不受经济困难条件限制，不查询任何部门信息。`,
    en: `Your matter (${category.labels.en}) is exempt by law from the economic-hardship condition; no registry is queried.`,
  };
}

export function explainOutOfScope(category: MatterCategory): Localized {
  return {
    'zh-CN': `您申请的民事事项（${category.labels['zh-CN']}）不在《法律援助法》第三十一条列举的范围内，需由工作人员审查是否属于法律、法规、规章规定的其他情形；这不是不予援助的决定。`,
    en: `Your civil matter (${category.labels.en}) is not among those listed in art. 31 of the Legal Aid Law; a clerk will review whether another law or regulation covers it. This is not a refusal.`,
  };
}

export function explainSocialAssistance(
  date: string,
  active: readonly PersonRecord<CivilAffairsRecord>[],
): Localized {
  const zh = active.map(
    ({ person, record: r }) =>
      `${personWords(person)['zh-CN']}享受${PROGRAMMES[r.programme]['zh-CN']}（自${zhDate(r.since)}起）`,
  );
  const en = active.map(
    ({ person, record: r }) =>
      `${PROGRAMMES[r.programme].en} for ${personWords(person).en} (since ${r.since})`,
  );
  return {
    'zh-CN': `民政部门记录显示，截至${zhDate(date)}，${zh.join('；')}。您家庭属于社会救助对象，免予经济困难审查，符合法律援助经济条件。`,
    en: `Civil affairs records show, on ${date}, ${en.join('; ')}. Your household receives social assistance, so you are exempt from the hardship check and eligible.`,
  };
}

export function explainMigrantWorker(category: MatterCategory): Localized {
  return {
    'zh-CN': `人力资源和社会保障部门记录您的参保类别为农民工，本案为${category.labels['zh-CN']}，依法免予经济困难审查，符合法律援助经济条件。`,
    en: `Social security records list you as a migrant worker and this matter is ${category.labels.en}: you are exempt from the hardship check and eligible.`,
  };
}

export function explainSpecificGroup(
  date: string,
  age: number | undefined,
  ageGroup: AgeGroup | undefined,
  validUntil: string | undefined,
): Localized {
  const zh =
    ageGroup === 'minor'
      ? `未成年人（${age}周岁）`
      : ageGroup === 'elderly'
        ? `${age}周岁的老年人`
        : `持有有效残疾人证（有效期至${zhDate(validUntil ?? date)}）的残疾人`;
  const en =
    ageGroup === 'minor'
      ? `a minor (aged ${age})`
      : ageGroup === 'elderly'
        ? `aged ${age}`
        : `the holder of a valid disability certificate (valid until ${validUntil ?? date})`;
  return {
    'zh-CN': `${zhDate(date)}您是${zh}，人力资源和社会保障部门没有您就业或领取养老金的记录，属于无固定生活来源的特定群体，免予经济困难审查，符合法律援助经济条件。`,
    en: `On ${date} you are ${en}, and social security records show no employment and no pension for you, so you have no fixed source of living: you are exempt from the hardship check and eligible.`,
  };
}

/** The city a policy's own programmes belong to, in explanations; Nanjing unless the parameters name another. */
const NANJING: Localized = { 'zh-CN': '南京市', en: 'Nanjing' };

export function explainDisabilityCommitment(
  validUntil: string,
  signed: boolean,
  city: Localized = NANJING,
): Localized {
  return {
    'zh-CN': `残疾人联合会记录显示您持有有效的残疾人证（有效期至${zhDate(validUntil)}）。残疾人属于${city['zh-CN']}以书面承诺代替经济困难证明的困难群体，符合法律援助经济条件${signed ? '。' : '，请签署书面承诺。'}`,
    en: `The disabled persons' federation records a valid disability certificate for you (valid until ${validUntil}). Disabled people are among ${city.en}'s groups who sign a written commitment instead of proving hardship, so you are eligible${signed ? '.' : '; please sign the written commitment.'}`,
  };
}

function incomeFrom(income: Income): Localized {
  return income.source === 'household_economic_check'
    ? { 'zh-CN': '按民政部门家庭经济状况核对结果', en: 'from the civil affairs household economic check' }
    : {
        'zh-CN': '按人力资源和社会保障部门登记的缴费基数和养老金',
        en: 'from registered social-security contribution bases and pensions',
      };
}

function wageWords(wage: AppliedWage, date: string, params: NanjingParameters): Localized {
  const note = wage.region.classAssumed ? params.classAssumptionNote : undefined;
  return {
    'zh-CN': `${wage.region.names['zh-CN']}${zhDate(date)}适用的月最低工资标准${formatYuan(wage.amount)}元（${wage.wageClass}类地区，自${zhDate(wage.from)}起执行${note ? `；${note['zh-CN']}` : ''}）`,
    en: `the monthly minimum wage of CNY ${formatYuan(wage.amount)} that applies in ${wage.region.names.en} on ${date} (class ${wage.wageClass}, in force since ${wage.from}${note ? `; ${note.en}` : ''})`,
  };
}

export function explainIncome(
  finding: { income: Income; declared: DeclaredIncome; decidedBy: 'registered' | 'declared' },
  wage: AppliedWage,
  date: string,
  params: NanjingParameters,
  eligible: boolean,
): Localized {
  const { income, declared } = finding;
  const from = incomeFrom(income);
  const w = wageWords(wage, date, params);
  const pc = formatYuan(income.perCapita);
  const total = formatYuan(income.totalFen / 100);
  const dpc = formatYuan(declared.perCapita);
  const dtotal = formatYuan(declared.totalFen / 100);
  // Which figure decided, in words a clerk can read aloud (DOMAIN.md rule 7).
  const figure: Localized =
    finding.decidedBy === 'declared'
      ? {
          'zh-CN': `您申报的家庭人均月收入为${dpc}元（申报家庭月收入${dtotal}元÷${declared.householdSize}人），高于${from['zh-CN']}计算的人均${pc}元，按申报数额审查`,
          en: `The per-capita monthly income you declared is CNY ${dpc} (CNY ${dtotal} ÷ ${persons(declared.householdSize)}), higher than the registered CNY ${pc} (${from.en}), so your declared figure is the one tested`,
        }
      : {
          'zh-CN': `${from['zh-CN']}，您家庭人均月收入为${pc}元（家庭月收入${total}元÷${income.householdSize}人），不低于您申报的人均${dpc}元，按登记数额审查`,
          en: `Your household's per-capita monthly income is CNY ${pc} (CNY ${total} ÷ ${persons(income.householdSize)}, ${from.en}), not below the CNY ${dpc} per person you declared, so the registered figure is the one tested`,
        };
  return eligible
    ? {
        'zh-CN': `${figure['zh-CN']}，不高于${w['zh-CN']}，符合经济困难标准。`,
        en: `${figure.en}; it is not above ${w.en}: you meet the economic-hardship standard.`,
      }
    : {
        'zh-CN': `${figure['zh-CN']}，高于${w['zh-CN']}，不符合经济困难标准。如情况有变或记录有误，可提交证明材料申请复核。`,
        en: `${figure.en}; it is above ${w.en}: you do not meet the economic-hardship standard. If your circumstances have changed or the records are wrong, you may submit proof and ask for a review.`,
      };
}

export type OpenQuestion = 'social_assistance' | 'migrant_worker' | 'certificate' | 'fixed_source' | 'income';

const QUESTIONS: Readonly<Record<OpenQuestion, Localized>> = {
  social_assistance: {
    'zh-CN': '家庭是否享受社会救助',
    en: 'whether your household receives social assistance',
  },
  migrant_worker: { 'zh-CN': '您是否登记为农民工', en: 'whether you are registered as a migrant worker' },
  certificate: { 'zh-CN': '您是否持有有效残疾人证', en: 'whether you hold a valid disability certificate' },
  fixed_source: { 'zh-CN': '您有无固定生活来源', en: 'whether you have a fixed source of living' },
  income: { 'zh-CN': '家庭人均收入', en: "your household's per-capita income" },
};

export function explainMissingEvidence(
  missing: readonly { source: Source; status: 'unavailable' | 'out_of_scope' | 'not_queried' }[],
  questions: readonly OpenQuestion[],
  known: { income: Income; wage: AppliedWage } | undefined,
  signed: boolean,
): Localized {
  const zhMissing = missing
    .map((m) => `${SOURCE_NAMES[m.source]['zh-CN']}${MISSING_STATUS[m.status]['zh-CN']}`)
    .join('，');
  const enMissing = missing
    .map((m) => `${SOURCE_NAMES[m.source].en} ${MISSING_STATUS[m.status].en}`)
    .join('; ');
  const zhQ = questions.map((q) => QUESTIONS[q]['zh-CN']).join('；');
  const enQ = questions.map((q) => QUESTIONS[q].en).join('; ');
  const zhKnown = known
    ? `已取得的记录显示家庭人均月收入为${formatYuan(known.income.perCapita)}元，标准为${formatYuan(known.wage.amount)}元，但缺少的信息可能改变结果。`
    : '';
  const enKnown = known
    ? ` The records available show a per-capita monthly income of CNY ${formatYuan(known.income.perCapita)} against a threshold of CNY ${formatYuan(known.wage.amount)}, but the missing information could change the result.`
    : '';
  return {
    'zh-CN': `${zhMissing}，因此无法确认：${zhQ}。${zhKnown}${
      signed
        ? '您已签署个人诚信承诺，先予认定符合经济困难条件（临时认定），待信息取得后重新核实。'
        : '您未签署个人诚信承诺，本申请转由工作人员审查；这不是不予援助的决定。'
    }`,
    en: `${capitalized(enMissing)}, so the following cannot be confirmed: ${enQ}.${enKnown} ${
      signed
        ? 'You signed the integrity commitment, so you are provisionally eligible, to be re-verified once the information is available.'
        : 'You did not sign the integrity commitment, so a clerk will review the application; this is not a refusal of legal aid.'
    }`,
  };
}

const GREEN: Readonly<Record<Exclude<GreenReason, 'elderly'>, Localized>> = {
  disabled: { 'zh-CN': '持有有效残疾人证', en: 'hold a valid disability certificate' },
  orphan: { 'zh-CN': '享受孤儿保障', en: 'receive orphan support' },
  disaster: { 'zh-CN': '因灾正在接受临时救助', en: 'receive temporary assistance after a disaster' },
  illness: { 'zh-CN': '因病正在接受临时救助', en: 'receive temporary assistance for serious illness' },
};

export function explainGreenChannel(
  reasons: readonly GreenReason[],
  age: number | undefined,
  elderlyAge: number,
  city: Localized = NANJING,
): Localized {
  const zh = reasons.map((r) =>
    r === 'elderly' ? `年满${elderlyAge}周岁（现年${age}周岁）` : GREEN[r]['zh-CN'],
  );
  const en = reasons.map((r) => (r === 'elderly' ? `are ${elderlyAge} or older (aged ${age})` : GREEN[r].en));
  return {
    'zh-CN': `您${zh.join('、')}，按照${city['zh-CN']}“病残孤老灾”绿色通道优先办理。`,
    en: `You ${en.join(' and ')}, so your application is handled with priority (${city.en} green channel).`,
  };
}

export function explainDeclarationMismatch(
  income: Income,
  declaredTotal: number,
  declaredSize: number,
  declaredPerCapita: number,
  tolerancePercent: number,
): Localized {
  const from = incomeFrom(income);
  return {
    'zh-CN': `${from['zh-CN']}，登记的家庭人均月收入为${formatYuan(income.perCapita)}元，比您申报的人均月收入${formatYuan(declaredPerCapita)}元（申报家庭月收入${formatYuan(declaredTotal)}元÷${declaredSize}人）高出${tolerancePercent}%以上，请核实申报内容，申报可能与诚信承诺不符。`,
    en: `The registered per-capita monthly income (CNY ${formatYuan(income.perCapita)}, ${from.en}) is more than ${tolerancePercent} % above the per-capita income you declared (CNY ${formatYuan(declaredPerCapita)} = CNY ${formatYuan(declaredTotal)} ÷ ${persons(declaredSize)}); please check the declaration, which may not match the integrity commitment.`,
  };
}

export function explainReviewOverdue(wage: AppliedWage, date: string): Localized {
  return {
    'zh-CN': `所适用的最低工资标准（${formatYuan(wage.amount)}元，自${zhDate(wage.from)}起执行）应于${zhDate(wage.reviewBy)}前复核，至${zhDate(date)}已逾期；本决定仍按该标准作出，请管理员核实是否已有新标准。`,
    en: `The minimum wage applied (CNY ${formatYuan(wage.amount)}, in force since ${wage.from}) was due for review by ${wage.reviewBy} and is overdue on ${date}; this decision still uses it, and an operator should check whether a new rate applies.`,
  };
}
