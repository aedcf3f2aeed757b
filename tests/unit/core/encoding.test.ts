/** The core's base64 helpers agree with Node's Buffer on every input, both ways. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64, base64url, fromBase64 } from '../../../src/core/encoding.ts';

const bytes = fc.uint8Array({ maxLength: 20_000 });

describe('base64', () => {
  it('encodes as Buffer does, padding included', () => {
    fc.assert(fc.property(bytes, (b) => base64(b) === Buffer.from(b).toString('base64')));
  });

  it('encodes url-safe without padding as Buffer does', () => {
    fc.assert(fc.property(bytes, (b) => base64url(b) === Buffer.from(b).toString('base64url')));
  });

  it('decodes both alphabets back to the same bytes', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        expect(fromBase64(base64(b))).toEqual(b);
        expect(fromBase64(base64url(b))).toEqual(b);
      }),
    );
  });

  it('refuses characters outside both alphabets', () => {
    expect(() => fromBase64('ab$d')).toThrow(/invalid base64 character/);
    expect(() => fromBase64('abcde')).toThrow(/invalid base64 length/);
  });
});
