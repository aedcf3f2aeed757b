/**
 * The log's checkpoint signer on Workers: C2SP checkpoints as Ed25519 signed notes (pure
 * TypeScript, so it signs synchronously inside the sequencer's batch), keyed by the note
 * signer key passed as the secret `LOG_NOTE_SIGNER_KEY`.
 */
import { openCheckpoint, signCheckpoint } from '../../core/log/checkpoint.ts';
import { parseSignerKey, parseVerifierKey } from '../../core/log/note-key.ts';

export interface NoteCheckpointSigner {
  /** The log's origin line: the note key's name. */
  readonly origin: string;
  /** `name+hash+key`, as `GET /v1/log/key` publishes it. */
  readonly verifierKey: string;
  sign(size: number, rootHash: Uint8Array): string;
  /** Checks a stored note was signed by this log's key and returns what it commits to; throws otherwise. */
  open(note: string): { size: number; rootHash: Uint8Array };
}

/** @example const checkpoints = createNoteCheckpointSigner(env.LOG_NOTE_SIGNER_KEY); */
export function createNoteCheckpointSigner(signerKey: string): NoteCheckpointSigner {
  const signer = parseSignerKey(signerKey.trim());
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
