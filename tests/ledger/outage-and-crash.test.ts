/**
 * Faults while decisions continue: the gateway's own peer stops, then the orderer; later the
 * gateway itself is SIGKILLed mid-anchoring and restarted. Decisions never fail or wait for
 * the ledger; the outbox drains in order when the ledger returns; and the ledger's chain of
 * anchors has no duplicate and no gap, and matches the gateway's own record exactly.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../connectors/population/generate-population.ts';
import { startProcess, stopProcess } from '../../scripts/fabric/control.ts';
import {
  type ChildGateway,
  type InProcessGateway,
  startChild,
  startInProcess,
} from '../support/gateway-harness.ts';
import { requestFor } from '../support/requests.ts';
import { civilAffairsLedger, eventually, NETWORK_DIR, profiles, uniqueOrigin } from './ledger-support.ts';

const fixtures = generatePopulation({ seed: 'ledger-faults', size: 10 });

interface AnchorRow {
  size: number;
  txId: string;
  blockNumber: number;
}

type Gateway = Pick<InProcessGateway, 'get' | 'verify' | 'token'>;

async function anchorsOf(gw: Gateway): Promise<AnchorRow[]> {
  return (await (await gw.get('/v1/log/anchors?limit=1000')).json()) as AnchorRow[];
}

async function logSize(gw: Gateway): Promise<number> {
  return Number((await (await gw.get('/v1/log/checkpoint')).text()).split('\n')[1]);
}

/** Decisions every `everyMs` until stopped; records each answer's status and leaf. */
function steadyLoad(gw: Gateway, everyMs = 150) {
  const answers: { status: number; leafIndex?: number; ms: number }[] = [];
  let running = true;
  let i = 0;
  const done = (async () => {
    const token = await gw.token();
    while (running) {
      const t0 = Date.now();
      const res = await gw
        .verify(requestFor(fixtures, i++ % fixtures.persons.length), { token })
        .catch(() => undefined);
      const body =
        res?.status === 201 ? ((await res.json()) as { receipt: { leafIndex: number } }) : undefined;
      answers.push({
        status: res?.status ?? 0,
        ms: Date.now() - t0,
        ...(body ? { leafIndex: body.receipt.leafIndex } : {}),
      });
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    answers,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** The ledger's chain for `origin`, as the civil affairs peer reads it, against the gateway's own record. */
async function expectOneUnbrokenChain(
  origin: string,
  local: readonly AnchorRow[],
  size: number,
): Promise<void> {
  const civil = civilAffairsLedger();
  try {
    const chain = await civil.list(origin, undefined, 1000);
    expect(chain.map((a) => a.size)).toEqual(local.map((a) => a.size));
    expect(chain.map((a) => a.txId)).toEqual(local.map((a) => a.txId));
    expect(new Set(chain.map((a) => a.size)).size).toBe(chain.length);
    expect(chain.map((a) => a.previousSize)).toEqual([...chain.slice(1).map((a) => a.size), null]);
    expect(chain[0]?.size).toBe(size);
  } finally {
    civil.close();
  }
}

describe('ledger faults while decisions continue', () => {
  let gw: InProcessGateway | undefined;
  let child: ChildGateway | undefined;
  afterEach(async () => {
    await startProcess('peer-justice');
    await startProcess('orderer');
    await gw?.close();
    await child?.close();
    gw = undefined;
    child = undefined;
  });

  it('the peer, then the orderer, stop and return: decisions all answered, the outbox drains, nothing twice or lost', async () => {
    const origin = uniqueOrigin('outage');
    gw = await startInProcess({
      fixtures,
      ledger: { kind: 'fabric', profile: profiles().justice },
      logOrigin: origin,
    });
    const g = gw;
    const load = steadyLoad(g);
    await eventually('a first anchor', async () => (await anchorsOf(g))[0]);

    for (const name of ['peer-justice', 'orderer'] as const) {
      await stopProcess(name);
      const before = (await anchorsOf(g))[0]?.size ?? 0;
      const grew = await eventually(`decisions to outgrow the anchors with ${name} down`, async () => {
        const size = await logSize(g);
        return size > before + 10 ? size : undefined;
      });
      // Degraded once a call fails, or once the backlog is older than anchoring explains.
      const ready = await eventually(`/readyz to report the ledger degraded with ${name} down`, async () => {
        const r = (await (await g.get('/readyz')).json()) as {
          status: string;
          checks: Record<string, string>;
        };
        return r.checks.ledger === 'degraded' ? r : undefined;
      });
      expect(ready.status).toBe('ready');
      expect((await anchorsOf(g))[0]?.size ?? 0).toBeLessThan(grew);
      await startProcess(name);
      await eventually(
        `the outbox drained after ${name} returned`,
        async () => (((await anchorsOf(g))[0]?.size ?? 0) >= grew ? true : undefined),
        90_000,
      );
    }
    await load.stop();
    const size = await logSize(g);
    const anchors = await eventually('the whole log anchored', async () => {
      const rows = await anchorsOf(g);
      return rows[0]?.size === size ? rows : undefined;
    });
    expect(load.answers.filter((a) => a.status !== 201)).toEqual([]);
    expect(g.gateway.anchoring?.alarm).toBeUndefined();
    await expectOneUnbrokenChain(origin, anchors, size);
    const slowest = Math.max(...load.answers.map((a) => a.ms));
    console.info(
      `${load.answers.length} decisions through a peer and an orderer outage; slowest answer ${slowest} ms; ${anchors.length} anchors`,
    );
  });

  it('SIGKILL mid-anchoring and a restart: no duplicate anchor, no gap, no decision lost', async () => {
    const origin = uniqueOrigin('sigkill');
    const args = ['--ledger', 'fabric', '--fabric-profile', join(NETWORK_DIR, 'profiles/justice.json')];
    child = await startChild({ fixtures, logOrigin: origin, args });
    const { dataDir, sandboxes } = child;
    let load = steadyLoad(child, 20);
    await eventually('two anchors', async () => {
      const rows = child ? await anchorsOf(child) : [];
      return rows.length >= 2 ? rows : undefined;
    });
    await child.kill(); // anchoring is in flight nearly all the time under this load
    await load.stop();
    const acknowledged = load.answers.filter((a) => a.status === 201).map((a) => a.leafIndex ?? -1);

    const restarted = await startChild({ fixtures, logOrigin: origin, args, dataDir, sandboxes });
    const first = child;
    child = restarted;
    load = steadyLoad(restarted, 50);
    await new Promise((r) => setTimeout(r, 1500));
    await load.stop();
    const size = await logSize(restarted);
    const anchors = await eventually(
      'the whole log anchored after the restart',
      async () => {
        const rows = await anchorsOf(restarted);
        return rows[0]?.size === size ? rows : undefined;
      },
      60_000,
    );
    for (const leaf of acknowledged) expect(leaf).toBeLessThan(size);
    await expectOneUnbrokenChain(origin, anchors, size);
    expect(restarted.output()).not.toContain('ledger_alarm');
    await first.close();
  });
});
