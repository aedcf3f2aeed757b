/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys: parsing a note,
 * parsing a verifier key, checking one key's signature. Keys are parsed and signatures
 * verified by the gateway's `src/core/log/note-key.ts` (compiled into this package's
 * build), with the chaincode's stricter rules on top: a key is taken only in its one
 * canonical spelling (the ledger stores it as registered) and only as a usable curve
 * point. Notes are split by the core's `parseNote`, not `openNote`: the chaincode must
 * read a note's origin before it knows which key to check; it also refuses what the
 * core lets through (a note over 64 KiB, DEL, two signatures by one key).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { decodeBase64Std } from '../../src/core/log/base64-std.js';
import {
  isValidKeyName as isCoreKeyName,
  type NoteVerifier,
  parseVerifierKey as parseCoreVerifierKey,
} from '../../src/core/log/note-key.js';
import { parseNote as parseCoreNote } from '../../src/core/log/signed-note.js';
import { hasBadCharacters, utf8 } from './encoding.js';
import { core, malformed } from './errors.js';

/** A note or verifier key beyond this is refused before any parsing. */
const MAX_NOTE_LENGTH = 64 * 1024;
/** `<name>+<8 hex digits>+`: where the base64 key starts in a canonical verifier key. */
const KEY_OFFSET = '++'.length + 8;

/** An Ed25519 verifier: `<name>+<hex8 key hash>+<base64(0x01 || public key)>`. */
export interface Verifier {
  readonly name: string;
  /** The 4-byte key hash as 8 lowercase hex digits. */
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  /** The verifier key string, exactly as registered (its canonical spelling). */
  readonly verifierKey: string;
  /** Strict RFC 8032 Ed25519 verification by this key (the core's). */
  readonly verify: NoteVerifier['verify'];
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

/** A key name: the core's rule (non-empty, no spaces, no '+', valid UTF-16), and no control characters. */
export function isValidKeyName(name: string): boolean {
  return isCoreKeyName(name) && !hasBadCharacters(name, false);
}

/**
 * Parses an Ed25519 verifier key and checks that its key hash matches its name and key,
 * that it is spelt canonically (lowercase key hash, nothing around it) and that the
 * key is a valid, not small-order, curve point.
 * @throws ERR_MALFORMED
 * @example parseVerifierKey('log.example+1a2b3c4d+AeK…')
 */
export function parseVerifierKey(verifierKey: string): Verifier {
  if (verifierKey.length > 1024) throw malformed('verifier key is too long');
  const parsed = core(() => parseCoreVerifierKey(verifierKey));
  // The core trims and lower-cases; the ledger compares and stores the string itself.
  if (parsed.verifierKey !== verifierKey) throw malformed('verifier key is not in canonical form');
  if (!isValidKeyName(parsed.name)) throw malformed('verifier key name is not valid');
  const key = decodeBase64Std(verifierKey.slice(parsed.name.length + KEY_OFFSET));
  const publicKey = key?.slice(1) ?? new Uint8Array(0);
  try {
    if (ed25519.Point.fromBytes(publicKey).isSmallOrder()) throw new Error('small order');
  } catch {
    throw malformed('verifier key is not a usable Ed25519 public key');
  }
  const keyId = parsed.keyHash.toString(16).padStart(8, '0');
  return { name: parsed.name, keyId, publicKey, verifierKey, verify: parsed.verify };
}

/**
 * Splits a signed note into its text and signature lines (the core's `parseNote`).
 * Signatures are not checked. On top of the core's syntax: at most 64 KiB, no DEL in
 * the text or names, and no key signing twice (which line would the ledger keep?).
 * @throws ERR_MALFORMED
 * @example parseCheckpoint(parseNote(checkpointNote).text)
 */
export function parseNote(note: string): SignedNote {
  if (note.length > MAX_NOTE_LENGTH) throw malformed('note is too long');
  const { text, lines } = core(() => parseCoreNote(note));
  if (hasBadCharacters(text, true)) throw malformed('note text holds control characters or invalid UTF-8');
  const seen = new Set<string>();
  const signatures = lines.map((line): NoteSignature => {
    if (!isValidKeyName(line.name)) throw malformed('signature line has no valid key name');
    const keyId = line.keyHash.toString(16).padStart(8, '0');
    const id = `${line.name}+${keyId}`;
    if (seen.has(id)) throw malformed(`note is signed twice by ${id}`);
    seen.add(id);
    return { name: line.name, keyId, encoded: line.base64, signature: line.signature };
  });
  return { text, signatures };
}

/**
 * The note's signature by `verifier` if there is one and it verifies (strict RFC 8032
 * Ed25519: non-canonical encodings are refused), else `undefined`.
 */
export function signatureBy(note: SignedNote, verifier: Verifier): NoteSignature | undefined {
  const line = note.signatures.find((s) => s.name === verifier.name && s.keyId === verifier.keyId);
  if (line === undefined) return undefined;
  try {
    return verifier.verify(utf8(note.text), line.signature) ? line : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Two verifiers are the same key when name, hash and key bytes all match, that is when
 * their canonical strings are equal.
 */
export function sameKey(a: Verifier, b: Verifier): boolean {
  return a.verifierKey === b.verifierKey;
}
