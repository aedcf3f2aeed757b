/**
 * M2's rule: climbing a ladder of rates, a system keeps its throughput while its p99 stays
 * within `factor` × the floor's (B0) p99 at the same rate. A rung where the floor itself
 * is not valid (the generator fell behind or its core was saturated) ends the climb:
 * comparing against a collapsed floor would pass anything.
 */
import { median } from './stats.ts';

export interface Rung {
  readonly rate: number;
  readonly floor: readonly { readonly p99: number; readonly valid: boolean }[];
  readonly systems: Readonly<Record<string, readonly { readonly p99: number }[] | undefined>>;
}

export interface LadderOutcome {
  /** Highest rate each system passed (0 when it failed the first rung). */
  readonly kept: Readonly<Record<string, number>>;
  /** Systems that never failed before the climb ended (their figure is a lower bound). */
  readonly censored: readonly string[];
  readonly failed: readonly string[];
  /** True when an invalid floor ended the climb: no higher rung can be judged. */
  readonly stopped: boolean;
  readonly notes: readonly string[];
}

export function climbLadder(rungs: readonly Rung[], names: readonly string[], factor = 2): LadderOutcome {
  const kept: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const failed = new Set<string>();
  const notes: string[] = [];
  let stopped = false;
  for (const rung of [...rungs].sort((a, b) => a.rate - b.rate)) {
    if (failed.size === names.length) break;
    const validFloor = rung.floor.filter((r) => r.valid);
    if (validFloor.length * 2 < rung.floor.length || validFloor.length === 0) {
      notes.push(`floor (B0) not valid at ${rung.rate.toFixed(0)}/s: climb stopped there`);
      stopped = true;
      break;
    }
    const floor = median(validFloor.map((r) => r.p99));
    for (const name of names) {
      if (failed.has(name)) continue;
      const reps = rung.systems[name];
      if (!reps || reps.length === 0) continue;
      const p99 = median(reps.map((r) => r.p99));
      if (p99 <= factor * floor) kept[name] = rung.rate;
      else {
        failed.add(name);
        notes.push(
          `${name} first exceeded ${factor}×B0 p99 at ${rung.rate.toFixed(0)}/s (${p99.toFixed(0)} vs ${floor.toFixed(0)} ms)`,
        );
      }
    }
  }
  return { kept, censored: names.filter((n) => !failed.has(n)), failed: [...failed], stopped, notes };
}
