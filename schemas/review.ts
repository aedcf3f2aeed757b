import { z } from 'zod';
import { FreeText } from './common.ts';
import { OUTCOMES } from './decision.ts';

/**
 * Why a reviewer decided as they did: a closed list, so the reason can be committed in the
 * log and counted without free text. The note says the rest, and is sealed.
 */
export const REVIEW_REASON_CODES = [
  'evidence_confirmed',
  'registry_record_corrected',
  'declaration_verified',
  'income_over_line',
  'documents_insufficient',
  'special_hardship',
  'other',
] as const;
export const ReviewReasonCode = z.enum(REVIEW_REASON_CODES);
export type ReviewReasonCode = z.infer<typeof ReviewReasonCode>;

/**
 * Every reason's label, in the languages a decision explains itself in.
 * @example REVIEW_REASON_LABELS.income_over_line.en // 'income found over the line'
 */
export const REVIEW_REASON_LABELS: Readonly<Record<ReviewReasonCode, { en: string; 'zh-CN': string }>> =
  Object.freeze({
    evidence_confirmed: { en: 'the evidence was confirmed', 'zh-CN': '证据经核实无误' },
    registry_record_corrected: { en: 'a registry record was corrected', 'zh-CN': '登记机关记录已更正' },
    declaration_verified: { en: 'the applicant’s declaration was verified', 'zh-CN': '申请人声明经核实属实' },
    income_over_line: { en: 'the income was found over the line', 'zh-CN': '经核实收入超过标准' },
    documents_insufficient: { en: 'the documents were insufficient', 'zh-CN': '证明材料不足' },
    special_hardship: { en: 'special hardship was established', 'zh-CN': '经核实存在特殊困难' },
    other: { en: 'another reason, recorded in the reviewer’s note', 'zh-CN': '其他原因（见审查人记录）' },
  });

export const ReviewRequest = z
  .strictObject({
    outcome: z.enum(OUTCOMES),
    reasonCode: ReviewReasonCode,
    note: FreeText.max(2000).meta({
      description: 'The reviewer’s note: sealed at rest, never in the log nor in the decision.',
    }),
  })
  .meta({ id: 'ReviewRequest' });
export type ReviewRequest = z.infer<typeof ReviewRequest>;
