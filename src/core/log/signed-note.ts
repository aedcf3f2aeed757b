/**
 * C2SP signed notes (https://c2sp.org/signed-note), byte-compatible with
 * golang.org/x/mod/sumdb/note: the text, a blank line, then one line per signature
 * `— <key name> <base64(4-byte key hash || signature)>` (U+2014 EM DASH, space).
 * Part of the self-contained checkpoint verifier. {@link parseNote} splits without
 * verifying, for a reader that must see the text before it knows which key to check
 * (the Fabric chaincode in contracts/ compiles this file in and does so).
 */
import { decodeBase64Std, encodeBase64Std } from './base64-std.ts';
import { CheckpointError } from './checkpoint-error.ts';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './note-key.ts';

const SIG_PREFIX = '\u2014 ';
/** Go's note.Open stops at 100 signatures so a hostile note cannot make it spin. */
const MAX_SIGNATURES = 100;

/**
 * One signature line.
 *
 * @example
 * ```ts
 * const [first]: readonly NoteSignature[] = openNote(text, verifiers).signatures;
 * ```
 */
export interface NoteSignature {
  readonly name: string;
  readonly keyHash: number;
  /** base64(key hash || signature), as on the line. */
  readonly base64: string;
}

/**
 * A note whose signatures by known keys all verified (at least one).
 *
 * @example
 * ```ts
 * const { text, signatures, unverified }: OpenedNote = openNote(note, [verifier]);
 * ```
 */
export interface OpenedNote {
  /** The signed text, ending in a newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
  /** Signatures by keys the caller did not pass; not checked, kept for co-signing witnesses. */
  readonly unverified: readonly NoteSignature[];
}

/**
 * One signature line, parsed but not verified.
 *
 * @example
 * ```ts
 * const [first]: readonly NoteLine[] = parseNote(note).lines;
 * ```
 */
export interface NoteLine extends NoteSignature {
  /** The signature bytes (after the 4-byte key hash). */
  readonly signature: Uint8Array;
  /** 1-based line number in the signature block. */
  readonly line: number;
}

/**
 * A signed note split into its text and signature lines.
 *
 * @example
 * ```ts
 * const { text, lines }: ParsedNote = parseNote(note);
 * ```
 */
export interface ParsedNote {
  /** The signed text, ending in a newline. */
  readonly text: string;
  /** Every signature line in order, repeated ones included. */
  readonly lines: readonly NoteLine[];
}

/**
 * Signs `text` (which must end in a newline and contain no blank line) with each signer.
 *
 * @example
 * ```ts
 * const note = signNote('example.com/log\n3\nq6yr…=\n', [parseSignerKey(skey)]);
 * ```
 */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!text.endsWith('\n') || text.includes('\n\n') || hasForbiddenCharacter(text)) {
    throw new CheckpointError('ERR_NOTE_MALFORMED', 'note text must end in a newline and have no blank line');
  }
  if (signers.length === 0)
    throw new CheckpointError('ERR_NOTE_MALFORMED', 'a note needs at least one signer');
  const message = new TextEncoder().encode(text);
  let lines = '';
  for (const signer of signers) {
    if (!isValidKeyName(signer.name)) throw new CheckpointError('ERR_KEY_MALFORMED', 'invalid signer name');
    const signature = signer.sign(message);
    const blob = new Uint8Array(4 + signature.length);
    new DataView(blob.buffer).setUint32(0, signer.keyHash >>> 0, false);
    blob.set(signature, 4);
    lines += `${SIG_PREFIX}${signer.name} ${encodeBase64Std(blob)}\n`;
  }
  return `${text}\n${lines}`;
}

/**
 * Splits a signed note into its text and signature lines and checks their syntax, but
 * verifies no signature: {@link openNote} is what callers want, unless they must read
 * the text (say a checkpoint's origin) to choose the key. Throws {@link CheckpointError}
 * `ERR_NOTE_MALFORMED`.
 *
 * @example
 * ```ts
 * const { text, lines } = parseNote(noteText);
 * ```
 */
export function parseNote(note: string): ParsedNote {
  if (hasForbiddenCharacter(note)) throw malformed('note holds control characters or invalid Unicode');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = note.slice(0, split + 1);
  let block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw malformed('signature block must end in a newline');

  const lines: NoteLine[] = [];
  let lineNo = 0;
  while (block !== '') {
    const end = block.indexOf('\n');
    const line = block.slice(0, end);
    block = block.slice(end + 1);
    lineNo += 1;
    if (!line.startsWith(SIG_PREFIX))
      throw malformed('signature line does not start with an em dash', lineNo);
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const b64 = space < 0 ? '' : rest.slice(space + 1);
    const blob = decodeBase64Std(b64);
    if (blob === undefined || !isValidKeyName(name) || blob.length < 5)
      throw malformed('bad signature line', lineNo);
    if (lineNo > MAX_SIGNATURES) throw malformed('too many signatures', lineNo);
    const keyHash = new DataView(blob.buffer, blob.byteOffset).getUint32(0, false);
    lines.push({ name, keyHash, base64: b64, signature: blob.subarray(4), line: lineNo });
  }
  return { text, lines };
}

/**
 * Parses a signed note and verifies every signature made by one of `verifiers`.
 * Throws {@link CheckpointError}: `ERR_NOTE_MALFORMED`, `ERR_NOTE_BAD_SIGNATURE` (a
 * known key's signature fails: tampering) or `ERR_NOTE_UNVERIFIED` (no known key signed).
 *
 * @example
 * ```ts
 * const { text } = openNote(noteText, [parseVerifierKey(vkey)]);
 * ```
 */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): OpenedNote {
  const { text, lines } = parseNote(note);
  const message = new TextEncoder().encode(text);
  const signatures: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const { name, keyHash, base64, signature, line } of lines) {
    const id = `${name}+${keyHash}`;
    if (seen.has(id)) continue; // Go drops repeated signatures by one key too.
    seen.add(id);
    const entry = { name, keyHash, base64 };
    const verifier = verifiers.find((v) => v.name === name && v.keyHash === keyHash);
    if (verifier === undefined) {
      unverified.push(entry);
      continue;
    }
    if (!verifier.verify(message, signature)) {
      throw new CheckpointError('ERR_NOTE_BAD_SIGNATURE', `signature by ${name} does not verify`, {
        name,
        keyHash: keyHash.toString(16).padStart(8, '0'),
        line,
      });
    }
    signatures.push(entry);
  }
  if (signatures.length === 0) {
    throw new CheckpointError('ERR_NOTE_UNVERIFIED', 'no signature by a known key', {
      signers: unverified.map((s) => `${s.name}+${s.keyHash.toString(16).padStart(8, '0')}`).join(' '),
      known: verifiers.map((v) => `${v.name}+${v.keyHash.toString(16).padStart(8, '0')}`).join(' '),
    });
  }
  return { text, signatures, unverified };
}

function malformed(reason: string, line?: number): CheckpointError {
  return new CheckpointError(
    'ERR_NOTE_MALFORMED',
    `malformed signed note: ${reason}`,
    line === undefined ? { reason } : { reason, line },
  );
}

/**
 * Go's note.Open refuses control characters other than newline and anything that is
 * not UTF-8; in a JavaScript string the latter is a lone surrogate.
 */
function hasForbiddenCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i += 1;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}
