/**
 * Writes a decision's performance figures (issue 15) inside the SQLite store's integrating
 * transaction: the same rows the Workers sequencer batches (`figureStatements`), through two
 * statements prepared once.
 */
import type { DecisionWrite } from '../../core/decision-store.ts';
import {
  callValues,
  figureRows,
  figureValues,
  INSERT_CALL,
  INSERT_FIGURES,
} from '../portable/decision-figures.ts';
import type { Db } from './sqlite-database.ts';

/** MUST run inside the decision's transaction. */
export type SqliteFigureWriter = (write: DecisionWrite) => void;

/** @example const writeFigures = createSqliteFigureWriter(db); writeFigures(write); */
export function createSqliteFigureWriter(db: Db): SqliteFigureWriter {
  const insertFigures = db.$client.prepare<ReturnType<typeof figureValues>>(INSERT_FIGURES);
  const insertCall = db.$client.prepare<ReturnType<typeof callValues>[number]>(INSERT_CALL);
  return (write) => {
    const rows = figureRows(write);
    insertFigures.run(...figureValues(rows));
    for (const values of callValues(rows)) insertCall.run(...values);
  };
}
