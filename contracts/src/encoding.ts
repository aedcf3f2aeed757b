/**
 * Strict encodings. Every endorsing peer must accept exactly the same strings, so the
 * decoders take only the canonical form (Node's own decoders skip junk silently).
 * Standard base64 and hex are the gateway's `src/core/log` ones (what checkpoints and
 * notes use), compiled into this package's build; base64url (JOSE) is the chaincode's.
 */
import { decodeBase64Std, encodeBase64Std } from '../../src/core/log/base64-std.js';
import { malformed } from './errors.js';

export { toHex } from '../../src/core/log/log-proof-error.js';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  return encodeBase64Std(bytes);
}

/** base64url without padding (JOSE). */
export function toBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes canonical standard base64 (padding required, zero trailing bits).
 * @throws ERR_MALFORMED naming `what`.
 */
export function fromBase64(text: string, what: string): Uint8Array {
  const bytes = decodeBase64Std(text);
  if (bytes === undefined) throw malformed(`${what} is not canonical base64`);
  return bytes;
}

/**
 * Decodes canonical base64url without padding.
 * @throws ERR_MALFORMED naming `what`.
 */
export function fromBase64url(text: string, what: string): Uint8Array {
  if (!BASE64URL.test(text) || text.length % 4 === 1) throw malformed(`${what} is not base64url`);
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) throw malformed(`${what} is not canonical base64url`);
  return new Uint8Array(bytes);
}

/**
 * True when `text` holds an ASCII control character (newline allowed if asked) or a
 * lone surrogate, which has no UTF-8 encoding.
 */
export function hasBadCharacters(text: string, allowNewline: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && !(allowNewline && c === 0x0a)) || c === 0x7f) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
