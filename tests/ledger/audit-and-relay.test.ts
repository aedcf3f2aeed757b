/**
 * The auditor's side of the ledger, and the relay for a gateway on Workers:
 * - `egw audit verify --ledger` passes on a fresh receipt, and fails naming the missing anchor
 *   when the ledger holds none covering it;
 * - `egw audit monitor --ledger` agrees with an honest log and alarms on a forked one;
 * - `egw anchor-relay` anchors the checkpoints of a gateway running on local workerd.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../connectors/population/generate-population.ts';
import { loadNoteSignerKey } from '../../src/adapters/node/data-keys.ts';
import { createFabricLedgerAnchor } from '../../src/adapters/node/fabric-ledger-anchor.ts';
import { parseSignerKey } from '../../src/core/log/note-key.ts';
import { runCli } from '../integration/log/log-helpers.ts';
import { startWorkersStack, type WorkersStack, workersFixtures } from '../runtime/workers/workers-stack.ts';
import { type InProcessGateway, startInProcess } from '../support/gateway-harness.ts';
import { requestFor } from '../support/requests.ts';
import { mintDevToken } from '../support/tokens.ts';
import {
  civilAffairsLedger,
  eventually,
  memoryLog,
  NETWORK_DIR,
  profiles,
  uniqueOrigin,
} from './ledger-support.ts';

const fixtures = generatePopulation({ seed: 'ledger-audit', size: 6 });
const JUSTICE = join(NETWORK_DIR, 'profiles/justice.json');
const CIVIL = join(NETWORK_DIR, 'profiles/civil-affairs.json');

/** `egw` as a child (the in-process gateways must keep answering it), its exit as `status`. */
async function egw(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await runCli(args, { timeoutMs: 60_000 });
  return { status: code, stdout, stderr };
}

async function saveDecision(gw: InProcessGateway, dir: string): Promise<string> {
  const res = await gw.verify(requestFor(fixtures, 1));
  expect(res.status).toBe(201);
  const file = join(dir, 'decision.json');
  writeFileSync(file, await res.text());
  return file;
}

describe('egw audit verify --ledger and egw audit monitor --ledger', () => {
  let anchored: InProcessGateway;
  let unanchored: InProcessGateway;
  const dir = mkdtempSync(join(tmpdir(), 'egw-audit-'));
  beforeAll(async () => {
    anchored = await startInProcess({
      fixtures,
      ledger: { kind: 'fabric', profile: profiles().justice },
      logOrigin: uniqueOrigin('audit'),
    });
    unanchored = await startInProcess({ fixtures, logOrigin: uniqueOrigin('unanchored') });
  });
  afterAll(async () => {
    await anchored?.close();
    await unanchored?.close();
  });

  it('passes on a fresh receipt once its checkpoint is anchored, read through the other organisation', async () => {
    const file = await saveDecision(anchored, dir);
    await eventually('the receipt anchored', async () => {
      const rows = (await (await anchored.get('/v1/log/anchors')).json()) as { size: number }[];
      return rows[0] && rows[0].size >= anchored.gateway.store.treeSize ? rows : undefined;
    });
    const r = await egw('audit', 'verify', file, '--gateway', anchored.url, '--ledger', CIVIL);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}ledger {5}(anchored|covered) on egw-local\/legalaid\/log-anchor/m);
    expect(r.stdout).toContain('which the ledger anchors');
  });

  it('fails, naming the missing anchor, when the ledger holds none covering the receipt', async () => {
    const file = await saveDecision(unanchored, dir);
    const r = await egw('audit', 'verify', file, '--gateway', unanchored.url, '--ledger', JUSTICE);
    expect(r.status).toBe(1);
    const origin = unanchored.gateway.store.origin;
    expect(r.stdout).toMatch(
      /^FAIL {2}ledger {5}no anchor on egw-local\/legalaid\/log-anchor covers size \d+/m,
    );
    expect(r.stdout).toContain(`the ledger holds no anchor of ${origin}`);
    expect(r.stdout).toContain('the ledger does not confirm it');
  });

  it('monitor: agrees with an honest log, alarms on a log the ledger shows forked', async () => {
    const honest = await egw(
      'audit',
      'monitor',
      anchored.url,
      '--once',
      '--state',
      join(dir, 'm1.json'),
      '--ledger',
      CIVIL,
    );
    expect(honest.status).toBe(0);
    expect(honest.stdout).toMatch(
      /ledger: the ledger's newest anchor \(size \d+, transaction [0-9a-f]+\) is consistent with the log/,
    );

    // A log whose key signed another history on the ledger, further than it now serves.
    const origin = uniqueOrigin('monitor-fork');
    const victim = await startInProcess({ fixtures, logOrigin: origin });
    try {
      await victim.verify(requestFor(fixtures, 0));
      const signerKey = loadNoteSignerKey(victim.dataDir, origin);
      const forger = memoryLog(origin, signerKey);
      forger.append(30, 'forged');
      const ledger = createFabricLedgerAnchor({ profile: profiles().justice });
      try {
        await ledger.registerLogKey(origin, parseSignerKey(signerKey).verifierKey);
        await ledger.anchor(forger.checkpoint(30), []);
      } finally {
        ledger.close();
      }
      const r = await egw(
        'audit',
        'monitor',
        victim.url,
        '--once',
        '--state',
        join(dir, 'm2.json'),
        '--ledger',
        CIVIL,
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /^ALARM \(ledger\): the ledger anchors size 30 of .* but the log serves size \d+: the log was rolled back or forked$/m,
      );
    } finally {
      await victim.close();
    }
  });
});

describe('egw anchor-relay for a gateway on Workers', () => {
  let stack: WorkersStack;
  const origin = uniqueOrigin('workers');
  beforeAll(async () => {
    stack = await startWorkersStack({ logOrigin: origin });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('anchors the checkpoints of the gateway on workerd, as the other organisation reads them', async () => {
    const people = workersFixtures();
    const token = await mintDevToken(stack.dataDir, ['verifications:write'], 'intake-relay');
    const post = async (i: number) => {
      const res = await fetch(`${stack.url}/v1/verifications`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': `relay-${origin}-${i}`,
        },
        body: JSON.stringify(requestFor(people, i)),
      });
      expect(res.status).toBe(201);
    };
    await Promise.all([0, 1, 2].map(post));
    const first = await egw('anchor-relay', '--gateway', stack.url, '--ledger', JUSTICE, '--once');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const size1 = Number((await (await fetch(`${stack.url}/v1/log/checkpoint`)).text()).split('\n')[1]);
    expect(first.stdout).toMatch(
      new RegExp(`anchored size ${size1} in transaction [0-9a-f]+ \\(block \\d+\\)`),
    );

    await Promise.all([3, 4].map(post));
    const second = await egw('anchor-relay', '--gateway', stack.url, '--ledger', JUSTICE, '--once');
    expect(second.status).toBe(0);
    const size2 = Number((await (await fetch(`${stack.url}/v1/log/checkpoint`)).text()).split('\n')[1]);
    expect(size2).toBeGreaterThan(size1);

    const civil = civilAffairsLedger();
    try {
      const chain = await civil.list(origin);
      expect(chain.map((a) => [a.size, a.previousSize])).toEqual([
        [size2, size1],
        [size1, null],
      ]);
    } finally {
      civil.close();
    }
    // Nothing new: the relay anchors nothing twice.
    const third = await egw('anchor-relay', '--gateway', stack.url, '--ledger', JUSTICE, '--once');
    expect(third.status).toBe(0);
    expect(third.stdout).not.toContain('anchored size');
  });
});
