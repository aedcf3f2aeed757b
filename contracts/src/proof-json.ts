import { fromBase64 } from './encoding.js';
import { malformed } from './errors.js';
import { HASH_SIZE } from './merkle.js';

/** No consistency proof between sizes below 2^53 holds more hashes than this. */
const MAX_PROOF_HASHES = 2 * 53 + 2;

/**
 * Parses a consistency proof as the gateway sends it: a JSON array of standard base64
 * SHA-256 hashes, in RFC 9162 order.
 * @throws ERR_MALFORMED
 * @example parseProofJson('["q2kP…=", "7Zt3…="]')
 */
export function parseProofJson(json: string): Uint8Array[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw malformed('consistency proof is not JSON');
  }
  if (!Array.isArray(parsed)) throw malformed('consistency proof is not a JSON array of base64 hashes');
  if (parsed.length > MAX_PROOF_HASHES)
    throw malformed(`consistency proof has more than ${MAX_PROOF_HASHES} hashes`);
  return parsed.map((item: unknown, i) => {
    if (typeof item !== 'string') throw malformed(`consistency proof [${i}] is not a string`);
    const hash = fromBase64(item, `consistency proof [${i}]`);
    if (hash.length !== HASH_SIZE)
      throw malformed(`consistency proof [${i}] is ${hash.length} bytes, not ${HASH_SIZE}`);
    return hash;
  });
}
