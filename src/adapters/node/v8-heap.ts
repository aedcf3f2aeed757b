/**
 * How far V8 lets the old generation grow between major collections. On a machine with memory to
 * spare V8 allows up to 4× the live heap: under saturation the gateway's heap reached 125–155 MB
 * for a live set near 35 MB, and its resident memory 250–290 MB. Measured in interleaved
 * saturation runs (issue 14; `npm run bench` reports it as `mem` and `memcost`): 40 % growth kept
 * resident memory at 186 MB for 86 % of the throughput, 80 % at 196–201 MB for 84–95 % (V8's own:
 * 274–288 MB). 80 % is the default: about 200 MB for 5–16 % of the throughput at saturation.
 *
 * V8 reads `--heap-growing-percent` at every major collection, so setting it when the gateway
 * starts takes effect at once: no flags on the command line, no second process. An operator who
 * gives the flag to node themselves (or through NODE_OPTIONS) keeps theirs.
 */
import { setFlagsFromString } from 'node:v8';

export const DEFAULT_HEAP_GROWING_PERCENT = 80;

const FLAG = '--heap-growing-percent';

/**
 * Sets V8's heap growth to `percent` (0: V8's own heuristics) unless node was started with the
 * flag. Returns the growth now in force, or undefined for V8's own.
 *
 * @example
 * limitHeapGrowth(config.heapGrowingPercent ?? DEFAULT_HEAP_GROWING_PERCENT);
 */
export function limitHeapGrowth(
  percent: number,
  given: readonly string[] = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)],
  setFlags: (flags: string) => void = setFlagsFromString,
): number | undefined {
  const mine = given.find(
    (arg) => arg === FLAG || arg.startsWith(`${FLAG}=`) || arg.startsWith('--heap_growing_percent'),
  );
  if (mine !== undefined) return Number(mine.split('=')[1]) || undefined;
  if (!Number.isInteger(percent) || percent < 0 || percent > 400)
    throw new RangeError(`heap growth must be a whole percentage from 0 to 400, not ${percent}`);
  if (percent === 0) return undefined;
  setFlags(`${FLAG}=${percent}`);
  return percent;
}
