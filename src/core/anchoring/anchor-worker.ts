/**
 * The anchor worker: drains the log's checkpoints to the ledger, in order, one transaction at
 * a time. Each transaction anchors the NEWEST checkpoint waiting, with a consistency proof
 * from the last anchor, so it covers every checkpoint (and every decision) signed since:
 * many decisions per ledger transaction by construction.
 *
 * Decisions never wait for it: the outbox row is written with the checkpoint, and a ledger
 * outage only lets the outbox grow. The ledger is the source of truth for what landed: after
 * any failure whose outcome is unknown the worker reads the ledger before it submits again,
 * and the chaincode refuses a second anchor of the same size, so nothing is anchored twice.
 * A refusal (fork, smaller size, unknown key) raises an alarm and stops the worker; it never
 * retries a refusal.
 */
import { decodeBase64Std } from '../log/base64-std.ts';
import { parseCheckpoint } from '../log/checkpoint.ts';
import { verifyConsistency } from '../log/verify.ts';
import {
  type AnchorReceipt,
  type LedgerAnchor,
  type LedgerAnchorRecord,
  LedgerRefusal,
  type LedgerRefusalCode,
  LedgerUnavailable,
} from './ledger-anchor.ts';

/** A checkpoint of the log: its size and signed note. */
export interface PendingCheckpoint {
  readonly size: number;
  readonly note: string;
}

/** An anchor the ledger confirmed, as the source records it. */
export interface ConfirmedAnchor extends AnchorReceipt {
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly anchoredAt: Date;
}

/**
 * What the worker anchors from: the gateway's own store (SQLite outbox) or, for the relay, a
 * gateway's public log API.
 * - `pending` MUST return the newest checkpoint larger than `anchoredSize()`, if any.
 * - `confirmed` MUST durably record the anchor and mark every checkpoint up to its size as
 *   anchored, in one write; recording the same anchor twice MUST be harmless.
 * @example
 * const worker = createAnchorWorker({ source: sqliteOutbox, ledger: fabric });
 */
export interface AnchorSource {
  readonly origin: string;
  readonly verifierKey: string;
  pending(): Promise<PendingCheckpoint | undefined>;
  /** The latest checkpoint the log signed. */
  latest(): Promise<PendingCheckpoint>;
  anchoredSize(): Promise<number>;
  consistency(from: number, to: number): Promise<readonly Uint8Array[]>;
  confirmed(anchor: ConfirmedAnchor): Promise<void>;
}

export interface AnchorAlarm {
  readonly code: LedgerRefusalCode | 'ERR_LEDGER_FORK' | 'ERR_LOG_KEY_MISMATCH';
  readonly detail: string;
  readonly at: Date;
}

export type AnchorWorkerState =
  | 'starting'
  | 'anchoring'
  | 'idle'
  | 'waiting_for_ledger'
  | 'alarm'
  | 'stopped';

export interface AnchorWorkerOptions {
  readonly source: AnchorSource;
  readonly ledger: LedgerAnchor;
  /** How often to look for new checkpoints when idle. Default 100 ms. */
  readonly pollMs?: number;
  /** First and largest wait after the ledger was unavailable. Default 250 ms and 5 s. */
  readonly retryMs?: readonly [first: number, max: number];
  readonly now?: () => Date;
  /** Called once when the worker stops on an alarm (one log line, a metric). */
  readonly onAlarm?: (alarm: AnchorAlarm) => void;
  /** Called after each confirmed anchor. */
  readonly onAnchored?: (anchor: ConfirmedAnchor) => void;
  /** Called when the ledger could not be reached (for a counter; no personal data). */
  readonly onUnavailable?: (error: LedgerUnavailable) => void;
}

/** @example const worker = createAnchorWorker(options); worker.start(); … await worker.stop(); */
export interface AnchorWorker {
  readonly state: AnchorWorkerState;
  readonly alarm: AnchorAlarm | undefined;
  /** Why the ledger could not be reached, until a later call succeeds (for `/readyz`). */
  readonly unavailable: LedgerUnavailable | undefined;
  start(): void;
  /** Runs one pass until nothing is pending (tests and the relay's `--once`). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * @example
 * const worker = createAnchorWorker({ source, ledger, onAlarm: (a) => log.error(a) });
 * worker.start();
 */
export function createAnchorWorker(options: AnchorWorkerOptions): AnchorWorker {
  const { source, ledger } = options;
  const pollMs = options.pollMs ?? 100;
  const [firstRetry, maxRetry] = options.retryMs ?? [250, 5000];
  const now = options.now ?? (() => new Date());
  let state: AnchorWorkerState = 'starting';
  let alarm: AnchorAlarm | undefined;
  let unavailable: LedgerUnavailable | undefined;
  let reconciled = false;
  let retry = firstRetry;
  let running: Promise<void> | undefined;
  let stopping = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  /** A refusal of "not larger" for this size, already reconciled once. */
  let notLargerAt: number | undefined;

  function raise(code: AnchorAlarm['code'], detail: string): void {
    alarm = { code, detail, at: now() };
    state = 'alarm';
    options.onAlarm?.(alarm);
  }

  /** Reads the ledger: registers the log key if the origin has none, records anchors that landed unseen. */
  async function reconcile(): Promise<void> {
    const key = await ledger.logKey(source.origin);
    if (key === undefined) {
      try {
        await ledger.registerLogKey(source.origin, source.verifierKey);
      } catch (error) {
        // Registered meanwhile (a racing relay, or our own earlier attempt): read it again below.
        if (!(error instanceof LedgerRefusal && error.code === 'ERR_ALREADY_REGISTERED')) throw error;
      }
      const again = await ledger.logKey(source.origin);
      if (again !== source.verifierKey) return mismatch(again);
    } else if (key !== source.verifierKey) return mismatch(key);

    const onLedger = await ledger.latest(source.origin);
    if (onLedger === undefined) {
      reconciled = true;
      return;
    }
    const local = await source.anchoredSize();
    if (onLedger.size > local) {
      const ours = await isOurs(onLedger);
      if (!ours) return;
      const blockNumber = (await ledger.blockOf(onLedger.txId)) ?? -1;
      await source.confirmed({
        size: onLedger.size,
        rootHash: rootOf(onLedger),
        txId: onLedger.txId,
        blockNumber,
        anchoredAt: now(),
      });
    }
    reconciled = true;
  }

  function mismatch(key: string | undefined): void {
    raise(
      'ERR_LOG_KEY_MISMATCH',
      `the ledger holds ${key === undefined ? 'no' : 'another'} log key for origin ${source.origin}; this gateway signs with ${source.verifierKey.split('+').slice(0, 2).join('+')}`,
    );
  }

  /** Whether the ledger's anchor is a checkpoint of this log (a prefix of what it signed since). */
  async function isOurs(anchor: LedgerAnchorRecord): Promise<boolean> {
    const latest = await source.latest();
    const mine = parseCheckpoint(bodyOf(latest.note));
    if (anchor.size > mine.size) {
      raise(
        'ERR_LEDGER_FORK',
        `the ledger anchors size ${anchor.size} of origin ${source.origin}, beyond this log's ${mine.size}: another log signs with this key`,
      );
      return false;
    }
    const proof = anchor.size === mine.size ? [] : await source.consistency(anchor.size, mine.size);
    try {
      verifyConsistency(anchor.size, mine.size, proof, rootOf(anchor), mine.rootHash);
      return true;
    } catch {
      raise(
        'ERR_LEDGER_FORK',
        `the ledger's anchor at size ${anchor.size} (root ${anchor.rootHash}) is not a prefix of this log at size ${mine.size}`,
      );
      return false;
    }
  }

  /** Anchors the newest pending checkpoint. Returns false when nothing was pending. */
  async function anchorOnce(): Promise<boolean> {
    if (!reconciled) await reconcile();
    if (alarm) return false;
    const target = await source.pending();
    if (target === undefined) return false;
    const from = await source.anchoredSize();
    const proof = from === 0 ? [] : await source.consistency(from, target.size);
    state = 'anchoring';
    let receipt: AnchorReceipt;
    try {
      receipt = await ledger.anchor(target.note, proof);
    } catch (error) {
      if (error instanceof LedgerRefusal && error.code === 'ERR_NOT_LARGER' && notLargerAt !== target.size) {
        // Perhaps our own earlier transaction landed unseen (a crash, a lost commit status):
        // read the ledger once; if that does not explain it, it is an alarm.
        notLargerAt = target.size;
        reconciled = false;
        return true;
      }
      throw error;
    }
    const confirmed: ConfirmedAnchor = {
      size: target.size,
      rootHash: parseCheckpoint(bodyOf(target.note)).rootHash,
      ...receipt,
      anchoredAt: now(),
    };
    await source.confirmed(confirmed);
    options.onAnchored?.(confirmed);
    notLargerAt = undefined;
    return true;
  }

  async function pass(): Promise<void> {
    while (!stopping && !alarm) {
      try {
        const anchored = await anchorOnce();
        retry = firstRetry;
        unavailable = undefined;
        if (!anchored) {
          if (!alarm) state = 'idle';
          return;
        }
      } catch (error) {
        if (error instanceof LedgerRefusal) {
          raise(error.code, error.detail);
          return;
        }
        if (error instanceof LedgerUnavailable) {
          // The outcome may be unknown: never resubmit before reading the ledger again.
          reconciled = false;
          unavailable = error;
          state = 'waiting_for_ledger';
          options.onUnavailable?.(error);
          await sleep(retry);
          retry = Math.min(retry * 2, maxRetry);
          continue;
        }
        throw error;
      }
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });
  }

  async function loop(): Promise<void> {
    while (!stopping && !alarm) {
      await pass();
      if (!stopping && !alarm) await sleep(pollMs);
    }
    if (stopping) state = 'stopped';
  }

  return {
    get state() {
      return state;
    },
    get alarm() {
      return alarm;
    },
    get unavailable() {
      return unavailable;
    },
    start() {
      if (running) return;
      running = loop().catch((error: unknown) => {
        raise(
          'ERR_MALFORMED',
          `anchor worker failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    },
    async drain() {
      await pass();
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      wake?.();
      await running;
      state = alarm ? 'alarm' : 'stopped';
    },
  };
}

function bodyOf(note: string): string {
  const end = note.indexOf('\n\n');
  return end === -1 ? note : note.slice(0, end + 1);
}

function rootOf(anchor: LedgerAnchorRecord): Uint8Array {
  const root = decodeBase64Std(anchor.rootHash);
  if (root === undefined || root.length !== 32)
    throw new LedgerUnavailable(`the ledger returned a malformed root for size ${anchor.size}`, false);
  return root;
}

export { LedgerRefusal, LedgerUnavailable };
