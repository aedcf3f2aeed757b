/** The Node adapter's Ed25519 gives @noble's signatures byte for byte, and the checkpoints verify. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeEd25519 } from '../../../src/adapters/node/node-ed25519.ts';
import { openCheckpoint, signCheckpoint } from '../../../src/core/log/checkpoint.ts';
import { generateNoteKey, nobleEd25519, parseSignerKey } from '../../../src/core/log/note-key.ts';

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

  it('refuses a seed of the wrong length', () => {
    expect(() => nodeEd25519(new Uint8Array(31))).toThrow(/32 bytes/);
  });
});
