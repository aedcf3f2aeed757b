/**
 * `egw batch verify` on a file with bad lines (issue 12): it exits 1 when any line failed,
 * names the failing field as the API does, gives the line numbers of lines that are not
 * JSON, and says which client the decisions belong to and how to read them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import { egwInProcess } from '../../support/egw-in-process.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const fixtures = generatePopulation({ seed: 'batch-lines', size: 6 });
const dir = mkdtempSync(join(tmpdir(), 'egw-batch-lines-'));
let gw: InProcessGateway;

beforeAll(async () => {
  gw = await startInProcess({ fixtures });
});
afterAll(async () => {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});

function cases(): string {
  const good = requestFor(fixtures, 0);
  const badNumber = requestFor(fixtures, 1);
  const file = join(dir, 'cases.jsonl');
  writeFileSync(
    file,
    [
      JSON.stringify(good),
      '{"applicant": oops',
      JSON.stringify({ ...badNumber, applicant: { ...badNumber.applicant, idNumber: '12345' } }),
      JSON.stringify(requestFor(fixtures, 2)),
    ].join('\n'),
  );
  return file;
}

describe('egw batch verify with failing lines', () => {
  it('exits 1, names the field, lists the failed line numbers and the client', async () => {
    const file = cases();
    const out = join(dir, 'answers.jsonl');
    const result = await egwInProcess([
      'batch',
      'verify',
      file,
      '--gateway',
      gw.url,
      '--data',
      gw.dataDir,
      '--out',
      out,
      '--concurrency',
      '1',
    ]);
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      'errors 2; invalid line: not JSON: 1; 400 ERR_VALIDATION at /applicant/idNumber: 1',
    );
    expect(result.out).toContain('failed lines: 2, 3');
    expect(result.out).toContain(
      `the decisions belong to client "egw-batch": read one with a token for that client (egw token --client egw-batch --scope verifications:read) at GET ${gw.url}/v1/verifications/{id}`,
    );
    const answers = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number });
    expect(answers.map((a) => a.line).sort()).toEqual([1, 2, 3, 4]);
    // The identity number given is never echoed.
    expect(result.out + result.err).not.toContain('12345');
  });

  it('names the client of a --token, and a dead --gateway is one line', async () => {
    const file = join(dir, 'one.jsonl');
    writeFileSync(file, `${JSON.stringify(requestFor(fixtures, 3))}\n`);
    const token = await gw.token('verifications:write', 'case-system-7');
    const ok = await egwInProcess(['batch', 'verify', file, '--gateway', gw.url, '--token', token]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(
      'the decisions belong to client "case-system-7": read one with a token for that client (from your issuer)',
    );

    const dead = await egwInProcess([
      'batch',
      'verify',
      file,
      '--gateway',
      'http://127.0.0.1:1',
      '--token',
      token,
    ]);
    expect(dead.code).toBe(1);
    expect(dead.err).toMatch(/^egw batch verify: cannot reach http:\/\/127\.0\.0\.1:1: .+\n$/);
  });
});
