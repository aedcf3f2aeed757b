/**
 * Progress on stderr: a bar redrawn in place on a terminal, a plain line every few
 * seconds otherwise (logs, CI). Rate and ETA come from a sliding window, so a slow start
 * or a pause does not skew them for the rest of the run.
 */

/** `1h02m`, `4m05s`, `12s`; `--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

/** Rate over the last `windowMs` from (time, count) points. */
export interface RateWindow {
  add(timeMs: number, count: number): void;
  /** Per second; NaN until two points span some time. */
  rate(): number;
}

export function createRateWindow(windowMs = 10_000): RateWindow {
  const points: { t: number; n: number }[] = [];
  return {
    add(t, n) {
      points.push({ t, n });
      while (points.length > 2 && (points[1]?.t ?? t) <= t - windowMs) points.shift();
    },
    rate() {
      const first = points[0];
      const last = points[points.length - 1];
      if (!first || !last || last.t <= first.t) return Number.NaN;
      return ((last.n - first.n) * 1000) / (last.t - first.t);
    },
  };
}

export interface ProgressState {
  readonly done: number;
  readonly total: number;
  readonly ratePerSecond: number;
  readonly errors: number;
}

/**
 * One progress line; with `width` a bar of that many cells.
 * @example progressLine({ done: 50, total: 200, ratePerSecond: 10, errors: 0 }, 10)
 * // '[##‧‧‧‧‧‧‧‧]  50/200  25.0%  10.0/s  ETA 15s  errors 0' (bar shown with '-')
 */
export function progressLine(state: ProgressState, width?: number): string {
  const share = state.total > 0 ? Math.min(1, state.done / state.total) : 0;
  const eta = state.ratePerSecond > 0 ? (state.total - state.done) / state.ratePerSecond : Number.NaN;
  const bar = width === undefined ? '' : `[${'#'.repeat(Math.round(share * width)).padEnd(width, '-')}] `;
  const rate = Number.isFinite(state.ratePerSecond) ? state.ratePerSecond.toFixed(1) : '--';
  return `${bar}${state.done}/${state.total}  ${(share * 100).toFixed(1)}%  ${rate}/s  ETA ${formatDuration(eta)}  errors ${state.errors}`;
}

export interface ProgressDisplay {
  update(state: ProgressState): void;
  /** Ends the bar's line (terminal) so the summary starts on a fresh one. */
  finish(state: ProgressState): void;
}

export interface ProgressDisplayOptions {
  readonly stream: { write(text: string): unknown; readonly isTTY?: boolean };
  /** Plain-line period when not a terminal, ms. Default 10 s. */
  readonly everyMs?: number;
  readonly now?: () => number;
}

export function createProgressDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  const now = options.now ?? (() => Date.now());
  const tty = options.stream.isTTY === true;
  const every = tty ? 200 : (options.everyMs ?? 10_000);
  let last = now();
  return {
    update(state) {
      const t = now();
      if (t - last < every) return;
      last = t;
      if (tty) options.stream.write(`\r${progressLine(state, 30)}\x1b[K`);
      else options.stream.write(`batch: ${progressLine(state)}\n`);
    },
    finish(state) {
      if (tty) options.stream.write(`\r${progressLine(state, 30)}\x1b[K\n`);
      else options.stream.write(`batch: ${progressLine(state)}\n`);
    },
  };
}
