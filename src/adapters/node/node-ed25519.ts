/**
 * Ed25519 signing through node:crypto for the log's checkpoints: the same deterministic
 * signatures as @noble's, at a small fraction of the CPU (a checkpoint is signed in every
 * integrating transaction, on the event loop).
 */
import { createPrivateKey, sign } from 'node:crypto';
import type { Ed25519SignerFactory } from '../../core/log/note-key.ts';

// RFC 8410 PKCS#8 wrapping of a 32-byte Ed25519 seed.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** @example const signer = parseSignerKey(text, nodeEd25519); */
export const nodeEd25519: Ed25519SignerFactory = (seed) => {
  if (seed.length !== 32) throw new TypeError('an Ed25519 seed is 32 bytes');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return (message) => new Uint8Array(sign(null, message, key));
};
