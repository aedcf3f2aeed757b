/**
 * Verifies a decision and its receipt with public material only (JWKS, the log's verifier
 * key) and standard algorithms: JWS via jose (WebCrypto), RFC 9162 and C2SP via the pure
 * core. Deliberately independent of src/audit, so the verifier there is not the only one.
 */
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { expect } from 'vitest';
import type { Decision } from '../../schemas/decision.ts';
import { canonicalBytes } from '../../src/core/canonical-json.ts';
import { sha256 } from '../../src/core/digest.ts';
import { base64url, fromBase64 } from '../../src/core/encoding.ts';
import { openCheckpoint } from '../../src/core/log/checkpoint.ts';
import { leafHash } from '../../src/core/log/rfc9162.ts';
import { verifyInclusion } from '../../src/core/log/verify.ts';

/** What a verified receipt's leaf says (canonical JSON, no personal data). */
export interface VerifiedDecision {
  readonly leaf: Readonly<Record<string, unknown>>;
  readonly leafText: string;
  readonly treeSize: number;
  readonly alg: string;
}

/** Everything but `signature`, `receipt` and the read-time `supersededBy`: the fields the JWS covers. */
export function signedPart(decision: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { signature: _signature, receipt: _receipt, supersededBy: _supersededBy, ...signed } = decision;
  return signed;
}

/**
 * Throws (through `expect`) unless the JWS verifies under `jwks`, its payload is exactly
 * the canonical signed fields of `raw`, the leaf names this decision and the payload digest,
 * and the inclusion proof leads to a checkpoint signed under `logKey`.
 * @example await verifyDecision(JSON.parse(text), decision, jwks, logKey);
 */
export async function verifyDecision(
  raw: Readonly<Record<string, unknown>>,
  decision: Decision,
  jwks: JSONWebKeySet,
  logKey: string,
): Promise<VerifiedDecision> {
  const header = decodeProtectedHeader(decision.signature);
  expect(['ES256', 'EdDSA']).toContain(header.alg);
  expect(typeof header.kid).toBe('string');
  const { payload } = await compactVerify(decision.signature, createLocalJWKSet(jwks), {
    algorithms: ['ES256', 'EdDSA'],
  });
  expect(new TextDecoder().decode(payload)).toBe(new TextDecoder().decode(canonicalBytes(signedPart(raw))));

  const leafBytes = fromBase64(decision.receipt.leaf);
  const leafText = new TextDecoder().decode(leafBytes);
  const leaf = JSON.parse(leafText) as Record<string, unknown>;
  expect(leafText).toBe(new TextDecoder().decode(canonicalBytes(leaf)));
  expect(leaf).toMatchObject({
    kind: 'decision',
    decisionId: decision.id,
    payloadDigest: base64url(sha256(payload)),
  });

  const checkpoint = openCheckpoint(decision.receipt.checkpoint, logKey, {
    origin: decision.receipt.logOrigin,
  });
  expect(decision.receipt.leafIndex).toBeLessThan(checkpoint.size);
  verifyInclusion(
    leafHash(leafBytes),
    decision.receipt.leafIndex,
    checkpoint.size,
    decision.receipt.inclusionProof.map(fromBase64),
    checkpoint.rootHash,
  );
  return { leaf, leafText, treeSize: checkpoint.size, alg: String(header.alg) };
}
