/**
 * The anchor worker's rules, against an in-memory ledger that keeps the chaincode's rules
 * (size must grow, the proof must link to the latest anchor, one key per origin). The real
 * chaincode on a real network is tests/ledger/; this pins the worker's decisions.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnchorAlarm,
  type AnchorSource,
  createAnchorWorker,
} from '../../../src/core/anchoring/anchor-worker.ts';
import {
  type AnchorReceipt,
  type LedgerAnchor,
  type LedgerAnchorRecord,
  LedgerRefusal,
  LedgerUnavailable,
} from '../../../src/core/anchoring/ledger-anchor.ts';
import { base64 } from '../../../src/core/encoding.ts';
import { openCheckpoint } from '../../../src/core/log/checkpoint.ts';
import { generateNoteKey } from '../../../src/core/log/note-key.ts';
import { verifyConsistency } from '../../../src/core/log/verify.ts';
import { memoryLog } from '../../ledger/ledger-support.ts';

const ORIGIN = 'unit.test.egw.local/log';

function fakeLedger(verifierKey: string) {
  const anchors: LedgerAnchorRecord[] = [];
  let key: string | undefined;
  let tx = 0;
  const calls: string[] = [];
  /** Faults to inject into the next `anchor` call. */
  const next: ('unavailable' | 'lost_status')[] = [];
  const ledger: LedgerAnchor = {
    network: 'memory',
    channel: 'c',
    chaincode: 'cc',
    async logKey() {
      calls.push('logKey');
      return key;
    },
    async registerLogKey(_origin, k) {
      calls.push('register');
      if (key) throw new LedgerRefusal('ERR_ALREADY_REGISTERED', 'has one');
      key = k;
      return { txId: `tx${++tx}`, blockNumber: tx };
    },
    async anchor(note, proof): Promise<AnchorReceipt> {
      calls.push('anchor');
      const fault = next.shift();
      if (fault === 'unavailable') throw new LedgerUnavailable('peer down', false);
      if (!key) throw new LedgerRefusal('ERR_UNKNOWN_ORIGIN', 'no key');
      let cp: ReturnType<typeof openCheckpoint>;
      try {
        cp = openCheckpoint(note, key);
      } catch {
        throw new LedgerRefusal('ERR_BAD_SIGNATURE', 'not the current key');
      }
      const latest = anchors.at(-1);
      if (latest && cp.size <= latest.size)
        throw new LedgerRefusal('ERR_NOT_LARGER', `size ${cp.size} <= anchored ${latest.size}`);
      if (latest) {
        try {
          verifyConsistency(latest.size, cp.size, proof, Buffer.from(latest.rootHash, 'base64'), cp.rootHash);
        } catch {
          throw new LedgerRefusal('ERR_INCONSISTENT', 'fork');
        }
      }
      const txId = `tx${++tx}`;
      anchors.push({
        origin: ORIGIN,
        size: cp.size,
        rootHash: base64(cp.rootHash),
        note,
        previousSize: latest?.size ?? null,
        txId,
      });
      if (fault === 'lost_status') throw new LedgerUnavailable('commit status lost', true);
      return { txId, blockNumber: tx };
    },
    async latest() {
      calls.push('latest');
      return anchors.at(-1);
    },
    async get(_o, size) {
      return anchors.find((a) => a.size === size);
    },
    async list() {
      return [...anchors].reverse();
    },
    async blockOf(txId) {
      return Number(txId.slice(2));
    },
    close() {},
  };
  return {
    ledger,
    anchors,
    calls,
    next,
    setKey(k: string) {
      key = k;
    },
    verifierKey,
  };
}

function source(log: ReturnType<typeof memoryLog>, verifierKey: string) {
  const pending: number[] = [];
  const confirmed: { size: number; txId: string }[] = [];
  let anchored = 0;
  const src: AnchorSource = {
    origin: ORIGIN,
    verifierKey,
    async pending() {
      const size = pending.filter((s) => s > anchored).at(-1);
      return size === undefined ? undefined : { size, note: log.checkpoint(size) };
    },
    async latest() {
      return { size: log.size, note: log.checkpoint(log.size) };
    },
    async anchoredSize() {
      return anchored;
    },
    async consistency(from, to) {
      return log.proof(from, to);
    },
    async confirmed(a) {
      if (a.size <= anchored) return;
      anchored = a.size;
      confirmed.push({ size: a.size, txId: a.txId });
    },
  };
  return {
    src,
    confirmed,
    /** The log signs a checkpoint after `n` more leaves (a group commit). */
    commit(n: number) {
      log.append(n);
      pending.push(log.size);
    },
  };
}

function setup() {
  const keys = generateNoteKey(ORIGIN);
  const log = memoryLog(ORIGIN, keys.signerKey);
  const fake = fakeLedger(keys.verifierKey);
  const s = source(log, keys.verifierKey);
  const alarms: AnchorAlarm[] = [];
  const worker = createAnchorWorker({
    source: s.src,
    ledger: fake.ledger,
    retryMs: [1, 2],
    onAlarm: (a) => alarms.push(a),
  });
  return { keys, log, fake, s, alarms, worker };
}

describe('anchor worker', () => {
  it('registers the log key once, then anchors only the newest checkpoint, covering the older ones', async () => {
    const { fake, s, worker } = setup();
    s.commit(3);
    s.commit(2);
    s.commit(4);
    await worker.drain();
    expect(fake.calls.filter((c) => c === 'register')).toHaveLength(1);
    expect(fake.anchors.map((a) => a.size)).toEqual([9]);
    s.commit(1);
    s.commit(5);
    await worker.drain();
    expect(fake.anchors.map((a) => [a.size, a.previousSize])).toEqual([
      [9, null],
      [15, 9],
    ]);
    expect(s.confirmed.map((c) => c.size)).toEqual([9, 15]);
    expect(worker.alarm).toBeUndefined();
  });

  it('waits out an outage and then anchors everything signed meanwhile in one transaction', async () => {
    const { fake, s, worker } = setup();
    s.commit(2);
    fake.next.push('unavailable', 'unavailable');
    s.commit(2);
    await worker.drain();
    expect(fake.anchors.map((a) => a.size)).toEqual([4]);
    expect(worker.state).toBe('idle');
  });

  it('after a lost commit status reads the ledger instead of resubmitting: nothing anchored twice', async () => {
    const { fake, s, worker } = setup();
    s.commit(4);
    fake.next.push('lost_status');
    await worker.drain();
    expect(fake.anchors.map((a) => a.size)).toEqual([4]);
    expect(fake.calls.filter((c) => c === 'anchor')).toHaveLength(1);
    expect(s.confirmed).toEqual([{ size: 4, txId: 'tx2' }]);
  });

  it('raises one alarm and stops when the ledger holds a fork beyond this log', async () => {
    const { keys, fake, s, alarms, worker } = setup();
    const forger = memoryLog(ORIGIN, keys.signerKey);
    forger.append(50, 'forged');
    fake.setKey(keys.verifierKey);
    await fake.ledger.anchor(forger.checkpoint(50), []);
    s.commit(3);
    await worker.drain();
    await worker.drain();
    expect(alarms.map((a) => a.code)).toEqual(['ERR_LEDGER_FORK']);
    expect(worker.state).toBe('alarm');
    expect(fake.calls.filter((c) => c === 'anchor')).toHaveLength(1); // the forger's only
  });

  it('raises an alarm when the ledger anchored a different history at a smaller size', async () => {
    const { keys, fake, s, alarms, worker } = setup();
    const forger = memoryLog(ORIGIN, keys.signerKey);
    forger.append(2, 'forged');
    fake.setKey(keys.verifierKey);
    await fake.ledger.anchor(forger.checkpoint(2), []);
    s.commit(6);
    await worker.drain();
    expect(alarms.map((a) => a.code)).toEqual(['ERR_LEDGER_FORK']);
    expect(alarms[0]?.detail).toContain('not a prefix');
  });

  it('raises an alarm when the origin is registered with another key, and never anchors', async () => {
    const { fake, s, alarms, worker } = setup();
    fake.setKey(generateNoteKey(ORIGIN).verifierKey);
    s.commit(3);
    await worker.drain();
    expect(alarms.map((a) => a.code)).toEqual(['ERR_LOG_KEY_MISMATCH']);
    expect(fake.calls).not.toContain('anchor');
  });

  it('turns a refusal into an alarm, not a retry loop', async () => {
    const { fake, s, alarms, worker } = setup();
    s.commit(3);
    await worker.drain();
    // Somebody else's consistent anchor raced ahead, then our next one conflicts with it.
    const original = fake.ledger.anchor;
    fake.ledger.anchor = async () => {
      fake.calls.push('anchor');
      throw new LedgerRefusal('ERR_INCONSISTENT', 'size 3 to 5: root mismatch');
    };
    s.commit(2);
    worker.start();
    await new Promise((r) => setTimeout(r, 50));
    await worker.stop();
    fake.ledger.anchor = original;
    expect(alarms.map((a) => a.code)).toEqual(['ERR_INCONSISTENT']);
    expect(fake.calls.filter((c) => c === 'anchor')).toHaveLength(2);
  });
});
