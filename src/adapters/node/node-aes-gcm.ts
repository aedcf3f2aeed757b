/**
 * AES-256-GCM through node:crypto for the sealer. Same bytes as WebCrypto (ciphertext, then
 * the 16-byte tag), but done in the calling thread: a sealed value is a few hundred bytes,
 * and handing each one to WebCrypto's thread pool cost more than the cipher itself.
 */
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import type { AesGcmImport } from '../portable/sealer.ts';

const TAG_BYTES = 16;

/** @example const sealer = await createSealer(ring, nodeAesGcm); */
export const nodeAesGcm: AesGcmImport = async (raw) => {
  const key = createSecretKey(raw);
  return {
    async encrypt(iv, additionalData, plaintext) {
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(additionalData);
      return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    },
    async decrypt(iv, additionalData, sealed) {
      if (sealed.length < TAG_BYTES) throw new Error('sealed value too short to carry its tag');
      const body = sealed.subarray(0, sealed.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
        .setAAD(additionalData)
        .setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body), decipher.final()]);
    },
  };
};
