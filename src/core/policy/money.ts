/**
 * Money arithmetic in whole fen (0.01 CNY). Registry amounts carry at most two decimal
 * places, so converting once to integers makes every comparison exact: a per-capita
 * income one fen above the threshold must never compare equal because of floating point.
 */

/** Yuan (at most two decimals) to whole fen. @example toFen(2490.01) // 249001 */
export function toFen(yuan: number): number {
  return Math.round(yuan * 100);
}

/** Whole fen to yuan. @example fenToYuan(249001) // 2490.01 */
export function fenToYuan(fen: number): number {
  return fen / 100;
}

/**
 * A per-capita amount in yuan, rounded UP to the fen.
 * Rounding up keeps the shown figure on the same side of any whole-fen threshold as the
 * exact quotient: 7470.01 ÷ 3 = 2490.0033… shows as 2490.01, not 2490.00, so a clerk
 * never reads "2490.00 is above 2490".
 * @example perCapitaYuan(747001, 3) // 2490.01
 */
export function perCapitaYuan(totalFen: number, persons: number): number {
  return Math.ceil(totalFen / persons) / 100;
}

/**
 * A yuan amount as text for explanations: no decimals when whole, else two.
 * @example formatYuan(2490) // '2490'; formatYuan(1245.5) // '1245.50'
 */
export function formatYuan(yuan: number): string {
  return Number.isInteger(yuan) ? String(yuan) : yuan.toFixed(2);
}
