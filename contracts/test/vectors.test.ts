/**
 * The chaincode's boundary over the shared log maths, on data it did not write. Since the
 * chaincode compiles the gateway's src/core/log in (one implementation, not two), this
 * suite no longer compares two implementations; it checks what the chaincode adds: that
 * every proof and checkpoint the gateway produced (../tests/vectors/log-proofs.json) is
 * accepted through the chaincode's own parsers and error mapping, that every mutation is
 * refused with the chaincode's code (ERR_INCONSISTENT, never a stray core error), that
 * the checkpoints anchor through the contract, and that it agrees with the independent
 * upstream probes (transparency-dev, golang.org/x/mod/sumdb/note). A missing file fails
 * the suite: the vectors are the contract between gateway and chaincode.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../src/checkpoint.js';
import { AnchorError } from '../src/errors.js';
import { leafHash, verifyConsistency } from '../src/merkle.js';
import { parseNote, parseVerifierKey, signatureBy } from '../src/note.js';
import { FakeLedger } from './support/fake-ledger.js';
import { TestLog } from './support/merkle-builder.js';

const VECTORS = resolve(__dirname, '../../tests/vectors');

/** Reads a shared vector file; throws (never skips) when it is absent. */
function load<T>(name: string): T {
  const file = resolve(VECTORS, name);
  if (!existsSync(file))
    throw new Error(`shared test vectors missing: ${file} (written by the gateway's src/core/log tests)`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

interface LogProofs {
  origin: string;
  verifierKey: string;
  leaves: string[];
  leafHashes: string[];
  /** roots[n]: root of the first n leaves, hex. */
  roots: string[];
  consistency: { size1: number; size2: number; root1: string; root2: string; proof: string[] }[];
  checkpoints: { size: number; rootHash: string; note: string }[];
}

interface Probes {
  consistency: {
    desc: string;
    file: string;
    wantErr: boolean;
    size1: string;
    size2: string;
    root1: string;
    root2: string;
    proof: string[];
  }[];
}

interface GoNote {
  verifierKey: string;
  text: string;
  note: string;
  badVerifierKeys: { key: string; why: string }[];
}

const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function flip(hash: Uint8Array, bit: number): Uint8Array {
  const copy = hash.slice();
  copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return copy;
}

function outcome(fn: () => void): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof AnchorError ? err.code : `unexpected ${String(err)}`;
  }
}

describe('tests/vectors/log-proofs.json (from src/core/log)', () => {
  const v = load<LogProofs>('log-proofs.json');

  it('has the shape this suite expects', () => {
    expect(v.consistency.length).toBeGreaterThan(0);
    expect(v.checkpoints.length).toBeGreaterThan(0);
    expect(v.roots).toHaveLength(v.leaves.length + 1);
  });

  it('hashes the same leaves and roots as the naive reference tree here', () => {
    const log = new TestLog();
    log.leaves.push(...v.leaves.map(unhex));
    expect(v.leaves.map((l) => hex(leafHash(unhex(l))))).toEqual(v.leafHashes);
    expect(v.roots.map((_, n) => hex(log.root(n)))).toEqual(v.roots);
  });

  it('accepts every consistency proof', () => {
    for (const c of v.consistency) {
      const run = () =>
        verifyConsistency(c.size1, c.size2, c.proof.map(unhex), unhex(c.root1), unhex(c.root2));
      expect(outcome(run), `${c.size1} -> ${c.size2}`).toBe('ok');
      expect(c.root1).toBe(v.roots[c.size1]);
      expect(c.root2).toBe(v.roots[c.size2]);
    }
  });

  it('rejects every bit-flipped proof hash and root, and every truncated or extended proof', () => {
    for (const c of v.consistency) {
      const proof = c.proof.map(unhex);
      const [r1, r2] = [unhex(c.root1), unhex(c.root2)];
      const cases: [string, () => void][] = [];
      proof.forEach((h, i) => {
        for (const bit of [0, 7, 100, 255]) {
          cases.push([
            `proof[${i}] bit ${bit}`,
            () =>
              verifyConsistency(
                c.size1,
                c.size2,
                proof.map((p, j) => (j === i ? flip(h, bit) : p)),
                r1,
                r2,
              ),
          ]);
        }
      });
      cases.push(['root1 flipped', () => verifyConsistency(c.size1, c.size2, proof, flip(r1, 9), r2)]);
      cases.push(['root2 flipped', () => verifyConsistency(c.size1, c.size2, proof, r1, flip(r2, 9))]);
      cases.push(['extra hash', () => verifyConsistency(c.size1, c.size2, [...proof, r1], r1, r2)]);
      if (proof.length > 0)
        cases.push([
          'last hash dropped',
          () => verifyConsistency(c.size1, c.size2, proof.slice(0, -1), r1, r2),
        ]);
      for (const [what, run] of cases)
        expect(outcome(run), `${c.size1} -> ${c.size2}: ${what}`).toBe('ERR_INCONSISTENT');
    }
  });

  it('verifies every checkpoint note under the vectors key, and refuses altered ones', () => {
    const verifier = parseVerifierKey(v.verifierKey);
    for (const cp of v.checkpoints) {
      const note = parseNote(cp.note);
      const parsed = parseCheckpoint(note.text);
      expect(parsed.origin).toBe(v.origin);
      expect(parsed.size).toBe(cp.size);
      expect(hex(parsed.rootHash)).toBe(cp.rootHash);
      expect(cp.rootHash).toBe(v.roots[cp.size]);
      expect(signatureBy(note, verifier), `checkpoint ${cp.size}`).toBeDefined();

      const otherSize = cp.note.replace(`\n${cp.size}\n`, `\n${cp.size + 1}\n`);
      expect(signatureBy(parseNote(otherSize), verifier)).toBeUndefined();
      const sigLine = note.signatures[0]?.encoded ?? '';
      const raw = Buffer.from(sigLine, 'base64');
      raw[10] = (raw[10] ?? 0) ^ 1;
      expect(
        signatureBy(parseNote(cp.note.replace(sigLine, raw.toString('base64'))), verifier),
      ).toBeUndefined();
    }
  });

  it('anchors the vectors checkpoints through the contract, with the vectors proof between them', async () => {
    const [first, second] = [...v.checkpoints].sort((a, b) => a.size - b.size);
    if (first === undefined || second === undefined) throw new Error('log-proofs.json needs two checkpoints');
    const proof = v.consistency.find((c) => c.size1 === first.size && c.size2 === second.size);
    if (proof === undefined)
      throw new Error(`log-proofs.json has no consistency proof ${first.size} -> ${second.size}`);
    const proofJson = JSON.stringify(proof.proof.map((h) => Buffer.from(h, 'hex').toString('base64')));

    const ledger = new FakeLedger();
    await ledger.tx((c, ctx) => c.RegisterLogKey(ctx, v.origin, v.verifierKey));
    await ledger.tx((c, ctx) => c.AnchorCheckpoint(ctx, first.note, '[]'));
    const bad = JSON.stringify(
      proof.proof.map((h, i) => Buffer.from(i === 0 ? flip(unhex(h), 3) : unhex(h)).toString('base64')),
    );
    await expect(ledger.tx((c, ctx) => c.AnchorCheckpoint(ctx, second.note, bad))).rejects.toThrow(
      /^ERR_INCONSISTENT: /,
    );
    const { result } = await ledger.tx((c, ctx) => c.AnchorCheckpoint(ctx, second.note, proofJson));
    expect(JSON.parse(result)).toMatchObject({
      size: second.size,
      rootHex: second.rootHash,
      previousSize: first.size,
    });
  });
});

describe('tests/vectors/transparency-dev-probes.json (upstream consistency probes)', () => {
  const probes = load<Probes>('transparency-dev-probes.json');

  // Where we refuse what upstream accepts, and why (src/core/log makes the same choice).
  const DEVIATIONS: Record<string, string> = {
    // Upstream compares equal roots of any length; a root here is always 32 bytes.
    'consistency/additional/sizes-are-equal-one-and-proof-is-empty.json': 'ERR_MALFORMED',
  };

  it('agrees with every upstream expectation but the documented deviation', () => {
    expect(probes.consistency.length).toBeGreaterThan(0);
    for (const p of probes.consistency) {
      // Sizes beyond 2^53 - 1 reach the verifier as unsafe numbers and are refused.
      const result = outcome(() =>
        verifyConsistency(
          Number(p.size1),
          Number(p.size2),
          p.proof.map(unhex),
          unhex(p.root1),
          unhex(p.root2),
        ),
      );
      expect(result, p.file).not.toMatch(/^unexpected/);
      const deviation = DEVIATIONS[p.file];
      if (deviation !== undefined) expect(result, p.file).toBe(deviation);
      else expect(result !== 'ok', `${p.file}: ${p.desc} (${result})`).toBe(p.wantErr);
    }
  });
});

describe('tests/vectors/signed-note-go.json (golang.org/x/mod/sumdb/note)', () => {
  const go = load<GoNote>('signed-note-go.json');

  it('verifies the Go note and refuses the Go bad keys', () => {
    const note = parseNote(go.note);
    expect(note.text).toBe(go.text);
    expect(signatureBy(note, parseVerifierKey(go.verifierKey))).toBeDefined();
    for (const bad of go.badVerifierKeys)
      expect(
        outcome(() => parseVerifierKey(bad.key)),
        bad.why,
      ).toBe('ERR_MALFORMED');
  });
});
