/**
 * Test signers for C2SP signed notes: deterministic Ed25519 keys from a label, and a
 * note builder. Written from the spec, independently of src/note.ts.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { TestLog } from './merkle-builder.js';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

export interface TestKey {
  readonly name: string;
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly keyHash: Uint8Array;
  readonly verifierKey: string;
}

/** A key whose seed is SHA-256 of `label`: the same label gives the same key. */
export function testKey(name: string, label = name): TestKey {
  return keyFromSeed(name, sha256(new TextEncoder().encode(label)));
}

export function keyFromSeed(name: string, seed: Uint8Array): TestKey {
  const publicKey = ed25519.getPublicKey(seed);
  const keyHash = keyHashOf(name, publicKey);
  return { name, seed, publicKey, keyHash, verifierKey: verifierKeyOf(name, publicKey) };
}

function keyHashOf(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(...new TextEncoder().encode(`${name}\n`), 0x01, ...publicKey)).slice(0, 4);
}

/** `<name>+<hex8>+<base64(0x01 || key)>` for any 32 bytes, valid point or not. */
export function verifierKeyOf(name: string, publicKey: Uint8Array): string {
  const hex = Buffer.from(keyHashOf(name, publicKey)).toString('hex');
  return `${name}+${hex}+${b64(Uint8Array.of(0x01, ...publicKey))}`;
}

/** The signature line of `key` over `text`. */
export function signatureLine(text: string, key: TestKey): string {
  const sig = ed25519.sign(new TextEncoder().encode(text), key.seed);
  return `\u2014 ${key.name} ${b64(Uint8Array.of(...key.keyHash, ...sig))}\n`;
}

/** A signed note: text, blank line, one signature line per key. */
export function signNote(text: string, ...keys: TestKey[]): string {
  return `${text}\n${keys.map((k) => signatureLine(text, k)).join('')}`;
}

export function checkpointBody(origin: string, size: number, root: Uint8Array): string {
  return `${origin}\n${size}\n${b64(root)}\n`;
}

/** The checkpoint of `log` at `size`, signed by `keys`. */
export function signedCheckpoint(origin: string, log: TestLog, size: number, ...keys: TestKey[]): string {
  return signNote(checkpointBody(origin, size, log.root(size)), ...keys);
}

/** A consistency proof as the contract takes it: JSON array of base64 hashes. */
export function proofJson(log: TestLog, size1: number, size2: number): string {
  return JSON.stringify(log.consistency(size1, size2).map(b64));
}
