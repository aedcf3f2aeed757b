/**
 * The operator's first week (issue 12), against a real gateway: `egw audit verify` tells a
 * wrong key and a file that is no decision from an altered decision; `egw backup DIR` copies
 * a running gateway's data folder through SQLite's online backup, and a gateway restored from
 * it re-verifies its log at start and serves the receipts taken before; `egw keys rotate`
 * keeps the retired key in the JWKS so those receipts still verify.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { Decision } from '../../../schemas/index.ts';
import { egwInProcess } from '../../support/egw-in-process.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const fixtures = generatePopulation({ seed: 'operator-commands', size: 12 });
const dir = mkdtempSync(join(tmpdir(), 'egw-operator-'));
let gw: InProcessGateway | undefined;
let restored: InProcessGateway | undefined;
const decisions: Decision[] = [];

function write(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

async function decide(on: InProcessGateway, index: number): Promise<Decision> {
  const response = await on.verify(requestFor(fixtures, index));
  expect(response.status).toBe(201);
  return (await response.json()) as Decision;
}

beforeAll(async () => {
  gw = await startInProcess({ fixtures });
  for (let i = 0; i < 3; i++) decisions.push(await decide(gw, i));
});
afterAll(async () => {
  await gw?.close();
  await restored?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('egw audit verify', () => {
  it('passes a real decision; names an altered one as altered after signing', async () => {
    const url = gw?.url ?? expect.unreachable();
    const decision = decisions[0] ?? expect.unreachable();
    const ok = await egwInProcess(['audit', 'verify', write('ok.json', decision), '--gateway', url]);
    expect(ok).toMatchObject({ code: 0, err: '' });
    expect(ok.out).toContain('The receipt verifies');
    const outcome = decision.outcome === 'eligible' ? 'ineligible' : 'eligible';
    const altered = await egwInProcess([
      'audit',
      'verify',
      write('altered.json', { ...decision, outcome }),
      '--gateway',
      url,
    ]);
    expect(altered.code).toBe(1);
    expect(altered.out).toContain('the decision was altered after signing');
  });

  it('with another gateway’s keys says that no key matches, not that the decision was altered', async () => {
    const url = gw?.url ?? expect.unreachable();
    const { publicKey } = await generateKeyPair('ES256');
    const jwks = write('other-jwks.json', {
      keys: [{ ...(await exportJWK(publicKey)), kid: 'another-gateway' }],
    });
    const result = await egwInProcess([
      'audit',
      'verify',
      write('real.json', decisions[0]),
      '--jwks',
      jwks,
      '--log-key',
      `${url}/v1/log/key`,
    ]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^FAIL {2}signature {2}No key in the JWKS given has the decision’s key id/m);
    expect(result.out).toContain('No key matches');
    expect(result.out).not.toContain('altered after signing');
  });

  it('on a saved 401 problem document says the file is not a decision but an error answer', async () => {
    const url = gw?.url ?? expect.unreachable();
    const response = await fetch(`${url}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'no-token-1' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    const file = write('saved-401.json', await response.text());
    const result = await egwInProcess(['audit', 'verify', file, '--gateway', url]);
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toBe(
      `egw audit verify: ${file} is not a decision but an error answer (HTTP 401: Authentication failed): the request that saved it failed\n`,
    );
    const other = await egwInProcess(['audit', 'verify', write('list.json', [1, 2]), '--gateway', url]);
    expect(other.err).toMatch(/is not a decision \(it has no "signature" and "receipt"\)\n$/);
  });
});

describe('egw backup, restore, egw keys rotate', () => {
  it('backs up a running gateway, restores it, and the restored log verifies old receipts', async () => {
    const running = gw ?? expect.unreachable();
    const backupDir = join(dir, 'backup');
    const sizeAtBackup = running.gateway.store.treeSize;
    const backup = await egwInProcess(['backup', backupDir, '--data', running.dataDir]);
    expect(backup, backup.err).toMatchObject({ code: 0, err: '' });
    expect(backup.out).toContain('integrity ok');
    expect(statSync(join(backupDir, 'keys')).mode & 0o777).toBe(0o700);
    expect(existsSync(join(backupDir, 'gateway.sqlite-wal'))).toBe(false);
    // A backup never overwrites: a second one into the same folder is refused.
    expect((await egwInProcess(['backup', backupDir, '--data', running.dataDir])).err).toMatch(
      /already exists and is not an empty folder/,
    );
    // The running gateway goes on; what it decides after the backup is not in it.
    const after = await decide(running, 5);
    await running.close();
    gw = undefined;

    restored = await startInProcess({ fixtures, dataDir: backupDir });
    expect(restored.gateway.store.treeSize).toBe(sizeAtBackup);
    for (const [i, decision] of decisions.entries()) {
      const result = await egwInProcess([
        'audit',
        'verify',
        write(`before-${i}.json`, decision),
        '--gateway',
        restored.url,
      ]);
      expect(result, result.out).toMatchObject({ code: 0, err: '' });
    }
    const token = await restored.token();
    expect((await restored.get(`/v1/verifications/${decisions[0]?.id}`, token)).status).toBe(200);
    expect((await restored.get(`/v1/verifications/${after.id}`, token)).status).toBe(404);
  });

  it('keys rotate: the JWKS publishes the new and the retired key, and old receipts still verify', async () => {
    const first = restored ?? expect.unreachable();
    const data = first.dataDir;
    const before = (await (await fetch(`${first.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    await first.close();
    restored = undefined;
    const rotated = await egwInProcess(['keys', 'rotate', '--data', data]);
    expect(rotated.code).toBe(0);
    expect(rotated.out).toMatch(/^new signing key \S+/);

    restored = await startInProcess({ fixtures, dataDir: data });
    const jwks = (await (await fetch(`${restored.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys).toHaveLength(before.keys.length + 1);
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining(before.keys.map((k) => k.kid)));
    const old = await egwInProcess([
      'audit',
      'verify',
      write('old.json', decisions[0]),
      '--gateway',
      restored.url,
    ]);
    expect(old.code).toBe(0);
    const fresh = await decide(restored, 7);
    const header = JSON.parse(Buffer.from(fresh.signature.split('.')[0] ?? '', 'base64url').toString()) as {
      kid: string;
    };
    expect(before.keys.map((k) => k.kid)).not.toContain(header.kid);
  });
});
