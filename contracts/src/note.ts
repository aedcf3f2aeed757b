/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys: parsing a note,
 * parsing a verifier key, checking one key's signature. Follows the reference Go
 * implementation (golang.org/x/mod/sumdb/note) in what it refuses.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, fromBase64, hasBadCharacters, toHex, utf8 } from './encoding.js';
import { malformed } from './errors.js';

/** Algorithm byte for Ed25519 in key hashes and verifier keys. */
const ALG_ED25519 = 0x01;
/** A note or verifier key beyond this is refused before any parsing. */
const MAX_NOTE_LENGTH = 64 * 1024;
/** As the Go reference: more signatures than this is malformed. */
const MAX_SIGNATURES = 100;
const SIGNATURE_PREFIX = '\u2014 ';
// unicode.IsSpace of Go, which key names must not contain.
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** An Ed25519 verifier: `<name>+<hex8 key hash>+<base64(0x01 || public key)>`. */
export interface Verifier {
  readonly name: string;
  /** The 4-byte key hash as 8 lowercase hex digits. */
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  /** The verifier key string, exactly as registered. */
  readonly verifierKey: string;
}

export interface NoteSignature {
  readonly name: string;
  /** The 4-byte key hash as 8 lowercase hex digits. */
  readonly keyId: string;
  /** The signature line's base64 (key hash and signature). */
  readonly encoded: string;
  readonly signature: Uint8Array;
}

export interface SignedNote {
  /** The signed text, ending in a newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** First 4 bytes of SHA-256(name || "\n" || 0x01 || public key), as hex. */
export function keyIdOf(name: string, publicKey: Uint8Array): string {
  const nameBytes = utf8(`${name}\n`);
  const input = new Uint8Array(nameBytes.length + 1 + publicKey.length);
  input.set(nameBytes);
  input[nameBytes.length] = ALG_ED25519;
  input.set(publicKey, nameBytes.length + 1);
  return toHex(sha256(input).subarray(0, 4));
}

/** A key name: non-empty, no spaces, no '+', valid UTF-8. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !SPACE.test(name) && !name.includes('+') && !hasBadCharacters(name, false);
}

/**
 * Parses an Ed25519 verifier key and checks that its key hash matches its name and key,
 * and that the key is a valid, not small-order, curve point.
 * @throws ERR_MALFORMED
 * @example parseVerifierKey('log.example+1a2b3c4d+AeK…')
 */
export function parseVerifierKey(verifierKey: string): Verifier {
  if (verifierKey.length > 1024) throw malformed('verifier key is too long');
  // Split at the first two '+' only: the base64 key itself may contain '+'.
  const first = verifierKey.indexOf('+');
  const second = verifierKey.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw malformed('verifier key is not <name>+<hex8>+<base64 key>');
  const name = verifierKey.slice(0, first);
  const keyId = verifierKey.slice(first + 1, second);
  const encoded = verifierKey.slice(second + 1);
  if (!isValidKeyName(name)) throw malformed('verifier key name is not valid');
  if (!/^[0-9a-f]{8}$/.test(keyId)) throw malformed('verifier key hash is not 8 lowercase hex digits');
  const key = fromBase64(encoded, 'verifier key');
  if (key.length !== 33 || key[0] !== ALG_ED25519)
    throw malformed('verifier key is not an Ed25519 key (0x01 || 32 bytes)');
  const publicKey = key.slice(1);
  if (keyIdOf(name, publicKey) !== keyId)
    throw malformed('verifier key hash does not match its name and key');
  try {
    if (ed25519.Point.fromBytes(publicKey).isSmallOrder()) throw new Error('small order');
  } catch {
    throw malformed('verifier key is not a usable Ed25519 public key');
  }
  return { name, keyId, publicKey, verifierKey };
}

/**
 * Splits a signed note into its text and signature lines. Signatures are not checked.
 * @throws ERR_MALFORMED
 */
export function parseNote(note: string): SignedNote {
  if (note.length > MAX_NOTE_LENGTH) throw malformed('note is too long');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (hasBadCharacters(text, true)) throw malformed('note text holds control characters or invalid UTF-8');
  if (block.length === 0 || !block.endsWith('\n')) throw malformed('note has no signature lines');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`note has more than ${MAX_SIGNATURES} signatures`);
  const seen = new Set<string>();
  const signatures = lines.map((line): NoteSignature => {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('signature line does not start with an em dash');
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = rest.slice(0, space);
    const encoded = rest.slice(space + 1);
    if (space < 0 || !isValidKeyName(name)) throw malformed('signature line has no valid key name');
    const raw = fromBase64(encoded, 'note signature');
    if (raw.length < 5) throw malformed('note signature is too short');
    const keyId = toHex(raw.subarray(0, 4));
    const id = `${name}+${keyId}`;
    if (seen.has(id)) throw malformed(`note is signed twice by ${id}`);
    seen.add(id);
    return { name, keyId, encoded, signature: raw.slice(4) };
  });
  return { text, signatures };
}

/**
 * The note's signature by `verifier` if there is one and it verifies (strict RFC 8032
 * Ed25519: non-canonical encodings are refused), else `undefined`.
 */
export function signatureBy(note: SignedNote, verifier: Verifier): NoteSignature | undefined {
  const line = note.signatures.find((s) => s.name === verifier.name && s.keyId === verifier.keyId);
  if (line === undefined || line.signature.length !== 64) return undefined;
  try {
    const ok = ed25519.verify(line.signature, utf8(note.text), verifier.publicKey, { zip215: false });
    return ok ? line : undefined;
  } catch {
    return undefined;
  }
}

/** Two verifiers are the same key when name, hash and key bytes all match. */
export function sameKey(a: Verifier, b: Verifier): boolean {
  return a.name === b.name && a.keyId === b.keyId && bytesEqual(a.publicKey, b.publicKey);
}
