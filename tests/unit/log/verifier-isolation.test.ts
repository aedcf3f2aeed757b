/**
 * "Verifier apart from writer": an auditor must be able to read the verifier alone.
 * This walks the imports of the verifier entry points and fails if they reach the
 * writer side (proofs, compact ranges), any other project module, or a runtime.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const LOG_DIR = new URL('../../../src/core/log/', import.meta.url);

function closure(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(new URL(file, LOG_DIR), 'utf8');
    for (const [, spec] of source.matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
      if (spec === undefined) continue;
      if (spec.startsWith('./')) visit(spec.slice(2));
      else if (spec.startsWith('.')) packages.add(`project:${spec}`);
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files: [...files].sort(), packages: [...packages].sort() };
}

describe('the verifier reads alone', () => {
  it('verify.ts needs only the hash functions and its error', () => {
    expect(closure('verify.ts')).toEqual({
      files: ['hashes.ts', 'log-proof-error.ts', 'rfc9162.ts', 'verify.ts'],
      packages: ['@noble/hashes/hmac.js', '@noble/hashes/sha2.js'],
    });
  });

  it('checkpoint.ts needs only the signed-note files', () => {
    expect(closure('checkpoint.ts')).toEqual({
      files: [
        'base64-std.ts',
        'checkpoint-error.ts',
        'checkpoint.ts',
        'hashes.ts',
        'note-key.ts',
        'signed-note.ts',
      ],
      packages: ['@noble/curves/ed25519.js', '@noble/hashes/hmac.js', '@noble/hashes/sha2.js'],
    });
  });
});
