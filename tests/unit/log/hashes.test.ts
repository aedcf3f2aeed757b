/**
 * The core's hashes: node:crypto (installed by the Node runtime) and the portable default give
 * the same bytes on every input, and installing one changes what the log and commitments use.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeHashes } from '../../../src/adapters/node/node-hashes.ts';
import { digestOf } from '../../../src/core/digest.ts';
import { type Hashes, hmacSha256, portableHashes, sha256, useHashes } from '../../../src/core/log/hashes.ts';
import { leafHash } from '../../../src/core/log/rfc9162.ts';

const bytes = fc.uint8Array({ maxLength: 5_000 });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

afterEach(() => useHashes(portableHashes));

describe('hashes', () => {
  it('node:crypto and @noble/hashes agree on SHA-256', () => {
    fc.assert(fc.property(bytes, (b) => hex(nodeHashes.sha256(b)) === hex(portableHashes.sha256(b))));
  });

  it('node:crypto and @noble/hashes agree on HMAC-SHA-256, keys of any length', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        bytes,
        (key, b) => hex(nodeHashes.hmacSha256(key, b)) === hex(portableHashes.hmacSha256(key, b)),
      ),
    );
  });

  it('meets the FIPS 180-2 and RFC 4231 vectors on both', () => {
    const abc = new TextEncoder().encode('abc');
    const key = new Uint8Array(20).fill(0x0b);
    const hiThere = new TextEncoder().encode('Hi There');
    for (const h of [nodeHashes, portableHashes]) {
      expect(hex(h.sha256(abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(hex(h.hmacSha256(key, hiThere))).toBe(
        'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      );
    }
  });

  it('routes the core through the installed implementation', () => {
    const calls: string[] = [];
    const counting: Hashes = {
      sha256: (d) => {
        calls.push('sha256');
        return portableHashes.sha256(d);
      },
      hmacSha256: (k, d) => {
        calls.push('hmac');
        return portableHashes.hmacSha256(k, d);
      },
    };
    const before = { leaf: hex(leafHash(new Uint8Array([1, 2]))), digest: digestOf({ a: 1 }) };
    useHashes(counting);
    expect(hex(leafHash(new Uint8Array([1, 2])))).toBe(before.leaf);
    expect(digestOf({ a: 1 })).toBe(before.digest);
    hmacSha256(new Uint8Array(32), new Uint8Array(1));
    sha256(new Uint8Array(0));
    expect(calls).toEqual(['sha256', 'sha256', 'hmac', 'sha256']);
  });
});
