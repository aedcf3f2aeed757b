/**
 * Checkpoint bodies (https://c2sp.org/tlog-checkpoint):
 * `<origin>\n<size>\n<base64 root>\n[extension lines\n]`.
 */
import { fromBase64, hasBadCharacters, toBase64 } from './encoding.js';
import { malformed } from './errors.js';
import { HASH_SIZE } from './merkle.js';

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
 * Parses a decimal tree size the way checkpoints write it; sizes above 2^53 - 1
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
 * Parses a checkpoint body (the signed text of a note).
 * @throws ERR_MALFORMED
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw malformed('checkpoint does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === undefined || sizeText === undefined || rootText === undefined) {
    throw malformed('checkpoint needs origin, size and root lines');
  }
  checkOrigin(origin);
  if (extensions.some((line) => line.length === 0)) throw malformed('checkpoint has an empty extension line');
  const size = parseSize(sizeText, 'checkpoint size');
  const rootHash = fromBase64(rootText, 'checkpoint root');
  if (rootHash.length !== HASH_SIZE)
    throw malformed(`checkpoint root is ${rootHash.length} bytes, not ${HASH_SIZE}`);
  return { origin, size, rootHash, extensions };
}

/** The body of a checkpoint without extension lines. */
export function checkpointText(origin: string, size: number, rootHash: Uint8Array): string {
  return `${origin}\n${size}\n${toBase64(rootHash)}\n`;
}
