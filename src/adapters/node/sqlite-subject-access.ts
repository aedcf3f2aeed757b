/**
 * The SQLite store's data-subject rights: the data tracker's look-up (`subjectAccess`) and
 * crypto-shredding (`forgetSubject`). Together because forgetting is defined by what the
 * tracker can no longer find: both key on the same lookup hash.
 */
import { eq, inArray } from 'drizzle-orm';
import type { DecisionStore } from '../../core/decision-store.ts';
import { accessRecords, decisions, logLeaves, subjectKeys } from '../portable/schema.ts';
import type { Sealer } from '../portable/sealer.ts';
import { trackerEntries } from '../portable/subject-access.ts';
import type { Db } from './sqlite-database.ts';

export interface SqliteSubjectAccess {
  subjectAccess: DecisionStore['subjectAccess'];
  /** See `SqliteStore.forgetSubject`. */
  forgetSubject(idNumber: string): boolean;
}

/** A lookup hash is never empty: rows of forgotten subjects match nobody. */
const FORGOTTEN = '';

/**
 * @example
 * const subjects = createSqliteSubjectAccess(db, sealer);
 * subjects.forgetSubject(idNumber);
 */
export function createSqliteSubjectAccess(db: Db, sealer: Sealer): SqliteSubjectAccess {
  return {
    async subjectAccess(idNumber) {
      const hash = sealer.lookupHash(idNumber);
      const accessRows = db.select().from(accessRecords).where(eq(accessRecords.subjectHash, hash)).all();
      const decisionRows = db.select().from(decisions).where(eq(decisions.subjectHash, hash)).all();
      const decisionIds = [...new Set(accessRows.map((a) => a.decisionId))];
      const owners =
        decisionIds.length === 0
          ? []
          : db
              .select({ id: decisions.id, clientId: decisions.clientId, leafIndex: decisions.leafIndex })
              .from(decisions)
              .where(inArray(decisions.id, decisionIds))
              .all();
      const readLeaves = async (indices: readonly number[]) =>
        new Map(
          indices.length === 0
            ? []
            : db
                .select()
                .from(logLeaves)
                .where(inArray(logLeaves.idx, [...indices]))
                .all()
                .map((r) => [r.idx, new Uint8Array(r.leaf)] as const),
        );
      return trackerEntries(sealer, { accessRows, decisionRows, owners }, readLeaves);
    },

    forgetSubject(idNumber) {
      const hash = sealer.lookupHash(idNumber);
      return db.$client.transaction(() => {
        const keys = db.delete(subjectKeys).where(eq(subjectKeys.subjectHash, hash)).run().changes;
        const accessed = db
          .update(accessRecords)
          .set({ subjectHash: FORGOTTEN })
          .where(eq(accessRecords.subjectHash, hash))
          .run().changes;
        const decided = db
          .update(decisions)
          .set({ subjectHash: FORGOTTEN })
          .where(eq(decisions.subjectHash, hash))
          .run().changes;
        return keys + accessed + decided > 0;
      })();
    },
  };
}
