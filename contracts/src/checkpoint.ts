/**
 * Checkpoint bodies (https://c2sp.org/tlog-checkpoint):
 * `<origin>\n<size>\n<base64 root>\n[extension lines\n]`. Parsed by the gateway's
 * `src/core/log/checkpoint.ts` (the code that writes them), compiled into this
 * package's build; the chaincode adds its own bound on origins, which become part of
 * every ledger key of a log.
 */
import { parseCheckpoint as parseCoreCheckpoint } from '../../src/core/log/checkpoint.js';
import { hasBadCharacters } from './encoding.js';
import { core, malformed } from './errors.js';

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** Optional extension lines, kept verbatim. */
  readonly extensions: readonly string[];
}

/** ASCII decimal without leading zeros (except "0"). */
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/** Longest origin accepted: it becomes part of every ledger key of the log. */
export const MAX_ORIGIN_LENGTH = 256;

/**
 * Parses a decimal size argument the way checkpoints write sizes; sizes above 2^53 - 1
 * are refused (the chaincode computes with JavaScript numbers).
 * @throws ERR_MALFORMED
 */
export function parseSize(text: string, what: string): number {
  if (!DECIMAL.test(text))
    throw malformed(`${what} ${JSON.stringify(text.slice(0, 32))} is not a decimal size`);
  const size = Number(text);
  if (!Number.isSafeInteger(size)) throw malformed(`${what} ${text} is above 2^53 - 1`);
  return size;
}

/** Throws unless `origin` can name a log: non-empty, bounded, no control characters. */
export function checkOrigin(origin: string): void {
  if (origin.length === 0 || origin.length > MAX_ORIGIN_LENGTH) {
    throw malformed(`origin must be 1 to ${MAX_ORIGIN_LENGTH} characters`);
  }
  // U+0000 separates composite-key parts and U+10FFFF ends their ranges.
  if (hasBadCharacters(origin, false) || origin.includes('\u{10ffff}')) {
    throw malformed('origin holds control characters or invalid UTF-16');
  }
}

/**
 * Parses a checkpoint body (the signed text of a note): decimal size up to 2^53 - 1,
 * canonical base64 32-byte root, no empty extension line, an origin {@link checkOrigin}
 * accepts.
 * @throws ERR_MALFORMED
 * @example parseCheckpoint(note.text).size
 */
export function parseCheckpoint(text: string): Checkpoint {
  const checkpoint = core(() => parseCoreCheckpoint(text));
  checkOrigin(checkpoint.origin);
  return checkpoint;
}
