/**
 * The log's checkpoint signer: C2SP checkpoints as Ed25519 signed notes, keyed by the
 * note key under `<data>/keys`. Synchronous, because it signs inside the integrating
 * transaction.
 */
import { openCheckpoint, signCheckpoint } from '../../core/log/checkpoint.ts';
import { parseSignerKey, parseVerifierKey } from '../../core/log/note-key.ts';
import { nodeEd25519 } from './node-ed25519.ts';
import type { CheckpointSigner } from './sqlite-store.ts';

/** @example const checkpoints = createCheckpointSigner(loadNoteSignerKey(dataDir, origin)); */
export function createCheckpointSigner(signerKey: string): CheckpointSigner {
  const signer = parseSignerKey(signerKey, nodeEd25519);
  const verifier = parseVerifierKey(signer.verifierKey);
  const origin = signer.name;
  return {
    origin,
    verifierKey: signer.verifierKey,
    sign: (size, rootHash) => signCheckpoint({ origin, size, rootHash }, signer),
    open: (note) => {
      const opened = openCheckpoint(note, verifier, { origin });
      return { size: opened.size, rootHash: opened.rootHash };
    },
  };
}
