/**
 * The core's SHA-256 and HMAC-SHA-256 through node:crypto (OpenSSL): 2–5× cheaper per call
 * than the pure-JavaScript default at the sizes the log hashes. Installed by the Node runtime
 * and the command line with `useHashes(nodeHashes)`.
 */
import { createHmac, hash } from 'node:crypto';
import type { Hashes } from '../../core/log/hashes.ts';

// Plain Uint8Arrays, as the portable ones return: a Buffer differs in equality checks and `.buffer`.
export const nodeHashes: Hashes = {
  sha256: (data) => new Uint8Array(hash('sha256', data, 'buffer')),
  hmacSha256: (key, data) => new Uint8Array(createHmac('sha256', key).update(data).digest()),
};
