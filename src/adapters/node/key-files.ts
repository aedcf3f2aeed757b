/**
 * File-backed keys under `<data>/keys/` (Node only): the decision signing key, its
 * retired public keys, and the development token issuer behind `egw token`.
 * Files are mode 0600 in a 0700 directory and written atomically, so a crash or two
 * processes starting at once never leave a half-written or a second, different key.
 */
import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWK,
  SignJWT,
} from 'jose';
import { toLowS } from '../../core/ecdsa-low-s.ts';
import type { JoseSignerOptions } from '../portable/jose-signer.ts';

/** `iss` of development tokens. A production deployment does not trust it. */
export const DEV_ISSUER = 'egw-dev';
/** Default `aud` the gateway expects. */
export const DEFAULT_AUDIENCE = 'eligibility-gateway';

const SIGNING_FILE = 'decision-signing.jwk.json';
const RETIRED_FILE = 'decision-signing-retired.jwks.json';
const DEV_ISSUER_FILE = 'dev-issuer.jwk.json';

/** `<data>/keys`. */
export function keysDir(dataDir: string): string {
  return join(dataDir, 'keys');
}

async function ensureKeysDir(dataDir: string): Promise<string> {
  const dir = keysDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  return dir;
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && codes.includes(err.code);
}

async function writeTemp(file: string, text: string): Promise<string> {
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    // chmod as well as the open mode: a umask can only narrow, but be explicit.
    await handle.chmod(0o600);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return tmp;
}

/** Publishes `text` at `file` only if absent; false when another writer got there first. */
async function createExclusive(file: string, text: string): Promise<boolean> {
  const tmp = await writeTemp(file, text);
  try {
    // link(2) fails with EEXIST instead of replacing: first writer wins, whole file or none.
    await link(tmp, file);
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    if (!isErrno(err, 'EPERM', 'ENOTSUP', 'ENOSYS')) throw err;
    // No hard links on this filesystem: exclusive create still guarantees a single winner.
    return writeExclusiveDirect(file, text);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function writeExclusiveDirect(file: string, text: string): Promise<boolean> {
  try {
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  }
}

async function replaceAtomically(file: string, text: string): Promise<void> {
  const tmp = await writeTemp(file, text);
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function readJson(file: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  // A key copied in by hand may be world-readable; tighten rather than refuse.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return JSON.parse(text);
}

function asPrivateEcJwk(value: unknown, file: string): JWK {
  if (typeof value !== 'object' || value === null) throw new Error(`${file}: not a JWK`);
  const jwk: JWK = { ...value };
  const ok =
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    typeof jwk.x === 'string' &&
    typeof jwk.y === 'string' &&
    typeof jwk.d === 'string' &&
    typeof jwk.kid === 'string';
  if (!ok) throw new Error(`${file}: expected a private EC P-256 JWK with a kid`);
  return jwk;
}

async function generateEs256(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { ...jwk, kid, alg: 'ES256', use: 'sig' };
}

async function loadOrCreateEs256(dataDir: string, name: string): Promise<JWK> {
  const file = join(await ensureKeysDir(dataDir), name);
  const existing = await readJson(file);
  if (existing !== undefined) return checkedKid(asPrivateEcJwk(existing, file), file);
  const created = await generateEs256();
  if (await createExclusive(file, `${JSON.stringify(created, null, 2)}\n`)) return created;
  return checkedKid(asPrivateEcJwk(await readJson(file), file), file);
}

// kid is the thumbprint by construction; a mismatch means the file was edited or corrupted.
async function checkedKid(jwk: JWK, file: string): Promise<JWK> {
  if ((await calculateJwkThumbprint(jwk, 'sha256')) !== jwk.kid)
    throw new Error(`${file}: kid is not the key's thumbprint`);
  return jwk;
}

function publicOf(jwk: JWK): JWK {
  return {
    kty: jwk.kty,
    crv: jwk.crv,
    x: jwk.x,
    y: jwk.y,
    kid: jwk.kid,
    alg: jwk.alg ?? 'ES256',
    use: 'sig',
  };
}

async function readRetired(dir: string): Promise<JWK[]> {
  const value = await readJson(join(dir, RETIRED_FILE));
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || !('keys' in value) || !Array.isArray(value.keys))
    throw new Error(`${join(dir, RETIRED_FILE)}: expected a JWKS`);
  return value.keys.filter((k): k is JWK => typeof k === 'object' && k !== null).map((k) => publicOf(k));
}

/**
 * The decision signing key (ES256, kid = RFC 7638 thumbprint), created on first use,
 * with the retired public keys: exactly the options of `createJoseSigner`.
 * @example
 * const signer = await createJoseSigner(await loadSigningKey('./data'));
 */
export async function loadSigningKey(dataDir: string): Promise<JoseSignerOptions & { readonly kid: string }> {
  const privateJwk = await loadOrCreateEs256(dataDir, SIGNING_FILE);
  const retired = await readRetired(keysDir(dataDir));
  return {
    privateJwk,
    kid: String(privateJwk.kid),
    alg: 'ES256',
    retiredPublicJwks: retired.filter((k) => k.kid !== privateJwk.kid),
  };
}

/**
 * Makes a new signing key current and keeps the old one's public half as retired, so
 * decisions signed before still verify. The retired list is written first: a crash
 * between the two writes leaves the old key current and also retired, which is harmless.
 * A running gateway keeps signing with the key it loaded until it restarts.
 * @example
 * const { kid, retiredKid } = await rotateSigningKey('./data');
 */
export async function rotateSigningKey(dataDir: string): Promise<{ kid: string; retiredKid: string }> {
  const dir = await ensureKeysDir(dataDir);
  const { privateJwk: old } = await loadSigningKey(dataDir);
  const retired = (await readRetired(dir)).filter((k) => k.kid !== old.kid);
  await replaceAtomically(
    join(dir, RETIRED_FILE),
    `${JSON.stringify({ keys: [publicOf(old), ...retired] }, null, 2)}\n`,
  );
  const next = await generateEs256();
  await replaceAtomically(join(dir, SIGNING_FILE), `${JSON.stringify(next, null, 2)}\n`);
  return { kid: String(next.kid), retiredKid: String(old.kid) };
}

/**
 * The development issuer's key pair (ES256), created on first use.
 * @example
 * const { publicJwk } = await loadDevIssuerKey('./data');
 */
export async function loadDevIssuerKey(
  dataDir: string,
): Promise<{ privateJwk: JWK; publicJwk: JWK; kid: string }> {
  const privateJwk = await loadOrCreateEs256(dataDir, DEV_ISSUER_FILE);
  return { privateJwk, publicJwk: publicOf(privateJwk), kid: String(privateJwk.kid) };
}

/** Structurally a `TrustedIssuer` of src/http/auth.ts (adapters do not import edges). */
export interface DevIssuerConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwks: JSONWebKeySet;
  /** `egw token --ttl` goes up to 30 days. */
  readonly maxLifetimeSeconds: number;
}

/** The longest lifetime `egw token` issues, and the development issuer accepts. */
export const DEV_TOKEN_MAX_SECONDS = 30 * 86_400;

/**
 * Trust configuration for `bearerJwt` accepting tokens from `egw token` with the same
 * `--data`. Only the embedded development setup should pass it.
 * @example
 * app.use('/v1/*', bearerJwt({ issuers: [await devIssuerConfig(dataDir)] }));
 */
export async function devIssuerConfig(
  dataDir: string,
  audience: string = DEFAULT_AUDIENCE,
): Promise<DevIssuerConfig> {
  const { publicJwk } = await loadDevIssuerKey(dataDir);
  return {
    issuer: DEV_ISSUER,
    audience,
    jwks: { keys: [publicJwk] },
    maxLifetimeSeconds: DEV_TOKEN_MAX_SECONDS,
  };
}

export interface DevTokenOptions {
  readonly dataDir: string;
  /** Space- or comma-separated, or a list. */
  readonly scopes: string | readonly string[];
  /** Default `egw-dev-client`. */
  readonly clientId?: string;
  /** Default 3600; at most 30 days. */
  readonly ttlSeconds?: number;
  readonly audience?: string;
}

/**
 * A JWT from the development issuer, as `egw token` prints it.
 * @example
 * const token = await issueDevToken({ dataDir: './data', scopes: 'verifications:write verifications:read' });
 */
export async function issueDevToken(options: DevTokenOptions): Promise<string> {
  const ttl = options.ttlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > 30 * 24 * 3600)
    throw new RangeError('issueDevToken: ttlSeconds must be a whole number of seconds up to 30 days');
  const scopes = (
    typeof options.scopes === 'string' ? options.scopes.split(/[\s,]+/) : [...options.scopes]
  ).filter((s) => s !== '');
  const clientId = options.clientId ?? 'egw-dev-client';
  const { privateJwk, kid } = await loadDevIssuerKey(options.dataDir);
  const now = Math.floor(Date.now() / 1000);
  // Low-S, as the gateway requires of ECDSA tokens (one encoding per token).
  return toLowS(
    await new SignJWT({ scope: [...new Set(scopes)].join(' '), client_id: clientId })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .setIssuer(DEV_ISSUER)
      .setAudience(options.audience ?? DEFAULT_AUDIENCE)
      .setSubject(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(privateJwk),
  );
}
