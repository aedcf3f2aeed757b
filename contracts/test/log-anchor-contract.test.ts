import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogAnchorContract } from '../src/log-anchor-contract.js';
import { FakeLedger } from './support/fake-ledger.js';
import { TestLog } from './support/merkle-builder.js';
import { checkpointBody, proofJson, signedCheckpoint, signNote, testKey } from './support/note-signer.js';

const ORIGIN = 'egw.example/log';
const logKey = testKey(ORIGIN);
const newKey = testKey(ORIGIN, 'rotated');
const witness = testKey('witness.example');
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const EMPTY_ROOT = Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex');

type Ledger = FakeLedger;

async function register(ledger: Ledger, verifierKey = logKey.verifierKey, origin = ORIGIN) {
  return ledger.tx((c, ctx) => c.RegisterLogKey(ctx, origin, verifierKey));
}

async function anchor(ledger: Ledger, note: string, proof = '[]') {
  return ledger.tx((c, ctx) => c.AnchorCheckpoint(ctx, note, proof));
}

/** Anchors `log` at each size in turn, each with its proof from the one before. */
async function anchorSizes(ledger: Ledger, log: TestLog, sizes: number[], key = logKey) {
  let previous = 0;
  for (const size of sizes) {
    await anchor(
      ledger,
      signedCheckpoint(ORIGIN, log, size, key),
      previous === 0 ? '[]' : proofJson(log, previous, size),
    );
    previous = size;
  }
}

async function query(ledger: Ledger, fn: Parameters<Ledger['tx']>[0]): Promise<unknown> {
  const { result, events, writes } = await ledger.tx(fn);
  expect(events).toEqual([]);
  expect(writes.size).toBe(0);
  return JSON.parse(result as string);
}

/** Expects the transaction to fail with `code`, leaving state as it was. */
async function refused(
  ledger: Ledger,
  fn: Parameters<Ledger['tx']>[0],
  code: string,
  detail?: RegExp,
): Promise<string> {
  const before = ledger.dump();
  const err = await ledger.tx(fn).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(Error);
  expect(err?.message.startsWith(`${code}: `), err?.message).toBe(true);
  if (detail) expect(err?.message).toMatch(detail);
  expect(ledger.dump()).toEqual(before);
  return err?.message ?? '';
}

describe('RegisterLogKey', () => {
  it('records the first key of an origin with one event', async () => {
    const ledger = new FakeLedger();
    const { result, events, writes } = await register(ledger);
    const record = JSON.parse(result);
    expect(record).toEqual({
      docType: 'logKey',
      origin: ORIGIN,
      index: 0,
      verifierKey: logKey.verifierKey,
      keyName: ORIGIN,
      keyId: Buffer.from(logKey.keyHash).toString('hex'),
      fromSize: 0,
      rotationNote: null,
      txId: 'tx0001',
    });
    expect(writes.size).toBe(1);
    expect(events).toEqual([
      {
        name: 'LogKeyRegistered',
        payload: JSON.stringify({
          fromSize: 0,
          index: 0,
          keyId: record.keyId,
          keyName: ORIGIN,
          origin: ORIGIN,
        }),
      },
    ]);
  });

  it('refuses a second registration of the origin, even of the same key', async () => {
    const ledger = new FakeLedger();
    await register(ledger);
    await refused(
      ledger,
      (c, ctx) => c.RegisterLogKey(ctx, ORIGIN, logKey.verifierKey),
      'ERR_ALREADY_REGISTERED',
      /RotateLogKey/,
    );
    await refused(
      ledger,
      (c, ctx) => c.RegisterLogKey(ctx, ORIGIN, newKey.verifierKey),
      'ERR_ALREADY_REGISTERED',
    );
  });

  it('refuses malformed keys and origins', async () => {
    const ledger = new FakeLedger();
    await refused(ledger, (c, ctx) => c.RegisterLogKey(ctx, ORIGIN, 'not-a-key'), 'ERR_MALFORMED');
    await refused(
      ledger,
      (c, ctx) => c.RegisterLogKey(ctx, ORIGIN, logKey.verifierKey.slice(0, -2)),
      'ERR_MALFORMED',
    );
    await refused(ledger, (c, ctx) => c.RegisterLogKey(ctx, '', logKey.verifierKey), 'ERR_MALFORMED');
    await refused(ledger, (c, ctx) => c.RegisterLogKey(ctx, 'a\u0000b', logKey.verifierKey), 'ERR_MALFORMED');
  });
});

describe('AnchorCheckpoint', () => {
  let ledger: Ledger;
  const log = new TestLog().append(40);
  beforeEach(async () => {
    ledger = new FakeLedger();
    await register(ledger);
  });

  it('anchors the first checkpoint with an empty proof, one key, one event', async () => {
    const note = signedCheckpoint(ORIGIN, log, 4, logKey);
    const { result, events, writes } = await anchor(ledger, note);
    const record = JSON.parse(result);
    expect(record).toMatchObject({
      docType: 'anchor',
      origin: ORIGIN,
      size: 4,
      rootHash: b64(log.root(4)),
      rootHex: Buffer.from(log.root(4)).toString('hex'),
      note,
      keyIndex: 0,
      verifierKey: logKey.verifierKey,
      previousSize: null,
      consistencyProof: [],
    });
    expect(note).toContain(`\u2014 ${ORIGIN} ${record.signature}\n`);
    expect([...writes.keys()]).toEqual([`\u0000anchor\u0000${ORIGIN}\u0000${String(2 ** 53 - 1 - 4)}\u0000`]);
    expect(events).toHaveLength(1);
    expect(events[0]?.name).toBe('CheckpointAnchored');
    expect(JSON.parse(events[0]?.payload ?? '')).toEqual({
      origin: ORIGIN,
      size: 4,
      rootHash: record.rootHash,
      rootHex: record.rootHex,
      previousSize: null,
      keyId: record.keyId,
    });
  });

  it('anchors a larger checkpoint with a valid consistency proof and stores the proof', async () => {
    await anchor(ledger, signedCheckpoint(ORIGIN, log, 4, logKey));
    const { result, events } = await anchor(
      ledger,
      signedCheckpoint(ORIGIN, log, 9, logKey),
      proofJson(log, 4, 9),
    );
    expect(JSON.parse(result)).toMatchObject({
      size: 9,
      previousSize: 4,
      consistencyProof: JSON.parse(proofJson(log, 4, 9)),
    });
    expect(events).toHaveLength(1);
    expect(await query(ledger, (c, ctx) => c.GetLatestAnchor(ctx, ORIGIN))).toMatchObject({
      size: 9,
      rootHash: b64(log.root(9)),
    });
  });

  it('accepts a note cosigned by a witness, keeping the note as given', async () => {
    const note = signedCheckpoint(ORIGIN, log, 5, witness, logKey);
    const { result } = await anchor(ledger, note);
    expect(JSON.parse(result).note).toBe(note);
  });

  it('refuses equal and smaller sizes with ERR_NOT_LARGER', async () => {
    await anchorSizes(ledger, log, [4, 9]);
    await refused(
      ledger,
      (c, ctx) => c.AnchorCheckpoint(ctx, signedCheckpoint(ORIGIN, log, 9, logKey), '[]'),
      'ERR_NOT_LARGER',
      /^ERR_NOT_LARGER: size 9 <= anchored 9$/,
    );
    await refused(
      ledger,
      (c, ctx) => c.AnchorCheckpoint(ctx, signedCheckpoint(ORIGIN, log, 5, logKey), proofJson(log, 4, 5)),
      'ERR_NOT_LARGER',
      /^ERR_NOT_LARGER: size 5 <= anchored 9$/,
    );
    await refused(
      ledger,
      (c, ctx) => c.AnchorCheckpoint(ctx, signedCheckpoint(ORIGIN, log, 0, logKey), '[]'),
      'ERR_NOT_LARGER',
    );
  });

  it('refuses a forked log with ERR_INCONSISTENT naming both roots', async () => {
    await anchorSizes(ledger, log, [4, 9]);
    // Same first 6 leaves, then a rewritten history: its own proof from 9 is self-consistent.
    const fork = log.fork(6).append(10, 'rewritten');
    const message = await refused(
      ledger,
      (c, ctx) => c.AnchorCheckpoint(ctx, signedCheckpoint(ORIGIN, fork, 16, logKey), proofJson(fork, 9, 16)),
      'ERR_INCONSISTENT',
    );
    expect(message).toContain(b64(log.root(9)));
    expect(message).toContain(b64(fork.root(16)));
    // The honest proof does not rescue the forked root either.
    await refused(
      ledger,
      (c, ctx) => c.AnchorCheckpoint(ctx, signedCheckpoint(ORIGIN, fork, 16, logKey), proofJson(log, 9, 16)),
      'ERR_INCONSISTENT',
    );
  });

  it('refuses a proof from another size, a bit-flipped proof and an empty proof', async () => {
    await anchorSizes(ledger, log, [4, 9]);
    const note = signedCheckpoint(ORIGIN, log, 16, logKey);
    await refused(
      ledger,
      (c, ctx) => c.AnchorCheckpoint(ctx, note, proofJson(log, 8, 16)),
      'ERR_INCONSISTENT',
    );
    const flipped = log
      .consistency(9, 16)
      .map((h, i) => (i === 1 ? h.map((x, j) => (j === 0 ? x ^ 1 : x)) : h));
    await refused(
      ledger,
      (c, ctx) => c.AnchorCheckpoint(ctx, note, JSON.stringify(flipped.map(b64))),
      'ERR_INCONSISTENT',
    );
    await refused(ledger, (c, ctx) => c.AnchorCheckpoint(ctx, note, '[]'), 'ERR_INCONSISTENT');
    await anchor(ledger, note, proofJson(log, 9, 16));
  });

  it('refuses a non-empty proof for the first anchor', async () => {
    await refused(
      ledger,
      (c, ctx) => c.AnchorCheckpoint(ctx, signedCheckpoint(ORIGIN, log, 4, logKey), proofJson(log, 2, 4)),
      'ERR_MALFORMED',
    );
  });

  it('refuses notes not signed by the registered key with ERR_BAD_SIGNATURE', async () => {
    const other = testKey('someone.else');
    const sameNameOtherKey = testKey(ORIGIN, 'impostor');
    for (const note of [
      signedCheckpoint(ORIGIN, log, 4, other),
      signedCheckpoint(ORIGIN, log, 4, sameNameOtherKey),
      signedCheckpoint(ORIGIN, log, 4, witness),
    ]) {
      await refused(ledger, (c, ctx) => c.AnchorCheckpoint(ctx, note, '[]'), 'ERR_BAD_SIGNATURE');
    }
    // A signature over another body, pasted under this one.
    const genuine = signedCheckpoint(ORIGIN, log, 4, logKey);
    const pasted = genuine.replace(`\n4\n${b64(log.root(4))}\n`, `\n5\n${b64(log.root(5))}\n`);
    await refused(ledger, (c, ctx) => c.AnchorCheckpoint(ctx, pasted, '[]'), 'ERR_BAD_SIGNATURE');
  });

  it('refuses an origin without a registered key with ERR_UNKNOWN_ORIGIN', async () => {
    const stranger = testKey('stranger.example');
    const note = signNote(checkpointBody('stranger.example', 3, log.root(3)), stranger);
    await refused(ledger, (c, ctx) => c.AnchorCheckpoint(ctx, note, '[]'), 'ERR_UNKNOWN_ORIGIN');
  });

  it('refuses malformed notes and proofs with ERR_MALFORMED', async () => {
    const good = signedCheckpoint(ORIGIN, log, 4, logKey);
    for (const [note, proof] of [
      ['', '[]'],
      [good.replace('\n\n', '\n'), '[]'],
      [signNote(`${ORIGIN}\nfour\n${b64(log.root(4))}\n`, logKey), '[]'],
      [signNote(`${ORIGIN}\n4\n`, logKey), '[]'],
      [good, 'not json'],
      [good, '["AAAA"]'],
    ] as const) {
      await refused(ledger, (c, ctx) => c.AnchorCheckpoint(ctx, note, proof), 'ERR_MALFORMED');
    }
  });

  it('keeps origins apart', async () => {
    const other = testKey('other.example');
    await register(ledger, other.verifierKey, 'other.example');
    await anchor(ledger, signNote(checkpointBody('other.example', 30, log.root(30)), other));
    await anchor(ledger, signedCheckpoint(ORIGIN, log, 3, logKey));
    expect(await query(ledger, (c, ctx) => c.GetLatestAnchor(ctx, ORIGIN))).toMatchObject({ size: 3 });
    expect(await query(ledger, (c, ctx) => c.GetLatestAnchor(ctx, 'other.example'))).toMatchObject({
      size: 30,
    });
  });
});

describe('RotateLogKey', () => {
  let ledger: Ledger;
  const log = new TestLog().append(20);
  const rotationNote = (size: number, ...keys: ReturnType<typeof testKey>[]) =>
    signNote(checkpointBody(ORIGIN, size, size === 0 ? EMPTY_ROOT : log.root(size)), ...keys);
  beforeEach(async () => {
    ledger = new FakeLedger();
    await register(ledger);
  });

  it('hands over at the latest anchor when both keys sign it; anchors then need the new key', async () => {
    await anchorSizes(ledger, log, [4, 9]);
    const note = rotationNote(9, logKey, newKey);
    const { result, events, writes } = await ledger.tx((c, ctx) =>
      c.RotateLogKey(ctx, ORIGIN, newKey.verifierKey, note),
    );
    const record = JSON.parse(result);
    expect(record).toMatchObject({
      index: 1,
      fromSize: 9,
      verifierKey: newKey.verifierKey,
      rotationNote: note,
    });
    expect(writes.size).toBe(1);
    expect(events.map((e) => e.name)).toEqual(['LogKeyRotated']);
    expect(JSON.parse(events[0]?.payload ?? '')).toEqual({
      origin: ORIGIN,
      index: 1,
      keyName: ORIGIN,
      keyId: record.keyId,
      previousKeyId: Buffer.from(logKey.keyHash).toString('hex'),
      fromSize: 9,
    });

    await refused(
      ledger,
      (c, ctx) => c.AnchorCheckpoint(ctx, signedCheckpoint(ORIGIN, log, 12, logKey), proofJson(log, 9, 12)),
      'ERR_BAD_SIGNATURE',
    );
    const { result: anchored } = await anchor(
      ledger,
      signedCheckpoint(ORIGIN, log, 12, newKey),
      proofJson(log, 9, 12),
    );
    expect(JSON.parse(anchored)).toMatchObject({
      keyIndex: 1,
      verifierKey: newKey.verifierKey,
      previousSize: 9,
    });

    const history = (await query(ledger, (c, ctx) => c.GetLogKeyHistory(ctx, ORIGIN))) as {
      index: number;
      fromSize: number;
    }[];
    expect(history.map((h) => [h.index, h.fromSize])).toEqual([
      [0, 0],
      [1, 9],
    ]);
  });

  it('rotates before any anchor on the empty-tree checkpoint', async () => {
    const { result } = await ledger.tx((c, ctx) =>
      c.RotateLogKey(ctx, ORIGIN, newKey.verifierKey, rotationNote(0, logKey, newKey)),
    );
    expect(JSON.parse(result)).toMatchObject({ index: 1, fromSize: 0 });
  });

  it('refuses a note signed by only one of the two keys', async () => {
    await anchorSizes(ledger, log, [4]);
    await refused(
      ledger,
      (c, ctx) => c.RotateLogKey(ctx, ORIGIN, newKey.verifierKey, rotationNote(4, newKey)),
      'ERR_BAD_SIGNATURE',
      /current/,
    );
    await refused(
      ledger,
      (c, ctx) => c.RotateLogKey(ctx, ORIGIN, newKey.verifierKey, rotationNote(4, logKey)),
      'ERR_BAD_SIGNATURE',
      /new/,
    );
  });

  it('refuses a note that is not the latest anchored checkpoint', async () => {
    await anchorSizes(ledger, log, [4, 9]);
    for (const note of [
      rotationNote(4, logKey, newKey),
      rotationNote(10, logKey, newKey),
      rotationNote(0, logKey, newKey),
    ]) {
      await refused(
        ledger,
        (c, ctx) => c.RotateLogKey(ctx, ORIGIN, newKey.verifierKey, note),
        'ERR_STALE_CHECKPOINT',
      );
    }
    const otherOrigin = signNote(checkpointBody('other.example', 9, log.root(9)), logKey, newKey);
    await refused(
      ledger,
      (c, ctx) => c.RotateLogKey(ctx, ORIGIN, newKey.verifierKey, otherOrigin),
      'ERR_STALE_CHECKPOINT',
    );
  });

  it('refuses the current key and any key used before', async () => {
    await refused(
      ledger,
      (c, ctx) => c.RotateLogKey(ctx, ORIGIN, logKey.verifierKey, rotationNote(0, logKey)),
      'ERR_ALREADY_REGISTERED',
    );
    await ledger.tx((c, ctx) =>
      c.RotateLogKey(ctx, ORIGIN, newKey.verifierKey, rotationNote(0, logKey, newKey)),
    );
    await refused(
      ledger,
      (c, ctx) => c.RotateLogKey(ctx, ORIGIN, logKey.verifierKey, rotationNote(0, newKey, logKey)),
      'ERR_ALREADY_REGISTERED',
    );
  });

  it('refuses an unknown origin and malformed arguments', async () => {
    const stranger = testKey('stranger.example');
    const note = signNote(checkpointBody('stranger.example', 0, EMPTY_ROOT), stranger, newKey);
    await refused(
      ledger,
      (c, ctx) => c.RotateLogKey(ctx, 'stranger.example', newKey.verifierKey, note),
      'ERR_UNKNOWN_ORIGIN',
    );
    await refused(
      ledger,
      (c, ctx) => c.RotateLogKey(ctx, ORIGIN, 'junk', rotationNote(0, logKey, newKey)),
      'ERR_MALFORMED',
    );
    await refused(
      ledger,
      (c, ctx) => c.RotateLogKey(ctx, ORIGIN, newKey.verifierKey, 'junk'),
      'ERR_MALFORMED',
    );
  });
});

describe('signing keys', () => {
  const okp = (label: string) =>
    JSON.stringify({
      kty: 'OKP',
      crv: 'Ed25519',
      x: Buffer.from(testKey(label).publicKey).toString('base64url'),
    });
  const p256 = JSON.stringify({
    kty: 'EC',
    crv: 'P-256',
    x: 'axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY',
    y: 'T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU',
    alg: 'ES256',
  });

  it('registers, lists by kid and retires keys, one event each', async () => {
    const ledger = new FakeLedger();
    const first = await ledger.tx((c, ctx) => c.RegisterSigningKey(ctx, 'sig-2026-b', okp('b')));
    expect(JSON.parse(first.result)).toMatchObject({
      kid: 'sig-2026-b',
      status: 'active',
      retiredTxId: null,
      registeredTxId: 'tx0001',
    });
    expect(first.events.map((e) => e.name)).toEqual(['SigningKeyRegistered']);
    await ledger.tx((c, ctx) => c.RegisterSigningKey(ctx, 'sig-2026-a', p256));

    const retired = await ledger.tx((c, ctx) => c.RetireSigningKey(ctx, 'sig-2026-b'));
    expect(JSON.parse(retired.result)).toMatchObject({
      status: 'retired',
      retiredTxId: 'tx0003',
      registeredTxId: 'tx0001',
    });
    expect(retired.events.map((e) => e.name)).toEqual(['SigningKeyRetired']);

    const history = (await query(ledger, (c, ctx) => c.GetSigningKeyHistory(ctx))) as {
      kid: string;
      status: string;
      thumbprint: string;
    }[];
    expect(history.map((k) => [k.kid, k.status])).toEqual([
      ['sig-2026-a', 'active'],
      ['sig-2026-b', 'retired'],
    ]);
    // RFC 7638 thumbprint of the P-256 generator key, computed independently.
    const members = JSON.parse(p256);
    const expected = Buffer.from(
      await crypto.subtle.digest(
        'SHA-256',
        new TextEncoder().encode(`{"crv":"P-256","kty":"EC","x":"${members.x}","y":"${members.y}"}`),
      ),
    ).toString('base64url');
    expect(history[0]?.thumbprint).toBe(expected);
  });

  it('never reuses a kid or a key, and refuses private or malformed JWKs', async () => {
    const ledger = new FakeLedger();
    await ledger.tx((c, ctx) => c.RegisterSigningKey(ctx, 'k1', okp('one')));
    await ledger.tx((c, ctx) => c.RetireSigningKey(ctx, 'k1'));
    await refused(ledger, (c, ctx) => c.RegisterSigningKey(ctx, 'k1', okp('two')), 'ERR_ALREADY_REGISTERED');
    await refused(
      ledger,
      (c, ctx) => c.RegisterSigningKey(ctx, 'k2', okp('one')),
      'ERR_ALREADY_REGISTERED',
      /as kid k1/,
    );
    const withD = JSON.stringify({ ...JSON.parse(okp('three')), d: 'AAAA' });
    await refused(ledger, (c, ctx) => c.RegisterSigningKey(ctx, 'k3', withD), 'ERR_MALFORMED', /private/);
    await refused(ledger, (c, ctx) => c.RegisterSigningKey(ctx, 'k3', '{"kty":"RSA"}'), 'ERR_MALFORMED');
  });

  it('refuses retiring an unknown or retired key', async () => {
    const ledger = new FakeLedger();
    await refused(ledger, (c, ctx) => c.RetireSigningKey(ctx, 'nope'), 'ERR_NOT_FOUND');
    await ledger.tx((c, ctx) => c.RegisterSigningKey(ctx, 'k1', okp('one')));
    await ledger.tx((c, ctx) => c.RetireSigningKey(ctx, 'k1'));
    await refused(ledger, (c, ctx) => c.RetireSigningKey(ctx, 'k1'), 'ERR_ALREADY_RETIRED');
  });

  it('answers an empty history before any registration', async () => {
    expect(await query(new FakeLedger(), (c, ctx) => c.GetSigningKeyHistory(ctx))).toEqual([]);
  });
});

describe('queries', () => {
  const log = new TestLog().append(25);
  let ledger: Ledger;
  beforeEach(async () => {
    ledger = new FakeLedger();
    await register(ledger);
  });

  it('GetLatestAnchor: unknown origin, nothing anchored yet, then the largest', async () => {
    await refused(ledger, (c, ctx) => c.GetLatestAnchor(ctx, 'nobody'), 'ERR_UNKNOWN_ORIGIN');
    await refused(ledger, (c, ctx) => c.GetLatestAnchor(ctx, ORIGIN), 'ERR_NOT_FOUND');
    await anchorSizes(ledger, log, [2, 11, 12]);
    expect(await query(ledger, (c, ctx) => c.GetLatestAnchor(ctx, ORIGIN))).toMatchObject({ size: 12 });
  });

  it('GetAnchor: exact size, missing size, malformed size', async () => {
    await anchorSizes(ledger, log, [2, 11]);
    expect(await query(ledger, (c, ctx) => c.GetAnchor(ctx, ORIGIN, '2'))).toMatchObject({
      size: 2,
      rootHash: b64(log.root(2)),
    });
    await refused(ledger, (c, ctx) => c.GetAnchor(ctx, ORIGIN, '3'), 'ERR_NOT_FOUND');
    await refused(ledger, (c, ctx) => c.GetAnchor(ctx, ORIGIN, '02'), 'ERR_MALFORMED');
    await refused(ledger, (c, ctx) => c.GetAnchor(ctx, ORIGIN, '-1'), 'ERR_MALFORMED');
  });

  it('ListAnchors pages newest first', async () => {
    await anchorSizes(ledger, log, [2, 4, 9, 12, 20]);
    const sizes = (page: unknown) => (page as { anchors: { size: number }[] }).anchors.map((a) => a.size);
    const first = (await query(ledger, (c, ctx) => c.ListAnchors(ctx, ORIGIN, '', '2'))) as {
      next: number | null;
    };
    expect([sizes(first), first.next]).toEqual([[20, 12], 9]);
    const second = (await query(ledger, (c, ctx) => c.ListAnchors(ctx, ORIGIN, '9', '2'))) as {
      next: number | null;
    };
    expect([sizes(second), second.next]).toEqual([[9, 4], 2]);
    const last = (await query(ledger, (c, ctx) => c.ListAnchors(ctx, ORIGIN, '2', '2'))) as {
      next: number | null;
    };
    expect([sizes(last), last.next]).toEqual([[2], null]);
    expect(sizes(await query(ledger, (c, ctx) => c.ListAnchors(ctx, ORIGIN, '10', '')))).toEqual([9, 4, 2]);
    expect(sizes(await query(ledger, (c, ctx) => c.ListAnchors(ctx, ORIGIN, '1', '')))).toEqual([]);
  });

  it('ListAnchors refuses bad limits and unknown origins', async () => {
    await refused(ledger, (c, ctx) => c.ListAnchors(ctx, ORIGIN, '', '0'), 'ERR_MALFORMED');
    await refused(ledger, (c, ctx) => c.ListAnchors(ctx, ORIGIN, '', '1001'), 'ERR_MALFORMED');
    await refused(ledger, (c, ctx) => c.ListAnchors(ctx, ORIGIN, 'x', ''), 'ERR_MALFORMED');
    await refused(ledger, (c, ctx) => c.ListAnchors(ctx, 'nobody', '', ''), 'ERR_UNKNOWN_ORIGIN');
  });

  it('GetLogKeyHistory: the registration, or ERR_UNKNOWN_ORIGIN', async () => {
    expect(await query(ledger, (c, ctx) => c.GetLogKeyHistory(ctx, ORIGIN))).toMatchObject([
      { index: 0, verifierKey: logKey.verifierKey },
    ]);
    await refused(ledger, (c, ctx) => c.GetLogKeyHistory(ctx, 'nobody'), 'ERR_UNKNOWN_ORIGIN');
  });
});

describe('determinism and events', () => {
  const log = new TestLog().append(30);

  async function scenario(): Promise<{ ledger: Ledger; eventCounts: number[] }> {
    const ledger = new FakeLedger();
    const eventCounts: number[] = [];
    const submit = async (fn: Parameters<Ledger['tx']>[0]) =>
      eventCounts.push((await ledger.tx(fn)).events.length);
    await submit((c, ctx) => c.RegisterLogKey(ctx, ORIGIN, logKey.verifierKey));
    await submit((c, ctx) =>
      c.AnchorCheckpoint(ctx, signedCheckpoint(ORIGIN, log, 5, logKey, witness), '[]'),
    );
    await submit((c, ctx) =>
      c.AnchorCheckpoint(ctx, signedCheckpoint(ORIGIN, log, 13, logKey), proofJson(log, 5, 13)),
    );
    await submit((c, ctx) =>
      c.RotateLogKey(
        ctx,
        ORIGIN,
        newKey.verifierKey,
        signNote(checkpointBody(ORIGIN, 13, log.root(13)), newKey, logKey),
      ),
    );
    await submit((c, ctx) =>
      c.AnchorCheckpoint(ctx, signedCheckpoint(ORIGIN, log, 30, newKey), proofJson(log, 13, 30)),
    );
    await submit((c, ctx) =>
      c.RegisterSigningKey(
        ctx,
        'k1',
        JSON.stringify({
          x: Buffer.from(witness.publicKey).toString('base64url'),
          crv: 'Ed25519',
          kty: 'OKP',
          use: 'sig',
        }),
      ),
    );
    await submit((c, ctx) => c.RetireSigningKey(ctx, 'k1'));
    return { ledger, eventCounts };
  }

  const sortDeep = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortDeep)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
          )
        : v;

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('emits exactly one event per submitted transaction', async () => {
    const { eventCounts } = await scenario();
    expect(eventCounts).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('writes byte-identical state for the same inputs, as sorted-key JSON, without clock or randomness', async () => {
    const now = vi.spyOn(Date, 'now');
    const random = vi.spyOn(Math, 'random');
    const a = await scenario();
    const b = await scenario();
    expect(now).not.toHaveBeenCalled();
    expect(random).not.toHaveBeenCalled();
    expect(a.ledger.dump()).toEqual(b.ledger.dump());
    expect(a.ledger.state.size).toBe(7); // 2 log keys, 3 anchors, 1 signing key and its thumbprint index
    for (const value of a.ledger.state.values()) {
      const text = Buffer.from(value).toString('utf8');
      expect(JSON.stringify(sortDeep(JSON.parse(text)))).toBe(text);
    }
  });
});

describe('contract metadata', () => {
  it('exposes every function with string parameters, submit or evaluate as intended', () => {
    const reflect = Reflect as unknown as { getMetadata(key: string, target: object): unknown };
    const transactions = reflect.getMetadata('fabric:transactions', LogAnchorContract.prototype) as {
      name: string;
      tag: string[];
      parameters: { name: string; schema: { type: string } }[];
    }[];
    const summary = Object.fromEntries(
      transactions.map((t) => [
        t.name,
        `${t.tag.includes('SUBMIT') ? 'submit' : 'evaluate'}(${t.parameters.map((p) => `${p.name}:${p.schema.type}`).join(',')})`,
      ]),
    );
    expect(summary).toEqual({
      RegisterLogKey: 'submit(origin:string,verifierKey:string)',
      RotateLogKey: 'submit(origin:string,newVerifierKey:string,checkpointNote:string)',
      AnchorCheckpoint: 'submit(checkpointNote:string,consistencyProofJson:string)',
      RegisterSigningKey: 'submit(kid:string,jwkJson:string)',
      RetireSigningKey: 'submit(kid:string)',
      GetLatestAnchor: 'evaluate(origin:string)',
      GetAnchor: 'evaluate(origin:string,size:string)',
      ListAnchors: 'evaluate(origin:string,fromSize:string,limit:string)',
      GetLogKeyHistory: 'evaluate(origin:string)',
      GetSigningKeyHistory: 'evaluate()',
    });
    expect(new LogAnchorContract().getName()).toBe('anchor');
  });
});
