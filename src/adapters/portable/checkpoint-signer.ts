/**
 * The log's checkpoint signer: C2SP checkpoints as Ed25519 signed notes under the log's note
 * key. Synchronous, because it signs inside the integrating transaction. The Ed25519 is
 * @noble's by default (Workers); Node passes node:crypto's, which gives the same bytes, and verifies
 * with node:crypto too (start-up and the full integrity check open every stored checkpoint).
 */
import { openCheckpoint, signCheckpoint } from '../../core/log/checkpoint.ts';
import {
  type Ed25519SignerFactory,
  type Ed25519VerifierFactory,
  nobleEd25519,
  nobleEd25519Verify,
  parseSignerKey,
  parseVerifierKey,
} from '../../core/log/note-key.ts';

export interface CheckpointSigner {
  /** The log's origin line: the note key's name. */
  readonly origin: string;
  /** `name+hash+key`, as `GET /v1/log/key` publishes it. */
  readonly verifierKey: string;
  /** Signs the checkpoint synchronously: it runs inside the integrating transaction. */
  sign(size: number, rootHash: Uint8Array): string;
  /** Checks a stored note was signed by this log's key and returns what it commits to; throws otherwise. */
  open(note: string): { size: number; rootHash: Uint8Array };
}

/** @example const checkpoints = createCheckpointSigner(env.LOG_NOTE_SIGNER_KEY); */
export function createCheckpointSigner(
  signerKey: string,
  signWith: Ed25519SignerFactory = nobleEd25519,
  verifyWith: Ed25519VerifierFactory = nobleEd25519Verify,
): CheckpointSigner {
  const signer = parseSignerKey(signerKey, signWith);
  const verifier = parseVerifierKey(signer.verifierKey, verifyWith);
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
