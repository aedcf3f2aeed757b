/**
 * Public JWKs of the gateway's decision-signing (JWS) keys: Ed25519 (`EdDSA`) and P-256
 * (`ES256`), the two algorithms the gateway's Signer port allows. Only public members
 * are accepted; the key must be a valid curve point.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalJson } from './canonical-json.js';
import { fromBase64url, toBase64url, utf8 } from './encoding.js';
import { malformed } from './errors.js';

export type PublicJwk =
  | { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg?: string; use?: string; key_ops?: string[] }
  | {
      kty: 'EC';
      crv: 'P-256';
      x: string;
      y: string;
      kid: string;
      alg?: string;
      use?: string;
      key_ops?: string[];
    };

const ALLOWED_MEMBERS = new Set(['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use', 'key_ops']);
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** A kid is a ledger-key part: printable ASCII, no spaces. */
const KID = /^[\x21-\x7e]{1,256}$/;

/** Throws unless `kid` can be a ledger key part. */
export function checkKid(kid: string): void {
  if (!KID.test(kid)) throw malformed('kid must be 1 to 256 printable ASCII characters without spaces');
}

/**
 * Parses and checks a public JWK for `kid`; the returned JWK always carries `kid`.
 * @throws ERR_MALFORMED
 * @example parsePublicJwk('sig-2025', '{"kty":"OKP","crv":"Ed25519","x":"…"}')
 */
export function parsePublicJwk(kid: string, jwkJson: string): PublicJwk {
  checkKid(kid);
  let parsed: unknown;
  try {
    parsed = JSON.parse(jwkJson);
  } catch {
    throw malformed('jwk is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw malformed('jwk is not an object');
  const jwk = parsed as Record<string, unknown>;
  const members = Object.keys(jwk).sort();
  const secret = members.find((m) => PRIVATE_MEMBERS.includes(m));
  if (secret !== undefined)
    throw malformed(`jwk holds private member "${secret}": register public keys only`);
  const unknown = members.find((m) => !ALLOWED_MEMBERS.has(m));
  if (unknown !== undefined) throw malformed(`jwk member "${unknown}" is not accepted`);
  if (jwk.kid !== undefined && jwk.kid !== kid) throw malformed('jwk kid differs from the kid argument');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw malformed('jwk use must be "sig"');
  const keyOps = jwk.key_ops;
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.length === 1 && keyOps[0] === 'verify')) {
    throw malformed('jwk key_ops must be ["verify"]');
  }
  const extra = {
    ...(typeof jwk.alg === 'string' ? { alg: jwk.alg } : {}),
    ...(jwk.use === 'sig' ? { use: 'sig' } : {}),
    ...(keyOps !== undefined ? { key_ops: ['verify'] } : {}),
  };
  if (jwk.alg !== undefined && typeof jwk.alg !== 'string') throw malformed('jwk alg is not a string');

  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    if (jwk.alg !== undefined && jwk.alg !== 'EdDSA' && jwk.alg !== 'Ed25519')
      throw malformed('Ed25519 jwk alg must be EdDSA');
    if (jwk.y !== undefined) throw malformed('OKP jwk has a "y" member');
    const x = coordinate(jwk.x, 'x');
    try {
      if (ed25519.Point.fromBytes(fromBase64url(x, 'jwk x')).isSmallOrder()) throw new Error('small order');
    } catch {
      throw malformed('jwk x is not a usable Ed25519 public key');
    }
    return { kty: 'OKP', crv: 'Ed25519', x, kid, ...extra };
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    if (jwk.alg !== undefined && jwk.alg !== 'ES256') throw malformed('P-256 jwk alg must be ES256');
    const x = coordinate(jwk.x, 'x');
    const y = coordinate(jwk.y, 'y');
    const point = new Uint8Array(65);
    point[0] = 0x04;
    point.set(fromBase64url(x, 'jwk x'), 1);
    point.set(fromBase64url(y, 'jwk y'), 33);
    try {
      p256.Point.fromBytes(point).assertValidity();
    } catch {
      throw malformed('jwk x, y is not a P-256 point');
    }
    return { kty: 'EC', crv: 'P-256', x, y, kid, ...extra };
  }
  throw malformed('jwk must be an OKP Ed25519 or EC P-256 public key');
}

/** RFC 7638 thumbprint (SHA-256, base64url): the key's identity whatever its kid. */
export function jwkThumbprint(jwk: PublicJwk): string {
  const required =
    jwk.kty === 'OKP'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return toBase64url(sha256(utf8(canonicalJson(required))));
}

function coordinate(value: unknown, name: string): string {
  if (typeof value !== 'string') throw malformed(`jwk ${name} is missing`);
  if (fromBase64url(value, `jwk ${name}`).length !== 32) throw malformed(`jwk ${name} is not 32 bytes`);
  return value;
}
