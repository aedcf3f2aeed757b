/**
 * The Node adapter's Ed25519 gives @noble's signatures byte for byte, its verification agrees with
 * @noble's on good and bit-flipped signatures, and the checkpoints verify.
 */

import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeEd25519, nodeEd25519Verify } from '../../../src/adapters/node/node-ed25519.ts';
import { openCheckpoint, signCheckpoint } from '../../../src/core/log/checkpoint.ts';
import {
  generateNoteKey,
  nobleEd25519,
  nobleEd25519Verify,
  parseSignerKey,
  parseVerifierKey,
} from '../../../src/core/log/note-key.ts';

describe('nodeEd25519', () => {
  it('signs exactly as @noble does', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 512 }),
        (seed, message) => {
          expect(nodeEd25519(seed)(message)).toEqual(nobleEd25519(seed)(message));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('carries the public key @noble derives from the seed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        expect(nodeEd25519(seed).publicKey).toEqual(ed25519.getPublicKey(seed));
      }),
      { numRuns: 50 },
    );
    const { signerKey, verifierKey } = generateNoteKey('test.example/log');
    expect(parseSignerKey(signerKey, nodeEd25519).verifierKey).toBe(verifierKey);
  });

  it('signs checkpoints that open under the verifier key', () => {
    const { signerKey, verifierKey } = generateNoteKey('test.example/log');
    const signer = parseSignerKey(signerKey, nodeEd25519);
    const note = signCheckpoint(
      { origin: 'test.example/log', size: 7, rootHash: new Uint8Array(32).fill(7) },
      signer,
    );
    expect(note).toBe(
      signCheckpoint(
        { origin: 'test.example/log', size: 7, rootHash: new Uint8Array(32).fill(7) },
        signerKey,
      ),
    );
    expect(openCheckpoint(note, verifierKey).size).toBe(7);
  });

  it('verifies exactly as @noble does, on good signatures and on any one bit flipped', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.nat(),
        (seed, message, flip) => {
          const publicKey = ed25519.getPublicKey(seed);
          const signature = nobleEd25519(seed)(message);
          const node = nodeEd25519Verify(publicKey);
          const noble = nobleEd25519Verify(publicKey);
          expect(node(message, signature)).toBe(true);
          const bit = flip % ((signature.length + message.length) * 8);
          const badSignature = signature.slice();
          const badMessage = message.slice();
          const target = bit < signature.length * 8 ? badSignature : badMessage;
          const at = bit < signature.length * 8 ? bit : bit - signature.length * 8;
          target[at >> 3] = (target[at >> 3] ?? 0) ^ (1 << (at & 7));
          expect(node(badMessage, badSignature)).toBe(noble(badMessage, badSignature));
          expect(node(badMessage, badSignature)).toBe(false);
          expect(node(message, signature.subarray(0, 63))).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('opens checkpoints with node:crypto verification, and refuses a tampered one', () => {
    const { signerKey, verifierKey } = generateNoteKey('test.example/log');
    const note = signCheckpoint(
      { origin: 'test.example/log', size: 7, rootHash: new Uint8Array(32).fill(7) },
      parseSignerKey(signerKey, nodeEd25519),
    );
    const verifier = parseVerifierKey(verifierKey, nodeEd25519Verify);
    expect(openCheckpoint(note, verifier).size).toBe(7);
    expect(() => openCheckpoint(note.replace('\n7\n', '\n8\n'), verifier)).toThrow();
  });

  it('refuses a seed or a public key of the wrong length', () => {
    expect(() => nodeEd25519(new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => nodeEd25519Verify(new Uint8Array(31))).toThrow(/32 bytes/);
  });
});
