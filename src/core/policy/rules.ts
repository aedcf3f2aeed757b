/**
 * The rules of cn-320100 in the order DOMAIN.md gives them, each with its legal citation.
 * Order matters: basis entries are listed in this order, flags (kind `flag`) last.
 */
import type { RuleId } from '../../../schemas/decision.ts';

export interface RuleDefinition {
  readonly id: RuleId;
  /** 1–8 for the deciding rules (6 covers both art. 42(1) and the commitment groups); flags after. */
  readonly step: number;
  readonly kind: 'decision' | 'flag';
  readonly citation: string;
}

const LAW = '《中华人民共和国法律援助法》';
const JIANGSU = '《江苏省法律援助条例》（2025年1月1日起施行）';

/**
 * Every rule with its citation, in basis order.
 * @example NANJING_RULES.find((r) => r.id === 'social_assistance')?.citation
 */
export const NANJING_RULES: readonly RuleDefinition[] = [
  {
    id: 'criminal_assignment',
    step: 1,
    kind: 'decision',
    citation: `${LAW}第二十五条 / Legal Aid Law art. 25`,
  },
  {
    id: 'no_economic_condition',
    step: 2,
    kind: 'decision',
    citation: `${LAW}第三十二条 / Legal Aid Law art. 32`,
  },
  {
    id: 'matter_out_of_scope',
    step: 3,
    kind: 'decision',
    citation: `${LAW}第三十一条 / Legal Aid Law art. 31`,
  },
  {
    id: 'social_assistance',
    step: 4,
    kind: 'decision',
    citation: `${LAW}第四十二条第二项 / Legal Aid Law art. 42(2)`,
  },
  {
    id: 'migrant_worker',
    step: 5,
    kind: 'decision',
    citation: `${LAW}第四十二条第三项 / Legal Aid Law art. 42(3)`,
  },
  {
    id: 'specific_group',
    step: 6,
    kind: 'decision',
    citation: `${LAW}第四十二条第一项 / Legal Aid Law art. 42(1)`,
  },
  {
    id: 'disability_commitment_group',
    step: 6,
    kind: 'decision',
    citation: `${JIANGSU}；南京市困难群体书面承诺制度 / Jiangsu Legal Aid Regulations (in force 2025-01-01); Nanjing commitment groups`,
  },
  {
    id: 'income_test',
    step: 7,
    kind: 'decision',
    citation: `${LAW}第三十四条；${JIANGSU} / Legal Aid Law art. 34; Jiangsu Legal Aid Regulations (in force 2025-01-01)`,
  },
  { id: 'missing_evidence', step: 8, kind: 'decision', citation: `${LAW}第四十一条 / Legal Aid Law art. 41` },
  {
    id: 'green_channel',
    step: 9,
    kind: 'flag',
    citation: `${JIANGSU}；南京市“病残孤老灾”绿色通道 / Jiangsu Legal Aid Regulations; Nanjing green channel (sick, disabled, orphaned, elderly, disaster-stricken)`,
  },
  {
    id: 'declaration_mismatch',
    step: 10,
    kind: 'flag',
    citation: `${LAW}第四十一条 / Legal Aid Law art. 41`,
  },
  {
    id: 'parameter_review_overdue',
    step: 11,
    kind: 'flag',
    citation: `${LAW}第三十四条（动态调整） / Legal Aid Law art. 34 (standard adjusted over time)`,
  },
];

/**
 * The citation of a rule; art. 32 is narrowed to the item the matter falls under.
 * @example citationOf('no_economic_condition', 4) // '…第三十二条第四项 / Legal Aid Law art. 32(4)'
 */
export function citationOf(rule: RuleId, item?: number): string {
  const base = NANJING_RULES.find((r) => r.id === rule)?.citation ?? '';
  if (item === undefined || rule !== 'no_economic_condition') return base;
  const zhItem = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九'][item] ?? String(item);
  return base.replace('第三十二条', `第三十二条第${zhItem}项`).replace(/art\. 32$/, `art. 32(${item})`);
}
