/**
 * The connection profile of one organisation's gateway client: which peer to talk to, over
 * which TLS root, as which MSP identity, and which channel and chaincode hold the anchors.
 * `npm run fabric:up` writes one per organisation; an operator writes their own the same way.
 * Relative paths resolve against the profile file's folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

const profileSchema = z.object({
  network: z.string().min(1),
  channel: z.string().min(1),
  chaincode: z.string().min(1),
  mspId: z.string().min(1),
  peer: z.object({
    endpoint: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port'),
    hostAlias: z.string().min(1).optional(),
    tlsRootCert: z.string().min(1),
  }),
  identity: z.object({ certificate: z.string().min(1), privateKey: z.string().min(1) }),
  /** The orderer's BatchTimeout, for lag figures; informative only. */
  batchTimeoutMs: z.number().int().positive().optional(),
  organizations: z.array(z.string()).optional(),
  /** Per-call deadlines (ms). */
  timeouts: z
    .object({
      evaluate: z.number().int().positive().optional(),
      endorse: z.number().int().positive().optional(),
      submit: z.number().int().positive().optional(),
      commitStatus: z.number().int().positive().optional(),
    })
    .optional(),
});

export type FabricProfile = z.infer<typeof profileSchema> & { readonly file: string };

/** A profile that cannot be used; the message is one line an operator can act on. */
export class FabricProfileError extends Error {
  override readonly name = 'FabricProfileError';
}

/** @example const profile = loadFabricProfile('.fabric-network/profiles/justice.json'); */
export function loadFabricProfile(file: string): FabricProfile {
  const path = resolve(file);
  if (!existsSync(path))
    throw new FabricProfileError(`fabric profile ${path} does not exist (npm run fabric:up writes one)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new FabricProfileError(`fabric profile ${path} is not JSON`);
  }
  const parsed = profileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FabricProfileError(
      `fabric profile ${path}: ${issue ? `/${issue.path.join('/')}: ${issue.message}` : 'invalid'}`,
    );
  }
  const base = dirname(path);
  const at = (p: string) => resolve(base, p);
  const profile = {
    ...parsed.data,
    peer: { ...parsed.data.peer, tlsRootCert: at(parsed.data.peer.tlsRootCert) },
    identity: {
      certificate: at(parsed.data.identity.certificate),
      privateKey: at(parsed.data.identity.privateKey),
    },
    file: path,
  };
  for (const f of [profile.peer.tlsRootCert, profile.identity.certificate, profile.identity.privateKey])
    if (!existsSync(f))
      throw new FabricProfileError(`fabric profile ${path} names ${f}, which does not exist`);
  return profile;
}
