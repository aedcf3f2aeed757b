/**
 * An in-memory world state with Fabric's transaction semantics, enough for unit tests:
 * a transaction reads committed state only (never its own writes), its writes and its
 * event apply only if it returns, keys iterate in UTF-8 byte order as in LevelDB.
 * Only the stub methods the chaincode uses exist.
 */
import type { Context } from 'fabric-contract-api';
import { LogAnchorContract } from '../../src/log-anchor-contract.js';

const MIN_RUNE = '\u0000';
const MAX_RUNE = '\u{10ffff}';

interface KV {
  namespace: string;
  key: string;
  value: Uint8Array;
}

export interface TxResult<T> {
  readonly result: T;
  /** Every setEvent call of the transaction, in order. */
  readonly events: readonly { name: string; payload: string }[];
  readonly writes: ReadonlyMap<string, Uint8Array>;
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

class FakeStub {
  readonly writes = new Map<string, Uint8Array>();
  readonly events: { name: string; payload: string }[] = [];

  constructor(
    private readonly state: ReadonlyMap<string, Uint8Array>,
    private readonly txId: string,
  ) {}

  getTxID(): string {
    return this.txId;
  }

  async getState(key: string): Promise<Uint8Array> {
    return this.state.get(key) ?? new Uint8Array(0);
  }

  async putState(key: string, value: Uint8Array): Promise<void> {
    if (!(value instanceof Uint8Array)) throw new TypeError('putState takes bytes');
    this.writes.set(key, value.slice());
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    for (const part of [objectType, ...attributes]) {
      if (typeof part !== 'string' || part.length === 0)
        throw new Error('object type or attribute not a non-zero length string');
    }
    return `${MIN_RUNE}${objectType}${MIN_RUNE}${attributes.map((a) => `${a}${MIN_RUNE}`).join('')}`;
  }

  getStateByRange(startKey: string, endKey: string): Promise<unknown> & AsyncIterable<KV> {
    if (startKey.startsWith(MIN_RUNE) || endKey.startsWith(MIN_RUNE)) {
      throw new Error('getStateByRange takes simple keys only');
    }
    return this.range(startKey, endKey);
  }

  getStateByPartialCompositeKey(
    objectType: string,
    attributes: string[],
  ): Promise<unknown> & AsyncIterable<KV> {
    const prefix = this.createCompositeKey(objectType, attributes);
    return this.range(prefix, `${prefix}${MAX_RUNE}`);
  }

  setEvent(name: string, payload: Uint8Array): void {
    this.events.push({ name, payload: Buffer.from(payload).toString('utf8') });
  }

  private range(startKey: string, endKey: string): Promise<unknown> & AsyncIterable<KV> {
    const keys = [...this.state.keys()]
      .filter((k) => compareKeys(k, startKey) >= 0 && compareKeys(k, endKey) < 0)
      .sort(compareKeys);
    const rows = keys.map(
      (key): KV => ({ namespace: 'anchor', key, value: this.state.get(key) ?? new Uint8Array(0) }),
    );
    const promise = Promise.resolve(rows) as Promise<unknown> & AsyncIterable<KV>;
    promise[Symbol.asyncIterator] = async function* () {
      yield* rows;
    };
    return promise;
  }
}

/** A ledger of committed state plus the contract under test. */
export class FakeLedger {
  readonly state = new Map<string, Uint8Array>();
  readonly contract = new LogAnchorContract();
  private counter = 0;

  /**
   * Runs one transaction. On success its writes are committed; on a throw nothing is
   * and the error propagates.
   */
  async tx<T>(
    fn: (contract: LogAnchorContract, ctx: Context) => Promise<T>,
    txId?: string,
  ): Promise<TxResult<T>> {
    this.counter += 1;
    const stub = new FakeStub(this.state, txId ?? `tx${String(this.counter).padStart(4, '0')}`);
    const ctx = this.contract.createContext();
    ctx.stub = stub as unknown as Context['stub'];
    const result = await fn(this.contract, ctx);
    for (const [key, value] of stub.writes) this.state.set(key, value);
    return { result, events: [...stub.events], writes: new Map(stub.writes) };
  }

  /** The whole world state as `key -> value` text, in key order, for byte comparisons. */
  dump(): string[] {
    return [...this.state.keys()]
      .sort(compareKeys)
      .map(
        (k) => `${JSON.stringify(k)} ${Buffer.from(this.state.get(k) ?? new Uint8Array(0)).toString('utf8')}`,
      );
  }
}
