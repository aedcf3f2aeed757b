/**
 * Strict standard base64 (RFC 4648 §4, with padding), as signed notes and checkpoints
 * use it. Kept here rather than imported from `core/encoding.ts` so the checkpoint
 * verifier can be read alone, and stricter than that lenient decoder on purpose: one
 * hash or signature has exactly one accepted spelling.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;

/**
 * Encodes bytes as padded standard base64.
 *
 * @example
 * ```ts
 * encodeBase64Std(new Uint8Array([1, 2])); // 'AQI='
 * ```
 */
export function encodeBase64Std(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] ?? 0;
    const b1 = bytes[i + 1] ?? 0;
    const b2 = bytes[i + 2] ?? 0;
    const n = (b0 << 16) | (b1 << 8) | b2;
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63);
    out += i + 1 < bytes.length ? ALPHABET.charAt((n >> 6) & 63) : '=';
    out += i + 2 < bytes.length ? ALPHABET.charAt(n & 63) : '=';
  }
  return out;
}

/**
 * Decodes padded standard base64, or returns `undefined` for anything else (url-safe
 * letters, missing padding, whitespace, non-zero unused bits).
 *
 * @example
 * ```ts
 * decodeBase64Std('AQI='); // Uint8Array [1, 2]
 * decodeBase64Std('AQI');  // undefined
 * ```
 */
export function decodeBase64Std(text: string): Uint8Array | undefined {
  if (!CANONICAL.test(text)) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let j = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = text.charAt(i + k);
      n = (n << 6) | (c === '=' ? 0 : ALPHABET.indexOf(c));
    }
    if (j < out.length) out[j++] = (n >> 16) & 0xff;
    if (j < out.length) out[j++] = (n >> 8) & 0xff;
    if (j < out.length) out[j++] = n & 0xff;
  }
  return out;
}
