import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  decodeBase64Std,
  encodeBase64Std,
  generateNoteKey,
  noteKeyFromSeed,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
} from '../../../src/core/log/index.ts';

interface GoVector {
  signerKey: string;
  verifierKey: string;
  name: string;
  keyHash: string;
  text: string;
  note: string;
  badVerifierKeys: { key: string; why: string }[];
}
const go = JSON.parse(
  readFileSync(new URL('../../vectors/signed-note-go.json', import.meta.url), 'utf8'),
) as GoVector;

const ORIGIN = 'gateway.example/log';
const keys = noteKeyFromSeed(ORIGIN, new Uint8Array(32).fill(7));
const rootHash = new Uint8Array(32).map((_, i) => i);
const note = signCheckpoint({ origin: ORIGIN, size: 42, rootHash }, keys.signerKey);

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (err) {
    if (err instanceof CheckpointError) return err.code;
    throw err;
  }
};

describe('signed notes: the golang.org/x/mod/sumdb/note vector', () => {
  it('signs byte for byte as Go does (Ed25519 is deterministic)', () => {
    expect(signNote(go.text, [parseSignerKey(go.signerKey)])).toBe(go.note);
  });

  it('opens Go’s note and reports the key', () => {
    const opened = openNote(go.note, [parseVerifierKey(go.verifierKey)]);
    expect(opened.text).toBe(go.text);
    expect(opened.signatures).toEqual([
      expect.objectContaining({ name: go.name, keyHash: Number.parseInt(go.keyHash, 16) }),
    ]);
  });

  it('parses the signer key to the published verifier key', () => {
    expect(parseSignerKey(go.signerKey).verifierKey).toBe(go.verifierKey);
    expect(parseVerifierKey(go.verifierKey).keyHash.toString(16)).toBe(go.keyHash);
  });

  it('refuses every substring and every one-byte increment of the verifier key (as Go’s test does)', () => {
    const k = go.verifierKey;
    const accepted: string[] = [];
    for (let i = 0; i <= k.length; i++) {
      for (let j = i + 1; j <= k.length; j++) {
        if ((i !== 0 || j !== k.length) && codeOf(() => parseVerifierKey(k.slice(i, j))) === undefined)
          accepted.push(k.slice(i, j));
      }
    }
    for (let i = 0; i < k.length; i++) {
      const m = k.slice(0, i) + String.fromCharCode(k.charCodeAt(i) + 1) + k.slice(i + 1);
      if (codeOf(() => parseVerifierKey(m)) === undefined) accepted.push(m);
    }
    expect(accepted).toEqual([]);
    expect(go.badVerifierKeys.map((b) => codeOf(() => parseVerifierKey(b.key)))).toEqual([
      'ERR_KEY_MALFORMED',
      'ERR_KEY_ALGORITHM',
    ]);
  });
});

describe('checkpoints', () => {
  it('has the C2SP shape: body, blank line, an em-dash signature line', () => {
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual([ORIGIN, '42', encodeBase64Std(rootHash), '']);
    expect(lines[4]).toMatch(new RegExp(`^\u2014 ${ORIGIN.replace('.', '\\.')} [A-Za-z0-9+/]{91}=$`));
    expect(lines[5]).toBe('');
    const sig = decodeBase64Std((lines[4] ?? '').split(' ')[2] ?? '');
    expect(sig?.length).toBe(68);
    expect(Array.from(sig?.slice(0, 4) ?? [], (b) => b.toString(16).padStart(2, '0')).join('')).toBe(
      keys.verifierKey.split('+')[1],
    );
  });

  it('round-trips with extension lines', () => {
    const text = signCheckpoint(
      { origin: ORIGIN, size: 0, rootHash, extensions: ['ext one', 'ext two'] },
      keys.signerKey,
    );
    const opened = openCheckpoint(text, keys.verifierKey, { origin: ORIGIN });
    expect(opened).toMatchObject({ origin: ORIGIN, size: 0, extensions: ['ext one', 'ext two'] });
    expect(opened.rootHash).toEqual(rootHash);
  });

  it('opens with the key string, a parsed verifier or a list containing it', () => {
    const others = generateNoteKey('other.example/log');
    for (const v of [
      keys.verifierKey,
      parseVerifierKey(keys.verifierKey),
      [others.verifierKey, keys.verifierKey],
    ]) {
      expect(openCheckpoint(note, v).size).toBe(42);
    }
  });

  it('rejects a tampered body, signature or origin, and a stranger’s key', () => {
    const stranger = generateNoteKey(ORIGIN);
    expect(codeOf(() => openCheckpoint(note.replace('\n42\n', '\n43\n'), keys.verifierKey))).toBe(
      'ERR_NOTE_BAD_SIGNATURE',
    );
    expect(codeOf(() => openCheckpoint(note.replace(ORIGIN, 'gateway.example/lug'), keys.verifierKey))).toBe(
      'ERR_NOTE_BAD_SIGNATURE',
    );
    const b64 = encodeBase64Std(rootHash);
    const otherRoot = encodeBase64Std(rootHash.map((b, i) => (i === 0 ? b ^ 1 : b)));
    expect(codeOf(() => openCheckpoint(note.replace(b64, otherRoot), keys.verifierKey))).toBe(
      'ERR_NOTE_BAD_SIGNATURE',
    );
    const line = note.split('\n')[4] ?? '';
    const sig = line.split(' ')[2] ?? '';
    const bytes = decodeBase64Std(sig) ?? new Uint8Array(0);
    bytes[40] = (bytes[40] ?? 0) ^ 0x10;
    expect(codeOf(() => openCheckpoint(note.replace(sig, encodeBase64Std(bytes)), keys.verifierKey))).toBe(
      'ERR_NOTE_BAD_SIGNATURE',
    );
    expect(codeOf(() => openCheckpoint(note, stranger.verifierKey))).toBe('ERR_NOTE_UNVERIFIED');
    expect(codeOf(() => openCheckpoint(note, keys.verifierKey, { origin: 'elsewhere/log' }))).toBe(
      'ERR_CHECKPOINT_ORIGIN',
    );
  });

  it('rejects malformed notes', () => {
    const cases: [string, string][] = [
      [note.replace('\n\n', '\n'), 'ERR_NOTE_MALFORMED'],
      [note.slice(0, -1), 'ERR_NOTE_MALFORMED'],
      [note.replace('\u2014', '-'), 'ERR_NOTE_MALFORMED'],
      [note.replace(/=\n$/, '\n'), 'ERR_NOTE_MALFORMED'],
      [note.replace(ORIGIN, `${ORIGIN}\t`), 'ERR_NOTE_MALFORMED'],
      [`${note}\u2014 x\n`, 'ERR_NOTE_MALFORMED'],
      [`${note}\u2014 ${ORIGIN} AAAA\n`, 'ERR_NOTE_MALFORMED'],
    ];
    expect(cases.map(([text]) => codeOf(() => openCheckpoint(text, keys.verifierKey)))).toEqual(
      cases.map(([, c]) => c),
    );
  });

  it('keeps unknown co-signatures aside and ignores repeats', () => {
    const witness = parseSignerKey(generateNoteKey('witness.example').signerKey);
    const body = note.slice(0, note.indexOf('\n\n') + 1);
    const both = signNote(body, [parseSignerKey(keys.signerKey), witness]);
    const line = both.split('\n')[4] ?? '';
    const opened = openNote(`${both}${line}\n`, [parseVerifierKey(keys.verifierKey)]);
    expect(opened.signatures).toHaveLength(1);
    expect(opened.unverified.map((s) => s.name)).toEqual(['witness.example']);
  });

  it('parses checkpoint bodies strictly', () => {
    const b64 = encodeBase64Std(rootHash);
    const bad = [
      `${ORIGIN}\n042\n${b64}\n`,
      `${ORIGIN}\n-1\n${b64}\n`,
      `${ORIGIN}\n18446744073709551615\n${b64}\n`,
      `${ORIGIN}\n1\n${b64.slice(0, -1)}\n`,
      `${ORIGIN}\n1\n${encodeBase64Std(new Uint8Array(31))}\n`,
      `${ORIGIN}\n1\n`,
      `\n1\n${b64}\n`,
      `${ORIGIN}\n1\n${b64}`,
    ];
    expect(bad.map((b) => codeOf(() => parseCheckpoint(b)))).toEqual(
      bad.map(() => 'ERR_CHECKPOINT_MALFORMED'),
    );
    expect(parseCheckpoint(`${ORIGIN}\n0\n${b64}\n`).size).toBe(0);
  });
});

describe('key strings', () => {
  it('generates keys in the note formats', () => {
    const k = generateNoteKey('egw.example/log');
    expect(k.verifierKey).toMatch(/^egw\.example\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(k.signerKey).toMatch(/^PRIVATE\+KEY\+egw\.example\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(k.signerKey.split('+')[3]).toBe(k.verifierKey.split('+')[1]);
    expect(parseSignerKey(k.signerKey).verifierKey).toBe(k.verifierKey);
    expect(generateNoteKey('egw.example/log').verifierKey).not.toBe(k.verifierKey);
  });

  it('refuses bad names and mismatched hashes', () => {
    expect(codeOf(() => generateNoteKey('has space'))).toBe('ERR_KEY_MALFORMED');
    expect(codeOf(() => generateNoteKey('has+plus'))).toBe('ERR_KEY_MALFORMED');
    expect(codeOf(() => generateNoteKey(''))).toBe('ERR_KEY_MALFORMED');
    const [name, hash, key] = keys.verifierKey.split('+');
    const otherHash = ((Number.parseInt(hash ?? '', 16) ^ 1) >>> 0).toString(16).padStart(8, '0');
    expect(codeOf(() => parseVerifierKey(`${name}+${otherHash}+${key}`))).toBe('ERR_KEY_HASH_MISMATCH');
    expect(codeOf(() => parseSignerKey(keys.signerKey.replace(hash ?? '', otherHash)))).toBe(
      'ERR_KEY_HASH_MISMATCH',
    );
    expect(codeOf(() => parseSignerKey(keys.verifierKey))).toBe('ERR_KEY_MALFORMED');
  });

  it('never puts key material in error facts', () => {
    try {
      parseSignerKey(keys.signerKey.replace(/\+([0-9a-f]{8})\+/, '+00000000+'));
    } catch (err) {
      expect(JSON.stringify((err as CheckpointError).facts)).not.toContain(keys.signerKey.split('+').at(-1));
    }
  });
});

describe('strict base64', () => {
  it('accepts only canonical padded standard base64', () => {
    for (const len of [0, 1, 2, 3, 4, 31, 32, 33]) {
      const bytes = new Uint8Array(len).map((_, i) => (i * 37 + 11) & 0xff);
      expect(decodeBase64Std(encodeBase64Std(bytes))).toEqual(bytes);
    }
    for (const bad of ['AQI', 'AQJ=', 'AQ==AQ==', 'A-I=', 'AQI=\n', ' AQI=', 'A===']) {
      expect(decodeBase64Std(bad)).toBeUndefined();
    }
  });
});
