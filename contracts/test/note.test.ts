import { describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../src/checkpoint.js';
import { AnchorError } from '../src/errors.js';
import { parsePublicJwk } from '../src/jwk.js';
import { parseNote, parseVerifierKey, signatureBy } from '../src/note.js';
import { checkpointBody, keyFromSeed, signNote, testKey, verifierKeyOf } from './support/note-signer.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof AnchorError ? err.code : 'not an AnchorError';
  }
}

// The example of golang.org/x/mod/sumdb/note (package doc and note_test.go).
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SEED = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'; // 0x01 || seed, from its PRIVATE+KEY string
const PETER_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_NOTE = `${PETER_TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('signed notes: the Go reference example', () => {
  it('verifies the published note under the published key', () => {
    const verifier = parseVerifierKey(PETER_VKEY);
    expect(verifier).toMatchObject({ name: 'PeterNeumann', keyId: 'c74f20a3' });
    const note = parseNote(PETER_NOTE);
    expect(note.text).toBe(PETER_TEXT);
    expect(signatureBy(note, verifier)?.name).toBe('PeterNeumann');
  });

  it('the test signer reproduces the published note byte for byte', () => {
    const key = keyFromSeed('PeterNeumann', Buffer.from(PETER_SEED, 'base64').subarray(1));
    expect(key.verifierKey).toBe(PETER_VKEY);
    expect(signNote(PETER_TEXT, key)).toBe(PETER_NOTE);
  });

  it('rejects the note once its text changes by one letter', () => {
    const note = parseNote(PETER_NOTE.replace('cryptography', 'cryptographY'));
    expect(signatureBy(note, parseVerifierKey(PETER_VKEY))).toBeUndefined();
  });
});

describe('parseVerifierKey', () => {
  it('refuses every truncation and every one-byte change of a key', () => {
    for (let i = 0; i < PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i === 0 && j === PETER_VKEY.length) continue;
        expect(codeOf(() => parseVerifierKey(PETER_VKEY.slice(i, j)))).toBe('ERR_MALFORMED');
      }
      const changed =
        PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      expect(
        codeOf(() => parseVerifierKey(changed)),
        changed,
      ).toBe('ERR_MALFORMED');
    }
  });

  it('refuses a non-Ed25519 algorithm byte, a small-order key and names with spaces or plus', () => {
    const key = testKey('log.example');
    const [name, hash] = key.verifierKey.split('+');
    const alg2 = Buffer.from([0x02, ...key.publicKey]).toString('base64');
    expect(codeOf(() => parseVerifierKey(`${name}+${hash}+${alg2}`))).toBe('ERR_MALFORMED');
    // The identity point: small order, though its key hash is right.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    expect(codeOf(() => parseVerifierKey(verifierKeyOf('x', identity)))).toBe('ERR_MALFORMED');
    expect(codeOf(() => parseVerifierKey(verifierKeyOf('x', key.publicKey)))).toBe(undefined);
    expect(codeOf(() => parseVerifierKey(testKey('a b').verifierKey))).toBe('ERR_MALFORMED');
  });
});

describe('parseNote', () => {
  const key = testKey('log.example');
  const other = testKey('witness.example');
  const text = checkpointBody('log.example', 3, new Uint8Array(32).fill(9));

  it('keeps every signature line and finds the one by the asked key', () => {
    const note = parseNote(signNote(text, other, key));
    expect(note.signatures.map((s) => s.name)).toEqual(['witness.example', 'log.example']);
    expect(signatureBy(note, parseVerifierKey(key.verifierKey))?.keyId).toBe(
      Buffer.from(key.keyHash).toString('hex'),
    );
    expect(signatureBy(parseNote(signNote(text, other)), parseVerifierKey(key.verifierKey))).toBeUndefined();
  });

  it('does not take a signature by the same name with another key', () => {
    const impostor = testKey('log.example', 'impostor');
    expect(
      signatureBy(parseNote(signNote(text, impostor)), parseVerifierKey(key.verifierKey)),
    ).toBeUndefined();
  });

  it.each([
    ['no blank line', text],
    ['no signature lines', `${text}\n`],
    ['no final newline', signNote(text, key).slice(0, -1)],
    ['a hyphen instead of an em dash', signNote(text, key).replace('\u2014', '-')],
    ['a signature without a name', `${text}\n\u2014 ${signNote(text, key).split(' ')[2]}`],
    ['a short signature', `${text}\n\u2014 log.example AAAA\n`],
    ['a duplicate signature', `${signNote(text, key)}${signNote(text, key).slice(text.length + 1)}`],
    ['a control character in the text', signNote(text.replace('log', 'l\u0007g'), key)],
    ['a lone surrogate in a key name', `${text}\n\u2014 l\ud800g AAAAAAA=\n`],
    ['a tab in the text', signNote(text.replace('\n3\n', '\n3\t\n'), key)],
    ['more than 100 signatures', `${text}\n${'\u2014 k AAAAAAA=\n'.repeat(101)}`],
  ])('refuses %s', (_what, note) => {
    expect(codeOf(() => parseNote(note))).toBe('ERR_MALFORMED');
  });
});

describe('parseCheckpoint', () => {
  const root = new Uint8Array(32).fill(1);

  it('parses origin, size, root and extension lines', () => {
    const cp = parseCheckpoint(`${checkpointBody('o', 12, root)}ext one\n`);
    expect(cp).toMatchObject({ origin: 'o', size: 12, extensions: ['ext one'] });
    expect(Buffer.from(cp.rootHash)).toEqual(Buffer.from(root));
  });

  it.each([
    ['a missing root', 'o\n12\n'],
    ['a leading zero', checkpointBody('o', 12, root).replace('12', '012')],
    ['a signed size', checkpointBody('o', 12, root).replace('12', '+12')],
    ['a size over 2^53 - 1', checkpointBody('o', 12, root).replace('12', '9007199254740992')],
    ['a 31-byte root', `o\n12\n${Buffer.alloc(31).toString('base64')}\n`],
    ['an empty origin', checkpointBody('', 12, root)],
    ['no final newline', checkpointBody('o', 12, root).slice(0, -1)],
    ['an empty extension line', `${checkpointBody('o', 12, root)}\nx\n`],
  ])('refuses %s', (_what, body) => {
    expect(codeOf(() => parseCheckpoint(body))).toBe('ERR_MALFORMED');
  });
});

describe('parsePublicJwk', () => {
  const ed = (x: Uint8Array) => Buffer.from(x).toString('base64url');

  it('accepts Ed25519 and P-256 public keys and stamps the kid', () => {
    const key = testKey('sig');
    expect(
      parsePublicJwk('k1', JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: ed(key.publicKey) })),
    ).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: ed(key.publicKey),
      kid: 'k1',
    });
    // The P-256 generator point.
    const x = 'axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY';
    const y = 'T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU';
    expect(
      parsePublicJwk('k2', JSON.stringify({ kty: 'EC', crv: 'P-256', x, y, alg: 'ES256', use: 'sig' })),
    ).toMatchObject({
      kid: 'k2',
      alg: 'ES256',
    });
  });

  it.each([
    ['a private key', { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43), d: 'A'.repeat(43) }],
    ['an unknown member', { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43), foo: 1 }],
    ['RSA', { kty: 'RSA', n: 'AQAB', e: 'AQAB' }],
    ['a wrong kid', { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43), kid: 'other' }],
    ['a point off the curve', { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) }],
    ['a wrong alg', { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43), alg: 'ES256' }],
  ])('refuses %s', (_what, jwk) => {
    expect(codeOf(() => parsePublicJwk('k1', JSON.stringify(jwk)))).toBe('ERR_MALFORMED');
  });

  it('refuses JSON that is not an object and kids with spaces', () => {
    expect(codeOf(() => parsePublicJwk('k1', '[]'))).toBe('ERR_MALFORMED');
    expect(codeOf(() => parsePublicJwk('k1', '{'))).toBe('ERR_MALFORMED');
    expect(codeOf(() => parsePublicJwk('k 1', '{}'))).toBe('ERR_MALFORMED');
  });
});
