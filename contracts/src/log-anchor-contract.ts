// biome-ignore lint/style/useImportType: Context must be a value: decorator metadata names it, and the contract API drops that parameter only when it sees the class.
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { canonicalBytes, canonicalJson } from './canonical-json.js';
import { checkOrigin, parseCheckpoint, parseSize } from './checkpoint.js';
import { fromBase64, toBase64, toHex } from './encoding.js';
import { AnchorError, malformed } from './errors.js';
import { checkKid, jwkThumbprint, parsePublicJwk } from './jwk.js';
import {
  type AnchorRecord,
  anchorKey,
  anchorsDownFrom,
  getRecord,
  type LogKeyRecord,
  latestAnchor,
  logKeyHistory,
  logKeyKey,
  putRecord,
  type SigningKeyRecord,
  signingKeyKey,
  signingKeys,
  thumbprintKey,
} from './ledger.js';
import { emptyRoot, verifyConsistency } from './merkle.js';
import { parseNote, parseVerifierKey, sameKey, signatureBy, type Verifier } from './note.js';
import { parseProofJson } from './proof-json.js';

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;

/**
 * Anchors the gateway's transparency-log checkpoints and records its keys.
 *
 * Every endorsing peer re-verifies each checkpoint: signed by the origin's current log
 * key, larger than the latest anchor, and consistent with it (RFC 9162). A forked or
 * rewritten log is refused at endorsement. Functions take strings and return
 * sorted-key JSON; optional arguments are passed as `''`. Errors are
 * `Error('<CODE>: <detail>')` with the codes of `errors.ts`. Each submit transaction
 * emits exactly one event; nothing reads a clock or randomness.
 */
@Info({ title: 'LogAnchorContract', description: 'Transparency-log checkpoint anchors and key history' })
export class LogAnchorContract extends Contract {
  constructor() {
    super('anchor');
  }

  /** Registers the first log key of `origin`. Refuses an origin that has one (use RotateLogKey). */
  @Transaction()
  @Returns('string')
  async RegisterLogKey(ctx: Context, origin: string, verifierKey: string): Promise<string> {
    checkOrigin(origin);
    const verifier = parseVerifierKey(verifierKey);
    const history = await logKeyHistory(ctx.stub, origin);
    if (history.length > 0) {
      throw new AnchorError(
        'ERR_ALREADY_REGISTERED',
        `origin ${origin} already has a log key; use RotateLogKey`,
      );
    }
    const record = logKeyRecord(ctx, origin, 0, verifier, 0, null);
    await putRecord(ctx.stub, logKeyKey(ctx.stub, origin, 0), record);
    emit(ctx, 'LogKeyRegistered', {
      origin,
      index: 0,
      keyName: verifier.name,
      keyId: verifier.keyId,
      fromSize: 0,
    });
    return canonicalJson(record);
  }

  /**
   * Replaces the origin's log key. `checkpointNote` must restate the latest anchored
   * checkpoint (origin, size, root; the empty-tree checkpoint `size 0, root SHA-256("")`
   * when nothing is anchored yet) and be signed by both the current and the new key:
   * the old key hands over, the new key proves possession, and the history records the
   * size from which the new key signs. A key used before for the origin is refused.
   */
  @Transaction()
  @Returns('string')
  async RotateLogKey(
    ctx: Context,
    origin: string,
    newVerifierKey: string,
    checkpointNote: string,
  ): Promise<string> {
    checkOrigin(origin);
    const next = parseVerifierKey(newVerifierKey);
    const note = parseNote(checkpointNote);
    const checkpoint = parseCheckpoint(note.text);
    const history = await logKeyHistory(ctx.stub, origin);
    const current = history.at(-1);
    if (current === undefined) throw unknownOrigin(origin);
    if (history.some((h) => sameKey(parseVerifierKey(h.verifierKey), next))) {
      throw new AnchorError(
        'ERR_ALREADY_REGISTERED',
        `key ${next.name}+${next.keyId} was already a log key of ${origin}`,
      );
    }
    const latest = await latestAnchor(ctx.stub, origin);
    const size = latest?.size ?? 0;
    const root = latest === undefined ? emptyRoot() : fromBase64(latest.rootHash, 'anchored root');
    if (
      checkpoint.origin !== origin ||
      checkpoint.size !== size ||
      toBase64(checkpoint.rootHash) !== toBase64(root)
    ) {
      throw new AnchorError(
        'ERR_STALE_CHECKPOINT',
        `rotation note must restate the latest anchored checkpoint of ${origin}: size ${size} root ${toBase64(root)}`,
        {
          size,
          root: toBase64(root),
          offeredSize: checkpoint.size,
          offeredRoot: toBase64(checkpoint.rootHash),
        },
      );
    }
    const old = parseVerifierKey(current.verifierKey);
    requireSignature(note, old, 'rotation note', 'current');
    requireSignature(note, next, 'rotation note', 'new');
    const record = logKeyRecord(ctx, origin, current.index + 1, next, size, checkpointNote);
    await putRecord(ctx.stub, logKeyKey(ctx.stub, origin, record.index), record);
    emit(ctx, 'LogKeyRotated', {
      origin,
      index: record.index,
      keyName: next.name,
      keyId: next.keyId,
      previousKeyId: old.keyId,
      fromSize: size,
    });
    return canonicalJson(record);
  }

  /**
   * Anchors a checkpoint. `consistencyProofJson` is a JSON array of base64 hashes from
   * the latest anchor to this checkpoint; `[]` for the first anchor of an origin.
   */
  @Transaction()
  @Returns('string')
  async AnchorCheckpoint(
    ctx: Context,
    checkpointNote: string,
    consistencyProofJson: string,
  ): Promise<string> {
    const note = parseNote(checkpointNote);
    const checkpoint = parseCheckpoint(note.text);
    const proof = parseProofJson(consistencyProofJson);
    const { origin, size, rootHash } = checkpoint;
    const current = (await logKeyHistory(ctx.stub, origin)).at(-1);
    if (current === undefined) throw unknownOrigin(origin);
    const signature = requireSignature(note, parseVerifierKey(current.verifierKey), 'checkpoint', 'current');
    const latest = await latestAnchor(ctx.stub, origin);
    const anchoredSize = latest?.size ?? 0;
    if (size <= anchoredSize) {
      throw new AnchorError('ERR_NOT_LARGER', `size ${size} <= anchored ${anchoredSize}`, {
        size,
        anchoredSize,
      });
    }
    if (latest !== undefined) {
      verifyConsistency(latest.size, size, proof, fromBase64(latest.rootHash, 'anchored root'), rootHash);
    } else if (proof.length > 0) {
      throw malformed('the first anchor of an origin takes an empty consistency proof');
    }
    const record: AnchorRecord = {
      docType: 'anchor',
      origin,
      size,
      rootHash: toBase64(rootHash),
      rootHex: toHex(rootHash),
      note: checkpointNote,
      signature: signature.encoded,
      keyIndex: current.index,
      keyId: current.keyId,
      verifierKey: current.verifierKey,
      previousSize: latest?.size ?? null,
      consistencyProof: proof.map(toBase64),
      txId: ctx.stub.getTxID(),
    };
    await putRecord(ctx.stub, anchorKey(ctx.stub, origin, size), record);
    emit(ctx, 'CheckpointAnchored', {
      origin,
      size,
      rootHash: record.rootHash,
      rootHex: record.rootHex,
      previousSize: record.previousSize,
      keyId: record.keyId,
    });
    return canonicalJson(record);
  }

  /** Registers a decision-signing public JWK (Ed25519 or P-256) under `kid`. Kids and keys are never reused. */
  @Transaction()
  @Returns('string')
  async RegisterSigningKey(ctx: Context, kid: string, jwkJson: string): Promise<string> {
    const jwk = parsePublicJwk(kid, jwkJson);
    const thumbprint = jwkThumbprint(jwk);
    // Point reads only: a range scan here made concurrent registrations of different keys
    // conflict at validation (PHANTOM_READ_CONFLICT) on a real peer.
    if ((await getRecord<SigningKeyRecord>(ctx.stub, signingKeyKey(ctx.stub, kid))) !== undefined)
      throw new AnchorError('ERR_ALREADY_REGISTERED', `kid ${kid} is already registered`);
    const owner = await getRecord<{ kid: string }>(ctx.stub, thumbprintKey(ctx.stub, thumbprint));
    if (owner !== undefined)
      throw new AnchorError('ERR_ALREADY_REGISTERED', `this key (as kid ${owner.kid}) is already registered`);
    const record: SigningKeyRecord = {
      docType: 'signingKey',
      kid,
      jwk,
      thumbprint,
      status: 'active',
      registeredTxId: ctx.stub.getTxID(),
      retiredTxId: null,
    };
    await putRecord(ctx.stub, signingKeyKey(ctx.stub, kid), record);
    await putRecord(ctx.stub, thumbprintKey(ctx.stub, thumbprint), { kid });
    emit(ctx, 'SigningKeyRegistered', { kid, thumbprint });
    return canonicalJson(record);
  }

  /** Marks a signing key retired: decisions it signed stay verifiable, new ones must not use it. */
  @Transaction()
  @Returns('string')
  async RetireSigningKey(ctx: Context, kid: string): Promise<string> {
    checkKid(kid);
    const key = signingKeyKey(ctx.stub, kid);
    const existing = await getRecord<SigningKeyRecord>(ctx.stub, key);
    if (existing === undefined) throw new AnchorError('ERR_NOT_FOUND', `no signing key ${kid}`);
    if (existing.status === 'retired')
      throw new AnchorError('ERR_ALREADY_RETIRED', `signing key ${kid} is already retired`);
    const record: SigningKeyRecord = { ...existing, status: 'retired', retiredTxId: ctx.stub.getTxID() };
    await putRecord(ctx.stub, key, record);
    emit(ctx, 'SigningKeyRetired', { kid, thumbprint: record.thumbprint });
    return canonicalJson(record);
  }

  /** The anchor with the largest size. */
  @Transaction(false)
  @Returns('string')
  async GetLatestAnchor(ctx: Context, origin: string): Promise<string> {
    await requireOrigin(ctx, origin);
    const latest = await latestAnchor(ctx.stub, origin);
    if (latest === undefined) throw new AnchorError('ERR_NOT_FOUND', `nothing anchored yet for ${origin}`);
    return canonicalJson(latest);
  }

  /** The anchor of `origin` at exactly `size`. */
  @Transaction(false)
  @Returns('string')
  async GetAnchor(ctx: Context, origin: string, size: string): Promise<string> {
    checkOrigin(origin);
    const n = parseSize(size, 'size');
    const anchor = await getRecord<AnchorRecord>(ctx.stub, anchorKey(ctx.stub, origin, n));
    if (anchor === undefined) throw new AnchorError('ERR_NOT_FOUND', `no anchor of ${origin} at size ${n}`);
    return canonicalJson(anchor);
  }

  /**
   * One page of anchors, newest first: those with size <= `fromSize` (`''`: from the
   * latest), at most `limit` (`''`: 100, at most 1000). Returns `{anchors, next}`; pass
   * `next` as `fromSize` for the following page (`null` at the oldest).
   */
  @Transaction(false)
  @Returns('string')
  async ListAnchors(ctx: Context, origin: string, fromSize: string, limit: string): Promise<string> {
    await requireOrigin(ctx, origin);
    const atMost = fromSize === '' ? Number.MAX_SAFE_INTEGER : parseSize(fromSize, 'fromSize');
    const count = limit === '' ? DEFAULT_LIST_LIMIT : parseSize(limit, 'limit');
    if (count < 1 || count > MAX_LIST_LIMIT) throw malformed(`limit must be 1 to ${MAX_LIST_LIMIT}`);
    const page = await anchorsDownFrom(ctx.stub, origin, atMost, count + 1);
    const anchors = page.slice(0, count);
    const next = page.length > count ? (page[count]?.size ?? null) : null;
    return canonicalJson({ anchors, next });
  }

  /** The origin's log keys, oldest first; the last is current. */
  @Transaction(false)
  @Returns('string')
  async GetLogKeyHistory(ctx: Context, origin: string): Promise<string> {
    return canonicalJson(await requireOrigin(ctx, origin));
  }

  /** Every decision-signing key ever registered, active and retired, ordered by kid. */
  @Transaction(false)
  @Returns('string')
  async GetSigningKeyHistory(ctx: Context): Promise<string> {
    return canonicalJson(await signingKeys(ctx.stub));
  }
}

function logKeyRecord(
  ctx: Context,
  origin: string,
  index: number,
  verifier: Verifier,
  fromSize: number,
  rotationNote: string | null,
): LogKeyRecord {
  return {
    docType: 'logKey',
    origin,
    index,
    verifierKey: verifier.verifierKey,
    keyName: verifier.name,
    keyId: verifier.keyId,
    fromSize,
    rotationNote,
    txId: ctx.stub.getTxID(),
  };
}

function requireSignature(
  note: ReturnType<typeof parseNote>,
  verifier: Verifier,
  what: string,
  which: string,
) {
  const signature = signatureBy(note, verifier);
  if (signature === undefined) {
    throw new AnchorError(
      'ERR_BAD_SIGNATURE',
      `${what} carries no valid signature by the ${which} log key ${verifier.name}+${verifier.keyId}`,
      { keyId: verifier.keyId },
    );
  }
  return signature;
}

async function requireOrigin(ctx: Context, origin: string): Promise<LogKeyRecord[]> {
  checkOrigin(origin);
  const history = await logKeyHistory(ctx.stub, origin);
  if (history.length === 0) throw unknownOrigin(origin);
  return history;
}

function unknownOrigin(origin: string): AnchorError {
  return new AnchorError('ERR_UNKNOWN_ORIGIN', `no log key registered for origin ${origin}`);
}

/** The transaction's one event (Fabric keeps only the last setEvent of a transaction). */
function emit(ctx: Context, name: string, payload: object): void {
  ctx.stub.setEvent(name, canonicalBytes(payload));
}
