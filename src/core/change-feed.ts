/**
 * The change feed (issue 13), for intake systems that poll instead of receiving webhooks:
 * `GET /v1/verifications?changedSince=CURSOR` lists the caller's superseded and reviewed
 * decisions in log order. The cursor is opaque to clients: base64url of the last supersession
 * leaf index they were shown.
 */
import { base64url, fromBase64 } from './encoding.ts';
import { GatewayError } from './errors.ts';
import type { DecisionChange } from './webhooks.ts';

/** A change with its place in the log. */
export interface LoggedChange extends DecisionChange {
  /** The supersession leaf's index. */
  readonly leafIndex: number;
}

/**
 * Supersessions in log order.
 * - `changes` MUST answer the supersessions whose leaf index is above `afterLeaf`, in
 *   increasing leaf order, at most `limit`; with `clientId`, only those of decisions that
 *   client asked for (the successor is always the same client's).
 * @example const page = await feed.changes({ clientId: 'intake-a', afterLeaf: -1, limit: 100 });
 */
export interface ChangeFeedStore {
  changes(query: {
    readonly clientId?: string;
    readonly afterLeaf: number;
    readonly limit: number;
  }): Promise<readonly LoggedChange[]>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The cursor after `leafIndex` (-1: before everything).
 * @example changeCursor(41) // 'NDE'
 */
export function changeCursor(leafIndex: number): string {
  return base64url(encoder.encode(String(leafIndex)));
}

/**
 * The leaf index a cursor stands for; a cursor this gateway did not issue is a 400.
 * @example leafOfCursor('NDE') // 41
 */
export function leafOfCursor(cursor: string): number {
  const refuse = () =>
    new GatewayError('ERR_VALIDATION', 'malformed change cursor', {
      errors: [{ path: '/changedSince', message: 'not a cursor this gateway issued' }],
    });
  if (!/^[A-Za-z0-9_-]{1,24}$/.test(cursor)) throw refuse();
  let text: string;
  try {
    text = decoder.decode(fromBase64(cursor));
  } catch {
    throw refuse();
  }
  const leaf = /^(?:-1|0|[1-9]\d{0,15})$/.test(text) ? Number(text) : Number.NaN;
  // One spelling per cursor: a re-encoded variant is not one the gateway issued.
  if (!Number.isSafeInteger(leaf) || changeCursor(leaf) !== cursor) throw refuse();
  return leaf;
}

/** Default and largest page size. */
export const CHANGE_FEED_LIMIT = Object.freeze({ default: 100, max: 500 });

/**
 * One page of the feed.
 * @example const { items, next } = await readChanges(feed, { clientId: 'intake-a', cursor: undefined, limit: 100 });
 */
export async function readChanges(
  store: ChangeFeedStore,
  query: { readonly clientId?: string; readonly cursor: string | undefined; readonly limit: number },
): Promise<{ readonly items: readonly DecisionChange[]; readonly next: string }> {
  const afterLeaf = query.cursor === undefined ? -1 : leafOfCursor(query.cursor);
  const rows = await store.changes({
    ...(query.clientId === undefined ? {} : { clientId: query.clientId }),
    afterLeaf,
    limit: query.limit,
  });
  const last = rows.at(-1);
  return {
    items: rows.map(({ leafIndex: _leaf, ...change }) => change),
    next: last === undefined ? (query.cursor ?? changeCursor(-1)) : changeCursor(last.leafIndex),
  };
}
