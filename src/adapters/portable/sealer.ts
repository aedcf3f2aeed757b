/**
 * AES-256-GCM sealing of personal data at rest, under a key id so keys can rotate:
 * new data is sealed with the current key; any key still in the ring opens old data.
 * WebCrypto by default, so the same code runs on Node and Workers; a runtime may pass a
 * faster AES-GCM of its own (the Node adapter does), producing the same bytes.
 */
import { base64url, fromBase64 } from '../../core/encoding.ts';
import { hmacSha256 } from '../../core/log/hashes.ts';

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

/** AES-256-GCM under one key: the ciphertext carries its 16-byte tag at the end, as WebCrypto's does. */
export interface AesGcmKey {
  encrypt(iv: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Rejects when the tag does not verify. */
  decrypt(iv: Uint8Array, additionalData: Uint8Array, sealed: Uint8Array): Promise<Uint8Array>;
}

/** Turns a raw 32-byte key into an {@link AesGcmKey}. */
export type AesGcmImport = (raw: Uint8Array) => Promise<AesGcmKey>;

/** AES-256-GCM through WebCrypto, available on every runtime. */
export const webCryptoAesGcm: AesGcmImport = async (raw) => {
  const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
  return {
    encrypt: async (iv, additionalData, plaintext) =>
      new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, plaintext)),
    decrypt: async (iv, additionalData, sealed) =>
      new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key, sealed)),
  };
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const IV_BYTES = 12;

/**
 * @example
 * const sealer = await createSealer(ring); // or createSealer(ring, nodeAesGcm) on Node
 * const sealed = await sealer.sealJson({ idNumber });
 */
export async function createSealer(
  ring: DataKeyRing,
  importKey: AesGcmImport = webCryptoAesGcm,
): Promise<Sealer> {
  const keys = new Map<string, AesGcmKey>();
  for (const [kid, raw] of Object.entries(ring.keys)) {
    if (raw.length !== 32) throw new Error(`data key ${kid} must be 32 bytes`);
    keys.set(kid, await importKey(raw));
  }
  const found = keys.get(ring.current);
  if (!found) throw new Error('the current data key is not in the ring');
  const currentKey = found;
  const currentKid = encoder.encode(ring.current);

  // IVs are cut from a pool of CSPRNG bytes, each byte used once: one getRandomValues call
  // serves ~340 seals instead of one each.
  let pool = new Uint8Array(0);
  let used = 0;
  function freshIv(): Uint8Array {
    if (used + IV_BYTES > pool.length) {
      pool = crypto.getRandomValues(new Uint8Array(4096));
      used = 0;
    }
    used += IV_BYTES;
    return pool.subarray(used - IV_BYTES, used);
  }

  async function seal(plaintext: Uint8Array): Promise<string> {
    const iv = freshIv();
    const ct = await currentKey.encrypt(iv, currentKid, plaintext);
    return `${ring.current}.${base64url(iv)}.${base64url(ct)}`;
  }

  async function open(sealed: string): Promise<Uint8Array> {
    const [kid, iv, ct] = sealed.split('.');
    const key = kid === undefined ? undefined : keys.get(kid);
    if (!key || iv === undefined || ct === undefined)
      throw new Error('sealed value under an unknown key or malformed');
    return key.decrypt(fromBase64(iv), encoder.encode(kid), fromBase64(ct));
  }

  return {
    seal,
    open,
    sealJson: (value) => seal(encoder.encode(JSON.stringify(value))),
    openJson: async <T>(sealed: string) => JSON.parse(decoder.decode(await open(sealed))) as T,
    lookupHash: (idNumber) => base64url(hmacSha256(ring.lookupKey, encoder.encode(idNumber))),
  };
}
