/**
 * The gateway anchoring its log on the real network: decisions flow and every checkpoint is
 * anchored within BatchTimeout + 1 s; the gateway's `/v1/log/anchors` and the other
 * organisation's peer agree; a forked ledger or a foreign log key raises one alarm (a metric,
 * a /readyz detail, one log line) without a retry loop, and decisions go on regardless.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generatePopulation } from '../../connectors/population/generate-population.ts';
import { loadNoteSignerKey } from '../../src/adapters/node/data-keys.ts';
import { createFabricLedgerAnchor } from '../../src/adapters/node/fabric-ledger-anchor.ts';
import type { LedgerAnchor } from '../../src/core/anchoring/ledger-anchor.ts';
import { generateNoteKey, parseSignerKey } from '../../src/core/log/note-key.ts';
import { type InProcessGateway, startInProcess } from '../support/gateway-harness.ts';
import { requestFor } from '../support/requests.ts';
import { civilAffairsLedger, eventually, memoryLog, profiles, uniqueOrigin } from './ledger-support.ts';

const fixtures = generatePopulation({ seed: 'ledger-anchoring', size: 12 });

interface AnchorRow {
  size: number;
  rootHash: string;
  txId: string;
  blockNumber: number;
  anchoredAt: string;
}

async function anchorsOf(gw: InProcessGateway): Promise<AnchorRow[]> {
  const res = await gw.get('/v1/log/anchors?limit=1000');
  expect(res.status).toBe(200);
  return (await res.json()) as AnchorRow[];
}

async function decide(gw: InProcessGateway, n: number): Promise<{ leafIndex: number; at: number }[]> {
  const token = await gw.token();
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await gw.verify(requestFor(fixtures, i % fixtures.persons.length), { token });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { receipt: { leafIndex: number } };
      return { leafIndex: body.receipt.leafIndex, at: Date.now() };
    }),
  );
}

let civil: LedgerAnchor;
beforeAll(() => {
  civil = civilAffairsLedger();
});
afterAll(() => civil.close());

describe('a gateway anchoring on Fabric', () => {
  let gw: InProcessGateway;
  const origin = uniqueOrigin('flow');
  afterEach(async () => {
    await gw?.close();
  });

  it('anchors every checkpoint within BatchTimeout + 1 s, many decisions per transaction, and both organisations agree', async () => {
    const { justice } = profiles();
    const budgetMs = (justice.batchTimeoutMs ?? 2000) + 1000;
    gw = await startInProcess({ fixtures, ledger: { kind: 'fabric', profile: justice }, logOrigin: origin });
    const lags: number[] = [];
    for (let wave = 0; wave < 4; wave++) {
      const decided = await decide(gw, 8);
      const last = Math.max(...decided.map((d) => d.leafIndex));
      const committedAt = Math.max(...decided.map((d) => d.at));
      const anchor = await eventually(`an anchor covering leaf ${last}`, async () =>
        (await anchorsOf(gw)).find((a) => a.size > last),
      );
      lags.push(Date.parse(anchor.anchoredAt) - committedAt);
    }
    for (const lag of lags) expect(lag).toBeLessThanOrEqual(budgetMs);

    const size = gw.gateway.store.treeSize;
    const anchors = await eventually('the whole log anchored', async () => {
      const rows = await anchorsOf(gw);
      return rows[0]?.size === size ? rows : undefined;
    });
    // 4 waves × 8 decisions (each with its access leaves) in far fewer transactions.
    expect(anchors.length).toBeLessThan(32);
    const onLedger = await civil.latest(origin);
    expect(onLedger).toMatchObject({
      size: anchors[0]?.size,
      rootHash: anchors[0]?.rootHash,
      txId: anchors[0]?.txId,
    });
    const chain = await civil.list(origin, undefined, 1000);
    expect(chain.map((a) => a.size)).toEqual(anchors.map((a) => a.size));
    expect(chain.map((a) => a.txId)).toEqual(anchors.map((a) => a.txId));
    for (const a of anchors) expect(await civil.blockOf(a.txId)).toBe(a.blockNumber);
    const ready = (await (await gw.get('/readyz')).json()) as { checks: Record<string, string> };
    expect(ready.checks.ledger).toBe('ok');
    console.info(
      `anchor lag (ms) per wave: ${lags.join(', ')}; ${size} leaves in ${anchors.length} transactions`,
    );
  });
});

describe('the gateway alarms on what the ledger refuses, and decisions go on', () => {
  let gw: InProcessGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    vi.restoreAllMocks();
  });

  async function alarmed(
    dataDir: string,
    origin: string,
  ): Promise<{ lines: string[]; gw: InProcessGateway }> {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: []) => {
      if (String(chunk).includes('ledger_alarm')) lines.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stderr.write);
    gw = await startInProcess({
      fixtures,
      dataDir,
      ledger: { kind: 'fabric', profile: profiles().justice },
      logOrigin: origin,
    });
    await decide(gw, 3);
    await eventually('the alarm', async () => gw?.gateway.anchoring?.alarm);
    // No retry loop: a while later still one alarm line, and decisions are still answered.
    await new Promise((r) => setTimeout(r, 1500));
    await decide(gw, 2);
    return { lines, gw };
  }

  it('a ledger that anchors a forked history of this log: ERR_LEDGER_FORK', async () => {
    const origin = uniqueOrigin('fork');
    const dataDir = mkdtempSync(join(tmpdir(), 'egw-ledger-'));
    const signerKey = loadNoteSignerKey(dataDir, origin);
    const forger = memoryLog(origin, signerKey);
    forger.append(40, 'forged');
    const ledger = createFabricLedgerAnchor({ profile: profiles().civil });
    try {
      await ledger.registerLogKey(origin, parseSignerKey(signerKey).verifierKey);
      await ledger.anchor(forger.checkpoint(40), []);
    } finally {
      ledger.close();
    }
    const { lines, gw: g } = await alarmed(dataDir, origin);
    expect(g.gateway.anchoring?.alarm?.code).toBe('ERR_LEDGER_FORK');
    expect(lines).toHaveLength(1);
    const ready = (await (await g.get('/readyz')).json()) as { checks: Record<string, string> };
    expect(ready.checks.ledger).toBe('alarm');
    const metrics = await (await g.get('/metrics')).text();
    expect(metrics).toMatch(/^egw_ledger_alarm 1$/m);
    expect(await anchorsOf(g)).toEqual([]);
  });

  it('an origin registered on the ledger with another key: ERR_LOG_KEY_MISMATCH', async () => {
    const origin = uniqueOrigin('foreign-key');
    const ledger = createFabricLedgerAnchor({ profile: profiles().civil });
    try {
      await ledger.registerLogKey(origin, generateNoteKey(origin).verifierKey);
    } finally {
      ledger.close();
    }
    const { lines, gw: g } = await alarmed(mkdtempSync(join(tmpdir(), 'egw-ledger-')), origin);
    expect(g.gateway.anchoring?.alarm?.code).toBe('ERR_LOG_KEY_MISMATCH');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/\d{17}[\dX]/); // no identity number in the line
  });
});
