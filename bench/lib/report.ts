/**
 * The results: one record per metric (baseline, value, ratio, spread, validity), the
 * pass/fail of each target line of issue 7, and the terminal table.
 */

export interface Target {
  /** e.g. `≤ 1.05` */
  readonly text: string;
  readonly check: (ratio: number) => boolean;
}

export const atMost = (limit: number): Target => ({ text: `≤ ${limit}`, check: (r) => r <= limit });
export const atLeast = (limit: number): Target => ({ text: `≥ ${limit}`, check: (r) => r >= limit });
export const between = (low: number, high: number): Target => ({
  text: `${low}–${high}`,
  check: (r) => r >= low && r <= high,
});

export interface MetricRecord {
  readonly id: string;
  readonly name: string;
  readonly unit: string;
  readonly baseline: number | null;
  readonly value: number | null;
  readonly ratio: number | null;
  /** (max − min) ÷ ratio over repetitions, or null for a single measurement. */
  readonly spread: number | null;
  readonly target: string | null;
  /** null when there is no target or the figure is not available. */
  readonly pass: boolean | null;
  /** Repetitions used / planned and why any were discarded or the figure is doubtful. */
  readonly validity: { readonly ok: boolean; readonly notes: readonly string[] };
  readonly detail?: unknown;
}

export function metric(
  fields: Omit<MetricRecord, 'pass' | 'target'> & { readonly target?: Target },
): MetricRecord {
  const { target, ...rest } = fields;
  const pass =
    target === undefined || rest.ratio === null || !Number.isFinite(rest.ratio)
      ? null
      : target.check(rest.ratio);
  return { ...rest, target: target?.text ?? null, pass };
}

const fmt = (v: number | null, digits = 2): string => {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  const abs = Math.abs(v);
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US');
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  return v.toFixed(digits);
};

/** A fixed-width table of the records. */
export function renderTable(records: readonly MetricRecord[]): string {
  const header = ['metric', 'what', 'baseline', 'value', 'ratio', 'spread', 'target', 'result', 'valid'];
  const rows = records.map((r) => [
    r.id,
    `${r.name}${r.unit ? ` [${r.unit}]` : ''}`,
    fmt(r.baseline),
    fmt(r.value),
    fmt(r.ratio, 3),
    r.spread === null ? '—' : `${(r.spread * 100).toFixed(0)}%`,
    r.target ?? '—',
    r.pass === null ? (r.target ? 'n/a' : '—') : r.pass ? 'PASS' : 'FAIL',
    r.validity.ok ? 'ok' : 'CHECK',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** How far a failed ratio is from its target, in words: `1.42 vs ≤ 1.15 (+23 %)`. */
export function missBy(record: MetricRecord): string {
  if (record.pass !== false || record.ratio === null || record.target === null) return '';
  const limit = Number(/[\d.]+/.exec(record.target)?.[0]);
  const off = Number.isFinite(limit) && limit !== 0 ? ((record.ratio - limit) / limit) * 100 : Number.NaN;
  return `${fmt(record.ratio, 3)} vs ${record.target}${Number.isFinite(off) ? ` (${off > 0 ? '+' : ''}${off.toFixed(0)} %)` : ''}`;
}
