/**
 * GB 11643-1999 resident identity numbers: 6-digit division code, 8-digit birth date,
 * 3-digit sequence (odd for men), and an ISO 7064 MOD 11-2 check character.
 * Pure functions, shared by the schemas, the core and the synthetic population generator.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** The check character for the first 17 digits. @example checkCharacter('11010519491231002') // 'X' */
export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17.charCodeAt(i) - 48) * (WEIGHTS[i] ?? 0);
  return CHECK_CHARS.charAt(sum % 11);
}

/** The birth date (YYYY-MM-DD) encoded in a valid identity number, or undefined. */
export function birthDateOf(idNumber: string): string | undefined {
  const m = /^\d{6}(\d{4})(\d{2})(\d{2})\d{3}[\dX]$/.exec(idNumber);
  if (!m) return undefined;
  const [, y, mo, d] = m as unknown as [string, string, string, string];
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(mo) - 1 ||
    date.getUTCDate() !== Number(d)
  ) {
    return undefined;
  }
  if (Number(y) < 1900) return undefined;
  return `${y}-${mo}-${d}`;
}

/** Why an identity number is invalid, or undefined when it is valid. Never echoes the number. */
export function idNumberProblem(idNumber: string): 'format' | 'birth_date' | 'check_digit' | undefined {
  if (!/^\d{17}[\dX]$/.test(idNumber)) return 'format';
  if (!birthDateOf(idNumber)) return 'birth_date';
  if (checkCharacter(idNumber.slice(0, 17)) !== idNumber.charAt(17)) return 'check_digit';
  return undefined;
}

/** Builds a valid identity number. @example makeIdNumber('320102', '1980-05-17', 123) */
export function makeIdNumber(division: string, birthDate: string, sequence: number): string {
  const first17 = `${division}${birthDate.replaceAll('-', '')}${String(sequence % 1000).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

/** Age in whole years on a date (YYYY-MM-DD). */
export function ageOn(birthDate: string, date: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
