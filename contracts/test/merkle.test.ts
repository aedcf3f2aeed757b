import { describe, expect, it } from 'vitest';
import { AnchorError } from '../src/errors.js';
import { emptyRoot, leafHash, nodeHash, verifyConsistency } from '../src/merkle.js';
import { parseProofJson } from '../src/proof-json.js';
import { TestLog } from './support/merkle-builder.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof AnchorError ? err.code : 'not an AnchorError';
  }
}

function flipBit(hash: Uint8Array, bit: number): Uint8Array {
  const copy = hash.slice();
  copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return copy;
}

describe('RFC 9162 hashing', () => {
  it('matches the RFC 6962 empty-tree and empty-leaf vectors', () => {
    expect(hex(emptyRoot())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(leafHash(new Uint8Array(0)))).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
  });

  it('hashes nodes as SHA-256(0x01 || left || right)', () => {
    const log = new TestLog().append(2);
    const [a, b] = log.leaves as [Uint8Array, Uint8Array];
    expect(hex(nodeHash(leafHash(a), leafHash(b)))).toBe(hex(log.root()));
  });
});

describe('verifyConsistency', () => {
  const log = new TestLog().append(33);

  it('accepts every proof of the naive builder for 1 <= m <= n <= 33', () => {
    for (let n = 1; n <= 33; n++) {
      for (let m = 1; m <= n; m++) {
        expect(
          codeOf(() => verifyConsistency(m, n, log.consistency(m, n), log.root(m), log.root(n))),
          `${m}->${n}`,
        ).toBe(undefined);
      }
    }
  });

  it('rejects every single-bit flip of every proof hash and of both roots', () => {
    for (let n = 2; n <= 17; n++) {
      for (let m = 1; m < n; m++) {
        const proof = log.consistency(m, n);
        proof.forEach((hash, i) => {
          for (let bit = 0; bit < 256; bit += 37) {
            const bad = proof.map((h, j) => (j === i ? flipBit(hash, bit) : h));
            expect(
              codeOf(() => verifyConsistency(m, n, bad, log.root(m), log.root(n))),
              `${m}->${n} [${i}] bit ${bit}`,
            ).toBe('ERR_INCONSISTENT');
          }
        });
        expect(codeOf(() => verifyConsistency(m, n, proof, flipBit(log.root(m), 5), log.root(n)))).toBe(
          'ERR_INCONSISTENT',
        );
        expect(codeOf(() => verifyConsistency(m, n, proof, log.root(m), flipBit(log.root(n), 200)))).toBe(
          'ERR_INCONSISTENT',
        );
      }
    }
  });

  it('rejects proofs with a hash missing or added, and the proof of other sizes', () => {
    for (const [m, n] of [
      [1, 2],
      [3, 7],
      [4, 8],
      [6, 8],
      [7, 31],
      [16, 32],
    ] as const) {
      const proof = log.consistency(m, n);
      const extra = new Uint8Array(32).fill(7);
      expect(codeOf(() => verifyConsistency(m, n, proof.slice(0, -1), log.root(m), log.root(n)))).toBe(
        'ERR_INCONSISTENT',
      );
      expect(codeOf(() => verifyConsistency(m, n, [...proof, extra], log.root(m), log.root(n)))).toBe(
        'ERR_INCONSISTENT',
      );
      expect(codeOf(() => verifyConsistency(m, n + 1, proof, log.root(m), log.root(n + 1)))).toBe(
        'ERR_INCONSISTENT',
      );
    }
  });

  it('needs an empty proof and equal roots between equal sizes', () => {
    expect(codeOf(() => verifyConsistency(5, 5, [], log.root(5), log.root(5)))).toBe(undefined);
    expect(codeOf(() => verifyConsistency(5, 5, [], log.root(5), log.root(6)))).toBe('ERR_INCONSISTENT');
    expect(codeOf(() => verifyConsistency(5, 5, [log.root(5)], log.root(5), log.root(5)))).toBe(
      'ERR_INCONSISTENT',
    );
  });

  it('refuses the empty tree, shrinking trees, bad sizes and short hashes as malformed', () => {
    expect(codeOf(() => verifyConsistency(0, 3, [], emptyRoot(), log.root(3)))).toBe('ERR_MALFORMED');
    expect(codeOf(() => verifyConsistency(4, 3, [], log.root(4), log.root(3)))).toBe('ERR_MALFORMED');
    expect(codeOf(() => verifyConsistency(1.5, 3, [], log.root(1), log.root(3)))).toBe('ERR_MALFORMED');
    expect(codeOf(() => verifyConsistency(1, 2 ** 53, [], log.root(1), log.root(3)))).toBe('ERR_MALFORMED');
    expect(codeOf(() => verifyConsistency(1, 2, [new Uint8Array(31)], log.root(1), log.root(2)))).toBe(
      'ERR_MALFORMED',
    );
  });

  it('handles sizes beyond 32 bits without truncating (proof shape only)', () => {
    // 2^40 -> 2^40 + 1: the path has one hash; a wrong one must fail, not throw a TypeError.
    const big = 2 ** 40;
    expect(
      codeOf(() => verifyConsistency(big, big + 1, [new Uint8Array(32)], log.root(1), log.root(2))),
    ).toBe('ERR_INCONSISTENT');
  });

  it('names both roots in the refusal', () => {
    const fork = log.fork(3).append(5, 'fork');
    try {
      verifyConsistency(4, 8, fork.consistency(4, 8), log.root(4), fork.root(8));
      expect.unreachable();
    } catch (err) {
      const e = err as AnchorError;
      expect(e.message).toMatch(/^ERR_INCONSISTENT: size 8 root \S+ does not extend size 4 root \S+/);
      expect(e.message).toContain(Buffer.from(log.root(4)).toString('base64'));
      expect(e.message).toContain(Buffer.from(fork.root(8)).toString('base64'));
      expect(e.facts).toMatchObject({ size1: 4, size2: 8 });
    }
  });
});

describe('parseProofJson', () => {
  it('parses a JSON array of base64 hashes', () => {
    const log = new TestLog().append(7);
    const proof = log.consistency(3, 7);
    const parsed = parseProofJson(JSON.stringify(proof.map((h) => Buffer.from(h).toString('base64'))));
    expect(parsed.map(hex)).toEqual(proof.map(hex));
    expect(parseProofJson('[]')).toEqual([]);
  });

  it.each([
    ['not JSON', 'nope'],
    ['an object', '{"hashes":[]}'],
    ['a number item', '[1]'],
    ['a 31-byte hash', JSON.stringify([Buffer.alloc(31).toString('base64')])],
    ['base64url', JSON.stringify([`${'_'.repeat(43)}=`])],
    ['unpadded base64', JSON.stringify([Buffer.alloc(32).toString('base64').replace(/=+$/, '')])],
    ['non-canonical trailing bits', JSON.stringify([`${'A'.repeat(42)}B=`])],
    [
      'too many hashes',
      JSON.stringify(Array.from({ length: 109 }, () => Buffer.alloc(32).toString('base64'))),
    ],
  ])('refuses %s', (_what, json) => {
    expect(codeOf(() => parseProofJson(json))).toBe('ERR_MALFORMED');
  });
});
