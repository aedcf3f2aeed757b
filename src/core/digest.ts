import { canonicalBytes } from './canonical-json.ts';
import { base64url } from './encoding.ts';
import { sha256 } from './log/hashes.ts';

/** sha256 of the canonical JSON of a value, base64url without padding. */
export function digestOf(value: unknown): string {
  return base64url(sha256(canonicalBytes(value)));
}

export { sha256 };
