/**
 * The ChangeFeedStore over any SQLite driver: supersessions in log order (the
 * `supersessions_leaf` index), joined to the decisions for the owner and the new outcome.
 */
import type { Decision } from '../../../schemas/decision.ts';
import type { ChangeFeedStore, LoggedChange } from '../../core/change-feed.ts';
import { eventTypeOf } from '../../core/webhooks.ts';
import type { SqlRunner } from './sql-runner.ts';

interface ChangeRow {
  readonly leafIndex: number;
  readonly cause: string;
  readonly decisionId: string;
  readonly supersedes: string;
  readonly outcome: Decision['outcome'];
  readonly reviewRequired: number;
  readonly at: string;
}

/** @example const feed = createChangeFeedStore(sqliteRunner(db)); */
export function createChangeFeedStore(runner: SqlRunner): ChangeFeedStore {
  return {
    async changes({ clientId, afterLeaf, limit }) {
      const columns = `SELECT s.leaf_index AS leafIndex, s.cause AS cause, s.decision_id AS decisionId,
          s.superseded_id AS supersedes, d.outcome AS outcome, s.review_required AS reviewRequired,
          d.decided_at AS at
        FROM supersessions s JOIN decisions d ON d.id = s.decision_id`;
      const rows = await runner.all<ChangeRow>(
        clientId === undefined
          ? {
              sql: `${columns} WHERE s.leaf_index > ? ORDER BY s.leaf_index LIMIT ?`,
              params: [afterLeaf, limit],
            }
          : // The superseded decision's client owns the change (the successor is the same client's).
            {
              sql: `${columns} JOIN decisions o ON o.id = s.superseded_id
                WHERE s.leaf_index > ? AND o.client_id = ? ORDER BY s.leaf_index LIMIT ?`,
              params: [afterLeaf, clientId, limit],
            },
      );
      return rows.map(
        (r): LoggedChange => ({
          leafIndex: r.leafIndex,
          type: eventTypeOf(r.cause),
          decisionId: r.decisionId,
          supersedes: r.supersedes,
          outcome: r.outcome,
          reviewRequired: r.reviewRequired === 1,
          at: r.at,
        }),
      );
    },
  };
}
