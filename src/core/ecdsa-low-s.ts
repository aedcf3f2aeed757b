/**
 * The low-S rule for ECDSA JWS signatures (issue 11). An ECDSA signature (r, s) has a twin
 * (r, n − s) that verifies just as well, so anyone holding a token can mint a second encoding
 * of it; a verifier that accepts only s ≤ n/2 gives every token exactly one. Issuers the
 * gateway controls normalise their signatures with {@link toLowS}.
 */
import { base64url, fromBase64 } from './encoding.ts';

/** Orders of the curves of ES256, ES384 and ES512. */
const CURVE_ORDERS: Readonly<Record<string, bigint>> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  ES512:
    0x01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
};

function split(signature: string): { r: Uint8Array; s: bigint; width: number } {
  const bytes = fromBase64(signature);
  const width = bytes.length / 2;
  let s = 0n;
  for (const b of bytes.subarray(width)) s = (s << 8n) | BigInt(b);
  return { r: bytes.subarray(0, width), s, width };
}

/**
 * Whether an ECDSA JWS signature (r ‖ s, base64url) of `alg` has s above half the curve order.
 * Other algorithms are never high-S.
 * @example isHighS('ES256', token.split('.')[2] ?? '')
 */
export function isHighS(alg: string, signature: string): boolean {
  const n = CURVE_ORDERS[alg];
  if (n === undefined) return false;
  return split(signature).s > n >> 1n;
}

/**
 * The same compact JWS with its ECDSA signature in low-S form (unchanged when it already is,
 * or when `alg` is not ECDSA). The result verifies under the same key.
 * @example const token = toLowS(await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(key));
 */
export function toLowS(jws: string): string {
  const at = jws.lastIndexOf('.');
  const header = JSON.parse(new TextDecoder().decode(fromBase64(jws.slice(0, jws.indexOf('.'))))) as {
    alg?: unknown;
  };
  const alg = typeof header.alg === 'string' ? header.alg : '';
  const n = CURVE_ORDERS[alg];
  if (n === undefined || !isHighS(alg, jws.slice(at + 1))) return jws;
  const { r, s, width } = split(jws.slice(at + 1));
  const low = new Uint8Array(width * 2);
  low.set(r, 0);
  let v = n - s;
  for (let i = width * 2 - 1; i >= width; i--) {
    low[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return `${jws.slice(0, at)}.${base64url(low)}`;
}
