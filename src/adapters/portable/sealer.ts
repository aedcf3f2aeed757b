/**
 * AES-256-GCM sealing of personal data at rest, under a key id so keys can rotate:
 * new data is sealed with the current key; any key still in the ring opens old data.
 * WebCrypto only, so the same code runs on Node and Workers.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64url, fromBase64 } from '../../core/encoding.ts';

export interface DataKeyRing {
  /** Key id used for new data. */
  readonly current: string;
  /** Raw 32-byte keys by id. */
  readonly keys: Readonly<Record<string, Uint8Array>>;
  /** 32-byte key for keyed lookup hashes (never rotates without a re-index). */
  readonly lookupKey: Uint8Array;
}

export interface Sealer {
  /** `kid.iv.ciphertext`, base64url parts. The key id is bound as additional data. */
  seal(plaintext: Uint8Array): Promise<string>;
  open(sealed: string): Promise<Uint8Array>;
  sealJson(value: unknown): Promise<string>;
  openJson<T>(sealed: string): Promise<T>;
  /** Keyed hash of an identity number, for lookups: HMAC-SHA256 under the lookup key. */
  lookupHash(idNumber: string): string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * @example
 * const sealer = await createSealer(ring);
 * const sealed = await sealer.sealJson({ idNumber });
 */
export async function createSealer(ring: DataKeyRing): Promise<Sealer> {
  const keys = new Map<string, Awaited<ReturnType<typeof crypto.subtle.importKey>>>();
  for (const [kid, raw] of Object.entries(ring.keys)) {
    if (raw.length !== 32) throw new Error(`data key ${kid} must be 32 bytes`);
    keys.set(kid, await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']));
  }
  const found = keys.get(ring.current);
  if (!found) throw new Error('the current data key is not in the ring');
  const currentKey = found;

  async function seal(plaintext: Uint8Array): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: encoder.encode(ring.current) },
        currentKey,
        plaintext,
      ),
    );
    return `${ring.current}.${base64url(iv)}.${base64url(ct)}`;
  }

  async function open(sealed: string): Promise<Uint8Array> {
    const [kid, iv, ct] = sealed.split('.');
    const key = kid === undefined ? undefined : keys.get(kid);
    if (!key || iv === undefined || ct === undefined)
      throw new Error('sealed value under an unknown key or malformed');
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: fromBase64(iv), additionalData: encoder.encode(kid) },
        key,
        fromBase64(ct),
      ),
    );
  }

  return {
    seal,
    open,
    sealJson: (value) => seal(encoder.encode(JSON.stringify(value))),
    openJson: async <T>(sealed: string) => JSON.parse(decoder.decode(await open(sealed))) as T,
    lookupHash: (idNumber) => base64url(hmac(sha256, ring.lookupKey, encoder.encode(idNumber))),
  };
}
