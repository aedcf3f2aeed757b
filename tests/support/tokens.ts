/** Tokens from the development issuer under a data directory, including deliberately bad ones. */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { DEFAULT_AUDIENCE, DEV_ISSUER, loadDevIssuerKey } from '../../src/adapters/node/key-files.ts';
import { toLowS } from '../../src/core/ecdsa-low-s.ts';
import type { MintTokenOptions } from '../contract/contract-target.ts';

/**
 * Like `egw token`, but the expiry may lie in the past and the audience may be wrong.
 * @example await mintDevToken(dataDir, ['verifications:write'], 'intake-a', { expiresInSeconds: -60 });
 */
export async function mintDevToken(
  dataDir: string,
  scopes: readonly string[],
  clientId: string,
  options: MintTokenOptions = {},
): Promise<string> {
  const { privateJwk, kid } = await loadDevIssuerKey(dataDir);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ scope: scopes.join(' '), client_id: clientId })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(DEV_ISSUER)
    .setAudience(options.audience ?? DEFAULT_AUDIENCE)
    .setSubject(clientId)
    .setIssuedAt(now - (options.expiresInSeconds !== undefined && options.expiresInSeconds < 0 ? 7200 : 0))
    .setExpirationTime(now + (options.expiresInSeconds ?? 3600))
    .setJti(randomUUID())
    .sign(privateJwk);
  return toLowS(token);
}
