/**
 * Answers come back out of order; what may be skipped on resume is only the longest
 * prefix of lines that are ALL answered. Lines answered beyond it are sent again after a
 * crash, which the idempotency keys make harmless (the gateway replays the decision).
 */
export interface AnsweredPrefix {
  /** Marks line `index` (0-based, ≥ the starting prefix) answered. */
  done(index: number): void;
  /** Lines 0..prefix-1 are all answered. */
  readonly prefix: number;
  /** Answered lines beyond the prefix (bounded by the in-flight limit). */
  readonly ahead: number;
}

/** @example const p = createAnsweredPrefix(0); p.done(1); p.prefix // 0; p.done(0); p.prefix // 2 */
export function createAnsweredPrefix(start: number): AnsweredPrefix {
  let prefix = start;
  const ahead = new Set<number>();
  return {
    done(index) {
      if (index < prefix) return;
      ahead.add(index);
      while (ahead.delete(prefix)) prefix += 1;
    },
    get prefix() {
      return prefix;
    },
    get ahead() {
      return ahead.size;
    },
  };
}
