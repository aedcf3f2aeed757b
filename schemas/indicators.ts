import { z } from 'zod';

/**
 * The centre's performance indicators (issue 15): counts, shares and durations per
 * Asia/Shanghai day and month, with no personal data. Definitions: README, "Console and
 * indicators".
 */

const count = z.number().int().nonnegative();
const shareOf = (what: string) =>
  z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .meta({ description: `${what}; null when the period has none to divide by` });

export const Percentiles = z
  .object({
    p50: z.number().int().nullable().meta({ description: 'Median, ms (nearest rank)' }),
    p95: z.number().int().nullable().meta({ description: '95th percentile, ms (nearest rank)' }),
  })
  .meta({ id: 'Percentiles' });

export const RegistryFigures = z
  .object({
    source: z.string().meta({ description: 'A built-in source or a partner registry kind' }),
    calls: count,
    answered: count,
    timeouts: count.meta({ description: 'Calls that hit the deadline (ERR_REGISTRY_TIMEOUT)' }),
    faults: count.meta({ description: 'Calls that failed otherwise (unreachable, refused, malformed…)' }),
    availability: shareOf('answered ÷ calls'),
    latencyMs: Percentiles,
  })
  .meta({ id: 'RegistryFigures' });

export const PeriodIndicators = z
  .object({
    period: z.string().meta({ description: 'YYYY-MM-DD (day), YYYY-MM (month) or YYYY-MM-DDTHH:00 (hour)' }),
    decisions: count,
    byOutcome: z.object({ eligible: count, ineligible: count, needs_review: count }),
    checkedOnline: count.meta({ description: 'Decisions whose evidence came complete from the registries' }),
    checkedOnlineShare: shareOf('checkedOnline ÷ decisions'),
    provisional: count,
    greenChannel: count,
    reviewRequired: count,
    superseded: count.meta({ description: 'Decisions of the period replaced by a later decision' }),
    supersededShare: shareOf('superseded ÷ decisions'),
    timeToDecisionMs: Percentiles,
    registries: z.array(RegistryFigures),
  })
  .meta({ id: 'PeriodIndicators' });

export const IndicatorReport = z
  .object({
    from: z.string(),
    to: z.string(),
    timeZone: z.literal('Asia/Shanghai'),
    days: z.array(PeriodIndicators),
    months: z.array(PeriodIndicators).meta({ description: 'Each month over the range’s days only' }),
  })
  .meta({ id: 'IndicatorReport' });

export const IndicatorQuery = z.object({
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
    .meta({ description: 'First Asia/Shanghai date, inclusive', example: '2026-12-01' }),
  to: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
    .meta({ description: 'Last Asia/Shanghai date, inclusive (at most 366 days)', example: '2026-12-03' }),
  format: z.enum(['json', 'csv']).default('json'),
});
