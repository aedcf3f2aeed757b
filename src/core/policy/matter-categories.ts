/**
 * The matter categories the Nanjing policy knows, as data. `basis` says which article
 * places the category: art. 25 (criminal assignment), art. 32 (no economic condition),
 * art. 31 (civil matters open to aid on hardship) or none (`other`, outside art. 31's
 * list). `item` is the article's item number, used in citations.
 */
import type { Localized } from './types.ts';

export type CategoryBasis = 'art25' | 'art31' | 'art32' | 'none';

export interface MatterCategory {
  readonly code: string;
  readonly basis: CategoryBasis;
  /** Item of art. 31 or art. 32 the category falls under. */
  readonly item?: number;
  readonly labels: Localized;
}

/**
 * Every category a request may name (CONTRACT.md `matter.category`).
 * @example MATTER_CATEGORIES.find((c) => c.code === 'wage_claim')?.basis // 'art31'
 */
export const MATTER_CATEGORIES: readonly MatterCategory[] = [
  {
    code: 'criminal_assignment',
    basis: 'art25',
    labels: { 'zh-CN': '刑事案件指派辩护', en: 'assigned defence in a criminal case' },
  },
  {
    code: 'martyr_rights',
    basis: 'art32',
    item: 1,
    labels: {
      'zh-CN': '英雄烈士近亲属维护英雄烈士人格权益',
      en: "protecting a hero's or martyr's personality rights",
    },
  },
  {
    code: 'heroic_act',
    basis: 'art32',
    item: 2,
    labels: { 'zh-CN': '因见义勇为行为主张相关民事权益', en: 'civil claims arising from an act of bravery' },
  },
  {
    code: 'retrial_acquittal_compensation',
    basis: 'art32',
    item: 3,
    labels: { 'zh-CN': '再审改判无罪请求国家赔偿', en: 'state compensation after acquittal on retrial' },
  },
  {
    code: 'domestic_violence',
    basis: 'art32',
    item: 4,
    labels: {
      'zh-CN': '遭受虐待、遗弃或者家庭暴力的受害人主张相关权益',
      en: 'claims of a victim of abuse, abandonment or domestic violence',
    },
  },
  {
    code: 'state_compensation',
    basis: 'art31',
    item: 1,
    labels: { 'zh-CN': '依法请求国家赔偿', en: 'state compensation' },
  },
  {
    code: 'social_insurance',
    basis: 'art31',
    item: 2,
    labels: { 'zh-CN': '请求给予社会保险待遇', en: 'social-insurance benefits' },
  },
  {
    code: 'social_assistance_benefit',
    basis: 'art31',
    item: 2,
    labels: { 'zh-CN': '请求给予社会救助', en: 'social assistance benefits' },
  },
  {
    code: 'pension_for_bereaved',
    basis: 'art31',
    item: 3,
    labels: { 'zh-CN': '请求发给抚恤金', en: 'pensions for the bereaved or disabled servicemen' },
  },
  {
    code: 'maintenance',
    basis: 'art31',
    item: 4,
    labels: { 'zh-CN': '请求给付赡养费、抚养费、扶养费', en: 'maintenance' },
  },
  {
    code: 'labour_relation',
    basis: 'art31',
    item: 5,
    labels: { 'zh-CN': '请求确认劳动关系', en: 'confirming a labour relation' },
  },
  {
    code: 'wage_claim',
    basis: 'art31',
    item: 5,
    labels: { 'zh-CN': '请求支付劳动报酬', en: 'a wage claim' },
  },
  {
    code: 'legal_capacity',
    basis: 'art31',
    item: 6,
    labels: {
      'zh-CN': '请求认定公民无民事行为能力或者限制民事行为能力',
      en: 'declaring a person without or with limited legal capacity',
    },
  },
  {
    code: 'work_injury',
    basis: 'art31',
    item: 7,
    labels: { 'zh-CN': '请求工伤事故人身损害赔偿', en: 'work-injury compensation' },
  },
  {
    code: 'traffic_accident',
    basis: 'art31',
    item: 7,
    labels: { 'zh-CN': '请求交通事故人身损害赔偿', en: 'traffic-accident injury compensation' },
  },
  {
    code: 'food_drug_injury',
    basis: 'art31',
    item: 7,
    labels: { 'zh-CN': '请求食品药品安全事故人身损害赔偿', en: 'food or drug safety injury compensation' },
  },
  {
    code: 'medical_accident',
    basis: 'art31',
    item: 7,
    labels: { 'zh-CN': '请求医疗事故人身损害赔偿', en: 'medical-accident injury compensation' },
  },
  {
    code: 'environmental_damage',
    basis: 'art31',
    item: 8,
    labels: {
      'zh-CN': '请求环境污染、生态破坏损害赔偿',
      en: 'environmental pollution or ecological damage compensation',
    },
  },
  { code: 'other', basis: 'none', labels: { 'zh-CN': '其他事项', en: 'another matter' } },
];

/**
 * The category with a code, or undefined.
 * @example matterCategory('maintenance')?.item // 4
 */
export function matterCategory(code: string): MatterCategory | undefined {
  return MATTER_CATEGORIES.find((c) => c.code === code);
}
