/**
 * A decision's performance figures as rows (issue 15): what both stores add to a decision's
 * write set for the indicators. Flags come from the decision itself, so a review's or a
 * re-verification's successor has them too; durations and registry calls from the write's
 * timing. Nothing here says who: no identity number, no subject hash, and the registry calls
 * do not even name their decision.
 */
import type { Decision } from '../../../schemas/index.ts';
import type { DecisionWrite } from '../../core/decision-store.ts';
import type { SqlStatement } from './sql-runner.ts';

/** The figures of one decision, ready for `decision_figures` and `registry_calls`. */
export interface FigureRows {
  readonly decisionId: string;
  readonly decidedAt: string;
  readonly provisional: 0 | 1;
  readonly greenChannel: 0 | 1;
  readonly reviewRequired: 0 | 1;
  readonly evidenceComplete: 0 | 1;
  readonly durationMs: number | null;
  readonly calls: readonly {
    readonly source: string;
    readonly result: string;
    readonly code: string | null;
    readonly latencyMs: number;
  }[];
}

/**
 * Evidence complete: the decision rested on the registries' answers alone — not provisional
 * (a declaration standing in for a missing answer) and not held for missing evidence.
 */
export function evidenceComplete(decision: Pick<Decision, 'provisional' | 'basis'>): boolean {
  return !decision.provisional && !decision.basis.some((b) => b.rule === 'missing_evidence');
}

/** @example const rows = figureRows(write); */
export function figureRows(write: DecisionWrite): FigureRows {
  const { decision } = write;
  const bit = (b: boolean | undefined): 0 | 1 => (b === true ? 1 : 0);
  return {
    decisionId: decision.id,
    decidedAt: decision.decidedAt,
    provisional: bit(decision.provisional),
    greenChannel: bit(decision.greenChannel),
    reviewRequired: bit(decision.reviewRequired),
    evidenceComplete: bit(evidenceComplete(decision)),
    durationMs: write.timing?.durationMs ?? null,
    calls: (write.timing?.registryCalls ?? []).map((c) => ({
      source: c.source,
      result: c.result,
      code: c.code ?? null,
      latencyMs: c.latencyMs,
    })),
  };
}

/** The `decision_figures` insert, one row. */
export const INSERT_FIGURES =
  'INSERT INTO decision_figures (decision_id, decided_at, provisional, green_channel, review_required, evidence_complete, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)';
const CALL_COLUMNS = '(at, source, result, code, latency_ms)';
/** The `registry_calls` insert, one row. */
export const INSERT_CALL = `INSERT INTO registry_calls ${CALL_COLUMNS} VALUES (?, ?, ?, ?, ?)`;

/** The parameters of {@link INSERT_FIGURES}. */
export function figureValues(
  rows: FigureRows,
): [string, string, number, number, number, number, number | null] {
  return [
    rows.decisionId,
    rows.decidedAt,
    rows.provisional,
    rows.greenChannel,
    rows.reviewRequired,
    rows.evidenceComplete,
    rows.durationMs,
  ];
}

/** The parameters of {@link INSERT_CALL}, per call. */
export function callValues(rows: FigureRows): [string, string, string, string | null, number][] {
  return rows.calls.map((c) => [rows.decidedAt, c.source, c.result, c.code, c.latencyMs]);
}

// D1 binds at most 100 parameters per statement: twenty calls of five.
const CALLS_PER_STATEMENT = 20;

/**
 * The rows as statements of the decision's write set: one for its figures, one per twenty
 * registry calls (the Workers sequencer batches these; better-sqlite3 runs the one-row inserts).
 * @example statements.push(...figureStatements(figureRows(write)));
 */
export function figureStatements(rows: FigureRows): SqlStatement[] {
  const statements: SqlStatement[] = [{ sql: INSERT_FIGURES, params: figureValues(rows) }];
  const calls = callValues(rows);
  for (let i = 0; i < calls.length; i += CALLS_PER_STATEMENT) {
    const part = calls.slice(i, i + CALLS_PER_STATEMENT);
    statements.push({
      sql: `INSERT INTO registry_calls ${CALL_COLUMNS} VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
      params: part.flat(),
    });
  }
  return statements;
}
