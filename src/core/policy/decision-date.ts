/**
 * Decision dates are calendar days in Asia/Shanghai (CONTRACT.md). China has kept UTC+8
 * without daylight saving since 1991, so a fixed offset is exact for every date the policy
 * accepts and needs no time-zone database (the core also runs on Workers).
 */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * The Asia/Shanghai calendar date (YYYY-MM-DD) of an instant.
 * @example decisionDateOf(new Date('2023-12-31T16:00:00Z')) // '2024-01-01'
 */
export function decisionDateOf(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * Whether a string is a real calendar date written YYYY-MM-DD.
 * @example isCalendarDate('2023-02-29') // false
 */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}
