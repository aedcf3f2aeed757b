/**
 * The chaincode's world-state layout. One key per fact, never a shared counter or
 * "latest" pointer:
 *
 * | key (composite)                              | value            |
 * | -------------------------------------------- | ---------------- |
 * | `anchor` (origin, 16-digit 2^53-1 - size)    | {@link AnchorRecord}  |
 * | `logkey` (origin, 10-digit index)            | {@link LogKeyRecord}  |
 * | `sigkey` (kid)                               | {@link SigningKeyRecord} |
 *
 * Anchor keys hold the size *inverted*, so a partial-key scan returns the newest anchor
 * first: Fabric has no reverse range scan, and the first result of that scan is the
 * "latest anchor" with no hot key. The scan is a range read, which Fabric re-runs at
 * validation (phantom-read check): two transactions that both extend the same latest
 * anchor cannot both commit.
 *
 * Values are sorted-key JSON; every record carries `docType` for CouchDB queries.
 */
import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from './canonical-json.js';
import type { PublicJwk } from './jwk.js';

type ChaincodeStub = Context['stub'];

const ANCHOR = 'anchor';
const LOG_KEY = 'logkey';
const SIGNING_KEY = 'sigkey';
const THUMBPRINT = 'sigthumb';
const SIZE_DIGITS = 16;
const INDEX_DIGITS = 10;

export interface AnchorRecord {
  readonly docType: 'anchor';
  readonly origin: string;
  readonly size: number;
  /** Root hash, standard base64 as in the checkpoint. */
  readonly rootHash: string;
  readonly rootHex: string;
  /** The signed note exactly as submitted (other cosignatures included). */
  readonly note: string;
  /** The log key's signature line (base64 of key hash || signature). */
  readonly signature: string;
  /** Index in the origin's log-key history of the key that signed it. */
  readonly keyIndex: number;
  readonly keyId: string;
  readonly verifierKey: string;
  /** Size of the anchor this one was proven consistent with; null for the first. */
  readonly previousSize: number | null;
  /** That proof (base64 hashes), so the chain of anchors re-verifies from the ledger alone. */
  readonly consistencyProof: readonly string[];
  readonly txId: string;
}

export interface LogKeyRecord {
  readonly docType: 'logKey';
  readonly origin: string;
  /** 0 for the registration, then one more for each rotation. */
  readonly index: number;
  readonly verifierKey: string;
  readonly keyName: string;
  readonly keyId: string;
  /** Anchored size at which the key took over (0 at registration). */
  readonly fromSize: number;
  /** For rotations, the note signed by both keys that authorised it; null at registration. */
  readonly rotationNote: string | null;
  readonly txId: string;
}

export interface SigningKeyRecord {
  readonly docType: 'signingKey';
  readonly kid: string;
  readonly jwk: PublicJwk;
  readonly thumbprint: string;
  readonly status: 'active' | 'retired';
  readonly registeredTxId: string;
  readonly retiredTxId: string | null;
}

/** Key of the anchor of `origin` at `size`. */
export function anchorKey(stub: ChaincodeStub, origin: string, size: number): string {
  const inverted = String(Number.MAX_SAFE_INTEGER - size).padStart(SIZE_DIGITS, '0');
  return stub.createCompositeKey(ANCHOR, [origin, inverted]);
}

export function logKeyKey(stub: ChaincodeStub, origin: string, index: number): string {
  return stub.createCompositeKey(LOG_KEY, [origin, String(index).padStart(INDEX_DIGITS, '0')]);
}

export function signingKeyKey(stub: ChaincodeStub, kid: string): string {
  return stub.createCompositeKey(SIGNING_KEY, [kid]);
}

/**
 * Key of the index from a JWK thumbprint to the kid it was registered under. It lets a
 * registration check "key never reused" with two point reads instead of a range scan, so
 * registrations of different keys in one block never conflict (no phantom read).
 */
export function thumbprintKey(stub: ChaincodeStub, thumbprint: string): string {
  return stub.createCompositeKey(THUMBPRINT, [thumbprint]);
}

/** Writes sorted-key JSON. */
export async function putRecord(stub: ChaincodeStub, key: string, record: object): Promise<void> {
  await stub.putState(key, canonicalBytes(record));
}

/** Reads a record this chaincode wrote, or undefined when the key is absent. */
export async function getRecord<T>(stub: ChaincodeStub, key: string): Promise<T | undefined> {
  const bytes = await stub.getState(key);
  return bytes === undefined || bytes.length === 0 ? undefined : decode<T>(bytes);
}

/** The anchor with the largest size, reading one entry of the newest-first scan. */
export async function latestAnchor(stub: ChaincodeStub, origin: string): Promise<AnchorRecord | undefined> {
  const [latest] = await scan<AnchorRecord>(stub, ANCHOR, [origin], () => true, 1);
  return latest;
}

/**
 * Anchors of `origin` with size at most `atMost`, newest first, up to `limit` of them.
 * Reads past the skipped newer anchors: pages walk back from the latest.
 */
export function anchorsDownFrom(
  stub: ChaincodeStub,
  origin: string,
  atMost: number,
  limit: number,
): Promise<AnchorRecord[]> {
  return scan<AnchorRecord>(stub, ANCHOR, [origin], (a) => a.size <= atMost, limit);
}

/** The origin's log keys, oldest first; the last one is current. Empty if unregistered. */
export function logKeyHistory(stub: ChaincodeStub, origin: string): Promise<LogKeyRecord[]> {
  return scan<LogKeyRecord>(stub, LOG_KEY, [origin], () => true, Number.POSITIVE_INFINITY);
}

/** Every signing key, ordered by kid. */
export function signingKeys(stub: ChaincodeStub): Promise<SigningKeyRecord[]> {
  return scan<SigningKeyRecord>(stub, SIGNING_KEY, [], () => true, Number.POSITIVE_INFINITY);
}

async function scan<T>(
  stub: ChaincodeStub,
  objectType: string,
  attributes: string[],
  keep: (record: T) => boolean,
  limit: number,
): Promise<T[]> {
  const out: T[] = [];
  if (limit <= 0) return out;
  // `break` closes the iterator (the shim's async iterator calls close()).
  for await (const kv of stub.getStateByPartialCompositeKey(objectType, attributes)) {
    const record = decode<T>(kv.value);
    if (keep(record)) out.push(record);
    if (out.length >= limit) break;
  }
  return out;
}

function decode<T>(bytes: Uint8Array): T {
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
}
