/**
 * Issue 3: `egw audit verify RECEIPT.json --gateway URL` against a real decision. It passes
 * every check (exit 0), and names the check that fails (exit 1) for an altered outcome, a
 * flipped inclusion-proof hash, and a checkpoint checked against another log key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { Decision } from '../../../schemas/index.ts';
import { generateNoteKey } from '../../../src/core/log/index.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';
import { b64, runCli } from './log-helpers.ts';

const fixtures = generatePopulation({ seed: 'log-audit-cli', size: 10 });
const dir = mkdtempSync(join(tmpdir(), 'egw-audit-cli-'));
let gw: InProcessGateway;
let decision: Decision;

beforeAll(async () => {
  gw = await startInProcess({ fixtures });
  const token = await gw.token();
  // A few decisions first, so the receipt's inclusion proof has several hashes.
  for (let i = 0; i < 3; i++) expect((await gw.verify(requestFor(fixtures, i), { token })).status).toBe(201);
  const response = await gw.verify(requestFor(fixtures, 3), { token });
  expect(response.status).toBe(201);
  decision = (await response.json()) as Decision;
  expect(decision.receipt.inclusionProof.length).toBeGreaterThan(1);
});
afterAll(async () => {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

/** The checks the command printed, by verdict. */
function verdicts(stdout: string): { pass: string[]; fail: string[] } {
  const of = (word: string) =>
    [...stdout.matchAll(new RegExp(`^${word}  (\\w+)`, 'gm'))].map((m) => m[1] ?? '');
  return { pass: of('PASS'), fail: of('FAIL') };
}

function flipFirstByte(b64text: string): string {
  const bytes = Buffer.from(b64(b64text));
  bytes[0] = (bytes[0] ?? 0) ^ 0x80;
  return bytes.toString('base64');
}

describe('egw audit verify', () => {
  it('passes a real decision and names the failing check for each kind of tampering', async () => {
    const other = generateNoteKey(decision.receipt.logOrigin).verifierKey;
    const outcome = decision.outcome === 'eligible' ? 'ineligible' : 'eligible';
    const proof = decision.receipt.inclusionProof.map((h, i) => (i === 1 ? flipFirstByte(h) : h));
    const [real, altered, flipped, foreignKey] = await Promise.all([
      runCli(['audit', 'verify', write('real.json', decision), '--gateway', gw.url]),
      runCli(['audit', 'verify', write('outcome.json', { ...decision, outcome }), '--gateway', gw.url]),
      runCli([
        'audit',
        'verify',
        write('proof.json', { ...decision, receipt: { ...decision.receipt, inclusionProof: proof } }),
        '--gateway',
        gw.url,
      ]),
      runCli([
        'audit',
        'verify',
        write('real-again.json', decision),
        '--jwks',
        `${gw.url}/.well-known/jwks.json`,
        '--log-key',
        other,
      ]),
    ]);

    expect(real.stderr).toBe('');
    expect(verdicts(real.stdout)).toEqual({
      pass: ['signature', 'payload', 'leaf', 'checkpoint', 'inclusion'],
      fail: [],
    });
    expect(real.stdout).toContain('The receipt verifies');
    expect(real.code).toBe(0);

    // (i) The outcome no longer matches what was signed (and what the leaf commits to).
    expect(verdicts(altered.stdout).fail).toEqual(['payload']);
    expect(altered.stdout).toContain('the decision was altered after signing');
    expect(altered.stdout).toContain('The receipt does NOT verify');
    expect(altered.code).toBe(1);

    // (ii) One flipped bit in one proof hash.
    expect(verdicts(flipped.stdout).fail).toEqual(['inclusion']);
    expect(flipped.stdout).toContain('does not lead from the leaf to the checkpoint’s root');
    expect(flipped.code).toBe(1);

    // (iii) The checkpoint is checked against someone else's key (same log name).
    expect(verdicts(foreignKey.stdout).fail).toEqual(['checkpoint', 'inclusion']);
    expect(foreignKey.stdout).toContain('not signed by the log key given');
    expect(foreignKey.code).toBe(1);
  });
});
