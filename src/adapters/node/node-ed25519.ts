/**
 * Ed25519 signing through node:crypto for the log's checkpoints: the same deterministic
 * signatures as @noble's, at a small fraction of the CPU (a checkpoint is signed in every
 * integrating transaction, on the event loop).
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { Ed25519SignerFactory, Ed25519VerifierFactory } from '../../core/log/note-key.ts';

// RFC 8410 PKCS#8 wrapping of a 32-byte Ed25519 seed.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
// RFC 8410 SubjectPublicKeyInfo wrapping of a 32-byte Ed25519 public key.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** @example const signer = parseSignerKey(text, nodeEd25519); */
export const nodeEd25519: Ed25519SignerFactory = (seed) => {
  if (seed.length !== 32) throw new TypeError('an Ed25519 seed is 32 bytes');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return Object.assign((message: Uint8Array) => new Uint8Array(sign(null, message, key)), {
    publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)),
  });
};

/**
 * Verification through node:crypto: the start-up head check and the full integrity check open
 * every signed checkpoint, and @noble's verify took most of a start-up's CPU (issue 14).
 * @example const verifier = parseVerifierKey(text, nodeEd25519Verify);
 */
export const nodeEd25519Verify: Ed25519VerifierFactory = (publicKey) => {
  if (publicKey.length !== 32) throw new TypeError('an Ed25519 public key is 32 bytes');
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return (message, signature) => signature.length === 64 && verify(null, message, key, signature);
};
