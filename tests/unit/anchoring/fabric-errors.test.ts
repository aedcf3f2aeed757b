/**
 * What reaches the client from Fabric is text: the chaincode's `ERR_` code inside an
 * endorsement detail or after "chaincode response 500, ". These pin the mapping back to the
 * chaincode's codes, and the hand-read block number.
 */
import { describe, expect, it } from 'vitest';
import { blockNumberOf, refusalIn } from '../../../src/adapters/node/fabric-ledger-anchor.ts';

describe('refusalIn', () => {
  it('finds the chaincode code in an endorsement detail', () => {
    const r = refusalIn([
      'chaincode response 500, ERR_INCONSISTENT: tree size 8 is not consistent with tree size 5 (root1 ab, root2 cd)',
    ]);
    expect(r?.code).toBe('ERR_INCONSISTENT');
    expect(r?.detail).toBe('tree size 8 is not consistent with tree size 5 (root1 ab, root2 cd)');
  });
  it('looks through every detail and the message', () => {
    expect(
      refusalIn(['peer down', '10 ABORTED: failed to endorse: ERR_NOT_LARGER: size 3 <= anchored 5'])?.code,
    ).toBe('ERR_NOT_LARGER');
  });
  it('does not mistake other text for a refusal', () => {
    expect(refusalIn(['14 UNAVAILABLE: No connection established', 'ERR_SOMETHING_ELSE: x'])).toBeUndefined();
  });
});

describe('blockNumberOf', () => {
  it('reads the header number of a serialized block', () => {
    // Block{header{number: 150, previous_hash: 0x01}}
    expect(blockNumberOf(Uint8Array.from([0x0a, 0x06, 0x08, 0x96, 0x01, 0x12, 0x01, 0x01]))).toBe(150);
  });
  it('reads a zero number that proto3 leaves out', () => {
    expect(blockNumberOf(Uint8Array.from([0x0a, 0x03, 0x12, 0x01, 0x01]))).toBe(0);
  });
  it('reads numbers beyond 32 bits', () => {
    expect(blockNumberOf(Uint8Array.from([0x0a, 0x07, 0x08, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00]))).toBe(
      2 ** 32,
    );
  });
});
