/**
 * The log's checkpoint signer on Node: the portable one, signing and verifying with node:crypto Ed25519,
 * keyed by the note key under `<data>/keys`.
 */
import {
  type CheckpointSigner,
  createCheckpointSigner as createPortableCheckpointSigner,
} from '../portable/checkpoint-signer.ts';
import { nodeEd25519, nodeEd25519Verify } from './node-ed25519.ts';

/** @example const checkpoints = createCheckpointSigner(loadNoteSignerKey(dataDir, origin)); */
export function createCheckpointSigner(signerKey: string): CheckpointSigner {
  return createPortableCheckpointSigner(signerKey, nodeEd25519, nodeEd25519Verify);
}
