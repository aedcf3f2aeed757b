/**
 * checkPeerReceipt: a peer's receipt verifies with the peer's log key alone, and every
 * mutation of it — a flipped proof bit, another index, another log, another key, a leaf bound
 * to other facts, another asking gateway or decision — is refused at the check it breaks.
 */
import { describe, expect, it } from 'vitest';
import type { Receipt } from '../../../schemas/index.ts';
import { canonicalBytes } from '../../../src/core/canonical-json.ts';
import { base64 } from '../../../src/core/encoding.ts';
import { FEDERATION_ACCESS_EVENT } from '../../../src/core/federation/facts-answer.ts';
import { checkPeerReceipt, type PeerReceiptExpectation } from '../../../src/core/federation/peer-receipt.ts';
import { signCheckpoint } from '../../../src/core/log/checkpoint.ts';
import { generateNoteKey } from '../../../src/core/log/note-key.ts';
import { leafHash, nodeHash } from '../../../src/core/log/rfc9162.ts';

const ORIGIN = 'cn-320500.gateway.test/log';
const keys = generateNoteKey(ORIGIN);
const attributes = {
  answer: 'answer-1',
  payloadDigest: 'digest-of-the-signed-facts',
  askedBy: 'cn-320100.gateway.test/log',
  decision: 'decision-1',
};
const eventLeaf = (attrs: Record<string, string>) =>
  canonicalBytes({
    v: 2,
    kind: 'event',
    type: FEDERATION_ACCESS_EVENT,
    at: '2025-06-30T01:00:00.000Z',
    actor: attrs.askedBy,
    attributes: attrs,
  });

/** A two-leaf log: an access leaf, then the federation event leaf at index 1. */
function receiptFor(leaf: Uint8Array, signerKey = keys.signerKey, origin = ORIGIN): Receipt {
  const first = canonicalBytes({ v: 2, kind: 'access', decisionId: 'answer-1' });
  const root = nodeHash(leafHash(first), leafHash(leaf));
  return {
    logOrigin: origin,
    leafIndex: 1,
    leaf: base64(leaf),
    checkpoint: signCheckpoint({ origin, size: 2, rootHash: root }, signerKey),
    inclusionProof: [base64(leafHash(first))],
  };
}

const expected: PeerReceiptExpectation = {
  logKey: keys.verifierKey,
  logOrigin: ORIGIN,
  answerId: attributes.answer,
  payloadDigest: attributes.payloadDigest,
  askedBy: attributes.askedBy,
  decisionId: attributes.decision,
};

describe('checkPeerReceipt', () => {
  const good = receiptFor(eventLeaf(attributes));

  it('accepts the receipt the peer built', () => {
    expect(checkPeerReceipt(good, expected)).toEqual({ ok: true, treeSize: 2 });
  });

  it.each([
    [
      'a flipped bit in the proof',
      { ...good, inclusionProof: [flip(good.inclusionProof[0] ?? '')] },
      'inclusion',
    ],
    ['another leaf index', { ...good, leafIndex: 0 }, 'inclusion'],
    ['another log origin', { ...good, logOrigin: 'elsewhere/log' }, 'checkpoint'],
    [
      'a checkpoint of another key',
      receiptFor(eventLeaf(attributes), generateNoteKey(ORIGIN).signerKey),
      'checkpoint',
    ],
    ['a leaf bound to other facts', receiptFor(eventLeaf({ ...attributes, payloadDigest: 'other' })), 'leaf'],
    ['a leaf of another answer', receiptFor(eventLeaf({ ...attributes, answer: 'answer-2' })), 'leaf'],
    ['a leaf for another asking gateway', receiptFor(eventLeaf({ ...attributes, askedBy: 'x/log' })), 'leaf'],
    ['a leaf for another decision', receiptFor(eventLeaf({ ...attributes, decision: 'decision-2' })), 'leaf'],
    ['a leaf that is not base64 JSON', { ...good, leaf: '!!!' }, 'leaf'],
  ] as const)('refuses %s', (_what, receipt, failed) => {
    expect(checkPeerReceipt(receipt as Receipt, expected)).toEqual({ ok: false, failed });
  });
});

/** The same base64 hash with its first bit flipped. */
function flip(b64: string): string {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  bytes[0] = (bytes[0] ?? 0) ^ 0x80;
  return base64(bytes);
}
