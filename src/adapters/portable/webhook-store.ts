/**
 * The WebhookStore over any SQLite driver (better-sqlite3 on Node, D1 on Workers) through a
 * SqlRunner: the statements are the same on both, only how a write set is made atomic differs.
 * Secrets are sealed here with the data keys; the URL is not personal data.
 */
import type { Decision } from '../../../schemas/decision.ts';
import type { WebhookEventType } from '../../../schemas/webhook.ts';
import {
  type DueDelivery,
  eventIdOf,
  eventTypeOf,
  type WebhookStore,
  type WebhookView,
} from '../../core/webhooks.ts';
import type { Sealer } from './sealer.ts';
import { type SqlRunner, type SqlStatement, statement } from './sql-runner.ts';

interface DueRow {
  readonly eventId: string;
  readonly clientId: string;
  readonly type: WebhookEventType;
  readonly decisionId: string;
  readonly supersedes: string;
  readonly createdAt: string;
  readonly attempts: number;
  readonly url: string;
  readonly secretSealed: string;
  readonly outcome: Decision['outcome'];
  readonly reviewRequired: number;
  readonly at: string;
}

/**
 * @example
 * const store = createWebhookStore(sqliteRunner(db), sealer); // or d1Runner(env.DB) on Workers
 */
export function createWebhookStore(runner: SqlRunner, sealer: Sealer): WebhookStore {
  async function get(clientId: string): Promise<WebhookView | undefined> {
    const [row] = await runner.all<WebhookView>(
      statement`SELECT url, created_at AS createdAt, updated_at AS updatedAt FROM webhooks WHERE client_id = ${clientId}`,
    );
    return row;
  }

  /** Pass (a) for one webhook: the rows after its cursor, and the cursor after them, together. */
  async function enqueueFor(clientId: string, cursor: number, now: Date, limit: number): Promise<number> {
    const rows = await runner.all<{
      leafIndex: number;
      decisionId: string;
      supersedes: string;
      cause: string;
    }>(
      statement`SELECT s.leaf_index AS leafIndex, s.decision_id AS decisionId, s.superseded_id AS supersedes, s.cause AS cause
        FROM supersessions s JOIN decisions d ON d.id = s.superseded_id
        WHERE s.leaf_index > ${cursor} AND d.client_id = ${clientId}
        ORDER BY s.leaf_index LIMIT ${limit}`,
    );
    const last = rows.at(-1);
    if (last === undefined) return 0;
    // Every statement holds only while the cursor is still the one read above: a pass that
    // ran meanwhile, or a webhook deleted and registered again, makes this write set a no-op.
    const inserts: SqlStatement[] = rows.map(
      (r) => statement`INSERT OR IGNORE INTO webhook_deliveries
          (event_id, client_id, type, decision_id, superseded_id, created_at, attempts, next_attempt_at, state)
        SELECT ${eventIdOf(r.decisionId)}, ${clientId}, ${eventTypeOf(r.cause)}, ${r.decisionId}, ${r.supersedes},
          ${now.toISOString()}, 0, ${now.getTime()}, 'pending'
        WHERE EXISTS (SELECT 1 FROM webhooks WHERE client_id = ${clientId} AND cursor = ${cursor})`,
    );
    const changed = await runner.write([
      ...inserts,
      statement`UPDATE webhooks SET cursor = ${last.leafIndex} WHERE client_id = ${clientId} AND cursor = ${cursor}`,
    ]);
    return changed.slice(0, -1).reduce((sum, n) => sum + n, 0);
  }

  return {
    async put({ clientId, url, secret, at }) {
      const sealed = await sealer.seal(secret);
      // A new webhook starts at the log's latest supersession; a replaced one keeps its cursor.
      await runner.write([
        statement`INSERT INTO webhooks (client_id, url, secret_sealed, cursor, created_at, updated_at)
          VALUES (${clientId}, ${url}, ${sealed}, (SELECT coalesce(max(leaf_index), -1) FROM supersessions), ${at}, ${at})
          ON CONFLICT (client_id) DO UPDATE SET
            url = excluded.url, secret_sealed = excluded.secret_sealed, updated_at = excluded.updated_at`,
      ]);
      const stored = await get(clientId);
      if (!stored) throw new Error('the webhook vanished as it was written');
      return stored;
    },

    get,

    async remove(clientId) {
      const [, removed] = await runner.write([
        statement`DELETE FROM webhook_deliveries WHERE client_id = ${clientId} AND state = 'pending'`,
        statement`DELETE FROM webhooks WHERE client_id = ${clientId}`,
      ]);
      return (removed ?? 0) > 0;
    },

    async enqueue({ now, limit }) {
      const hooks = await runner.all<{ clientId: string; cursor: number }>(
        statement`SELECT client_id AS clientId, cursor FROM webhooks ORDER BY client_id`,
      );
      let enqueued = 0;
      for (const hook of hooks) enqueued += await enqueueFor(hook.clientId, hook.cursor, now, limit);
      return enqueued;
    },

    async due(nowMs, limit) {
      const rows = await runner.all<DueRow>(
        statement`SELECT w.event_id AS eventId, w.client_id AS clientId, w.type AS type, w.decision_id AS decisionId,
            w.superseded_id AS supersedes, w.created_at AS createdAt, w.attempts AS attempts,
            h.url AS url, h.secret_sealed AS secretSealed, d.outcome AS outcome,
            s.review_required AS reviewRequired, d.decided_at AS at
          FROM webhook_deliveries w
          JOIN webhooks h ON h.client_id = w.client_id
          JOIN decisions d ON d.id = w.decision_id
          JOIN supersessions s ON s.superseded_id = w.superseded_id
          WHERE w.state = 'pending' AND w.next_attempt_at <= ${nowMs}
          ORDER BY w.next_attempt_at LIMIT ${limit}`,
      );
      const secrets = new Map<string, Uint8Array>();
      const out: DueDelivery[] = [];
      for (const r of rows) {
        let secret = secrets.get(r.secretSealed);
        if (secret === undefined) {
          secret = await sealer.open(r.secretSealed);
          secrets.set(r.secretSealed, secret);
        }
        out.push({
          eventId: r.eventId,
          clientId: r.clientId,
          url: r.url,
          secret,
          attempts: r.attempts,
          createdAt: r.createdAt,
          change: {
            type: r.type,
            decisionId: r.decisionId,
            supersedes: r.supersedes,
            outcome: r.outcome,
            reviewRequired: r.reviewRequired === 1,
            at: r.at,
          },
        });
      }
      return out;
    },

    async settle(eventId, settlement) {
      const pending = 'AND state = ?';
      const s =
        settlement.state === 'delivered'
          ? statement`UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1,
              last_status = ${settlement.status}, delivered_at = ${settlement.at} WHERE event_id = ${eventId}`
          : settlement.state === 'pending'
            ? statement`UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ${settlement.status},
                next_attempt_at = ${settlement.nextAttemptAt} WHERE event_id = ${eventId}`
            : statement`UPDATE webhook_deliveries SET state = 'failed', attempts = attempts + 1,
                last_status = ${settlement.status} WHERE event_id = ${eventId}`;
      await runner.write([{ sql: `${s.sql} ${pending}`, params: [...s.params, 'pending'] }]);
    },
  };
}
