/** Reads the per-step histograms of the gateway's /metrics (Prometheus text format). */

export type StepTotals = Readonly<Record<string, { readonly sum: number; readonly count: number }>>;

/**
 * `egw_verification_step_duration_seconds_{sum,count}{step="…"}` per step.
 * @example stepTotals('x_sum{step="policy"} 0.5\nx_count{step="policy"} 10', 'x').policy // { sum: 0.5, count: 10 }
 */
export function stepTotals(text: string, metric = 'egw_verification_step_duration_seconds'): StepTotals {
  const totals: Record<string, { sum: number; count: number }> = {};
  const pattern = new RegExp(`^${metric}_(sum|count)\\{([^}]*)\\}\\s+(\\S+)`, 'gm');
  for (const m of text.matchAll(pattern)) {
    const step = /step="([^"]*)"/.exec(m[2] ?? '')?.[1];
    if (step === undefined) continue;
    const entry = totals[step] ?? { sum: 0, count: 0 };
    totals[step] = entry;
    entry[m[1] === 'sum' ? 'sum' : 'count'] += Number(m[3]);
  }
  return totals;
}

/** Mean milliseconds per observation of each step between two readings. */
export function stepMeansMs(before: StepTotals, after: StepTotals): Record<string, number> {
  const means: Record<string, number> = {};
  for (const [step, a] of Object.entries(after)) {
    const b = before[step] ?? { sum: 0, count: 0 };
    const n = a.count - b.count;
    if (n > 0) means[step] = ((a.sum - b.sum) * 1000) / n;
  }
  return means;
}
