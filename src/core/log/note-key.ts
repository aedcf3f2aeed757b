/**
 * Ed25519 keys for signed notes, in the string forms of golang.org/x/mod/sumdb/note
 * (and C2SP signed-note):
 *
 * - verifier: `<name>+<hex8 key hash>+<base64(0x01 || 32-byte public key)>`
 * - signer:   `PRIVATE+KEY+<name>+<hex8 key hash>+<base64(0x01 || 32-byte seed)>`
 *
 * where key hash = first 4 bytes (big-endian) of SHA-256(name || 0x0A || 0x01 || public key).
 * Signing is synchronous (@noble/curves) because the log signs inside a storage
 * transaction. Part of the self-contained checkpoint verifier.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { decodeBase64Std, encodeBase64Std } from './base64-std.ts';
import { CheckpointError } from './checkpoint-error.ts';
import { sha256 } from './hashes.ts';

/** The signature algorithm byte of Ed25519 in signed-note keys. */
const ALG_ED25519 = 0x01;
const PRIVATE_PREFIX = 'PRIVATE+KEY+';
const HEX8 = /^[0-9a-fA-F]{8}$/;
// Go's unicode.IsSpace set (not JS \s, which differs on U+0085 and U+FEFF).
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Verifies signatures by one key.
 *
 * @example
 * ```ts
 * const verifier: NoteVerifier = parseVerifierKey('example.com/log+1a2b3c4d+AX…');
 * ```
 */
export interface NoteVerifier {
  readonly name: string;
  /** The 4-byte key hash as an unsigned 32-bit number. */
  readonly keyHash: number;
  /** The key in verifier-key string form (what `GET /v1/log/key` publishes). */
  readonly verifierKey: string;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * Signs with one key, synchronously.
 *
 * @example
 * ```ts
 * const signer: NoteSigner = parseSignerKey(signerKeyText);
 * const sig = signer.sign(new TextEncoder().encode(body));
 * ```
 */
export interface NoteSigner {
  readonly name: string;
  readonly keyHash: number;
  /** The matching verifier key string. */
  readonly verifierKey: string;
  sign(message: Uint8Array): Uint8Array;
}

/**
 * A new key in both string forms.
 *
 * @example
 * ```ts
 * const { signerKey, verifierKey }: NoteKeyPair = generateNoteKey('example.com/log');
 * ```
 */
export interface NoteKeyPair {
  /** Secret: `PRIVATE+KEY+…`. Store it like any private key. */
  readonly signerKey: string;
  readonly verifierKey: string;
}

/**
 * Generates a fresh Ed25519 note key from `globalThis.crypto.getRandomValues`.
 *
 * @example
 * ```ts
 * const { signerKey, verifierKey } = generateNoteKey('gateway.example/log');
 * ```
 */
export function generateNoteKey(name: string): NoteKeyPair {
  const seed = new Uint8Array(32);
  globalThis.crypto.getRandomValues(seed);
  return noteKeyFromSeed(name, seed);
}

/**
 * Derives the key pair of a given 32-byte seed: deterministic keys for tests and vectors.
 *
 * @example
 * ```ts
 * const keys = noteKeyFromSeed('example.com/log', new Uint8Array(32).fill(7));
 * ```
 */
export function noteKeyFromSeed(name: string, seed: Uint8Array): NoteKeyPair {
  checkName(name, 'ERR_KEY_MALFORMED');
  if (seed.length !== 32)
    throw new CheckpointError('ERR_KEY_MALFORMED', 'an Ed25519 seed is 32 bytes', { name });
  const publicKey = ed25519.getPublicKey(seed);
  const hash = hex8(noteKeyHash(name, publicKey));
  return {
    signerKey: `${PRIVATE_PREFIX}${name}+${hash}+${encodeBase64Std(withAlg(seed))}`,
    verifierKey: `${name}+${hash}+${encodeBase64Std(withAlg(publicKey))}`,
  };
}

/**
 * The signed-note key hash of an Ed25519 public key under `name`.
 *
 * @example
 * ```ts
 * noteKeyHash('example.com/log', publicKey).toString(16).padStart(8, '0');
 * ```
 */
export function noteKeyHash(name: string, publicKey: Uint8Array): number {
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes, 0);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = ALG_ED25519;
  input.set(publicKey, nameBytes.length + 2);
  const digest = sha256(input);
  return (
    (((digest[0] ?? 0) << 24) | ((digest[1] ?? 0) << 16) | ((digest[2] ?? 0) << 8) | (digest[3] ?? 0)) >>> 0
  );
}

/**
 * Parses a verifier key string and checks its key hash.
 *
 * @example
 * ```ts
 * const verifier = parseVerifierKey(await (await fetch(`${url}/v1/log/key`)).text());
 * ```
 */
export function parseVerifierKey(
  text: string,
  verifyWith: Ed25519VerifierFactory = nobleEd25519Verify,
): NoteVerifier {
  const parts = splitKey(text.trim(), 3);
  const [name, hash16, key64] = parts;
  const { hash, publicKey } = decodeKeyParts(name, hash16, key64);
  if (noteKeyHash(name, publicKey) !== hash) {
    throw new CheckpointError('ERR_KEY_HASH_MISMATCH', 'verifier key hash does not match its name and key', {
      name,
      keyHash: hex8(hash),
    });
  }
  return {
    name,
    keyHash: hash,
    verifierKey: `${name}+${hex8(hash)}+${key64}`,
    verify: verifyWith(publicKey),
  };
}

/** Builds an Ed25519 verifying function for a 32-byte public key (a runtime may bring a native one). */
export type Ed25519VerifierFactory = (
  publicKey: Uint8Array,
) => (message: Uint8Array, signature: Uint8Array) => boolean;

/** Ed25519 verification in plain TypeScript (@noble), strict RFC 8032 (no ZIP 215 leniency). */
export const nobleEd25519Verify: Ed25519VerifierFactory = (publicKey) => (message, signature) =>
  signature.length === 64 && ed25519.verify(signature, message, publicKey, { zip215: false });

/**
 * An Ed25519 signing function; a native one may also carry its public key, which spares the
 * pure-JavaScript derivation (tens of milliseconds of a start-up on a slow core, issue 14).
 */
export type Ed25519Sign = ((message: Uint8Array) => Uint8Array) & { readonly publicKey?: Uint8Array };

/** Builds an Ed25519 signing function from a 32-byte seed (a runtime may bring a native one). */
export type Ed25519SignerFactory = (seed: Uint8Array) => Ed25519Sign;

/** Ed25519 in plain TypeScript (@noble), available on every runtime. */
export const nobleEd25519: Ed25519SignerFactory = (seed) => (message) => ed25519.sign(message, seed);

/**
 * Parses a signer key string (`PRIVATE+KEY+…`) and checks its key hash. Ed25519 signatures are
 * deterministic, so any correct `signWith` gives the same bytes.
 *
 * @example
 * ```ts
 * const signer = parseSignerKey(readFileSync('data/log.key', 'utf8'));
 * ```
 */
export function parseSignerKey(text: string, signWith: Ed25519SignerFactory = nobleEd25519): NoteSigner {
  const trimmed = text.trim();
  if (!trimmed.startsWith(PRIVATE_PREFIX)) {
    throw new CheckpointError('ERR_KEY_MALFORMED', 'a signer key starts with PRIVATE+KEY+');
  }
  const [name, hash16, key64] = splitKey(trimmed.slice(PRIVATE_PREFIX.length), 3);
  const { hash, publicKey: seed } = decodeKeyParts(name, hash16, key64);
  const sign = signWith(seed);
  const publicKey = sign.publicKey ?? ed25519.getPublicKey(seed);
  if (noteKeyHash(name, publicKey) !== hash) {
    throw new CheckpointError('ERR_KEY_HASH_MISMATCH', 'signer key hash does not match its name and key', {
      name,
      keyHash: hex8(hash),
    });
  }
  return {
    name,
    keyHash: hash,
    verifierKey: `${name}+${hex8(hash)}+${encodeBase64Std(withAlg(publicKey))}`,
    sign,
  };
}

/**
 * Whether `name` is a valid key name: non-empty, well-formed Unicode, no white space, no `+`.
 *
 * @example
 * ```ts
 * isValidKeyName('example.com/log'); // true
 * isValidKeyName('a b'); // false
 * ```
 */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !LONE_SURROGATE.test(name) && !SPACE.test(name) && !name.includes('+');
}

function checkName(name: string, code: 'ERR_KEY_MALFORMED'): void {
  if (!isValidKeyName(name)) throw new CheckpointError(code, 'invalid key name (empty, white space or +)');
}

function splitKey(text: string, count: 3): [string, string, string] {
  const parts = text.split('+');
  // Standard base64 uses '+', so as in Go's chop only the first two '+' are separators.
  if (parts.length < count) throw new CheckpointError('ERR_KEY_MALFORMED', 'a key has name+hash+key parts');
  const [name = '', hash16 = '', ...rest] = parts;
  return [name, hash16, rest.join('+')];
}

function decodeKeyParts(
  name: string,
  hash16: string,
  key64: string,
): { hash: number; publicKey: Uint8Array } {
  checkName(name, 'ERR_KEY_MALFORMED');
  const key = decodeBase64Std(key64);
  if (!HEX8.test(hash16) || key === undefined || key.length === 0) {
    throw new CheckpointError('ERR_KEY_MALFORMED', 'a key needs an 8-digit hex hash and a base64 key', {
      name,
    });
  }
  if (key[0] !== ALG_ED25519) {
    throw new CheckpointError('ERR_KEY_ALGORITHM', 'only Ed25519 (0x01) note keys are supported', {
      name,
      algorithm: key[0] ?? -1,
    });
  }
  if (key.length !== 33)
    throw new CheckpointError('ERR_KEY_MALFORMED', 'an Ed25519 key is 32 bytes', { name });
  return { hash: Number.parseInt(hash16, 16) >>> 0, publicKey: key.subarray(1) };
}

function withAlg(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out[0] = ALG_ED25519;
  out.set(key, 1);
  return out;
}

function hex8(hash: number): string {
  return hash.toString(16).padStart(8, '0');
}
