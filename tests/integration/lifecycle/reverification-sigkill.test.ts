/**
 * SIGKILL in the middle of the re-verification queue, then restart on the same data folder:
 * no re-verification is lost or written twice. Twenty provisional decisions wait for HRSS; HRSS
 * recovers slowly (150 ms a lookup) and the gateway is killed once the worker is half-way.
 * After the restart every queued decision has exactly one successor, the log holds exactly one
 * supersession leaf per queued decision, and the queue is empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { Decision } from '../../../schemas/decision.ts';
import { type ChildGateway, startChild } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const fixtures = generatePopulation({ seed: 'reverify-sigkill', size: 40 });
const QUEUED = 20;
const fast = { intervalMs: 100, backoffBaseMs: 3_600_000 };

let first: ChildGateway;
let second: ChildGateway | undefined;

beforeAll(async () => {
  first = await startChild({ fixtures, deadlineMs: 2_000, reverification: fast });
}, 60_000);
afterAll(async () => {
  await second?.close();
  await first?.close();
});

async function successorOf(gw: ChildGateway, token: string, id: string): Promise<string | undefined> {
  const response = await gw.get(`/v1/verifications/${id}`, token);
  return ((await response.json()) as Decision).supersededBy;
}

async function supersessionLeaves(gw: ChildGateway): Promise<{ supersededId: string; cause: string }[]> {
  const size = Number((await (await gw.get('/v1/log/checkpoint')).text()).split('\n')[1]);
  const out: { supersededId: string; cause: string }[] = [];
  for (let start = 0; start < size; start += 1000) {
    const page = (await (
      await gw.get(`/v1/log/entries?start=${start}&end=${Math.min(size, start + 1000)}`)
    ).json()) as {
      entries: { leaf: string }[];
    };
    for (const e of page.entries) {
      const leaf = JSON.parse(Buffer.from(e.leaf, 'base64').toString('utf8')) as {
        kind: string;
        supersededId: string;
        cause: string;
      };
      if (leaf.kind === 'supersession') out.push({ supersededId: leaf.supersededId, cause: leaf.cause });
    }
  }
  return out;
}

describe('the re-verification queue across SIGKILL', () => {
  it('loses no re-verification and writes none twice', async () => {
    const writer = await first.token('verifications:write verifications:read', 'intake-a');
    const admin = await first.token('reverifications:admin', 'operator');
    // HRSS answers 500 at once: provisional decisions without waiting for a deadline.
    first.sandboxes.setFaults([{ source: 'hrss', mode: 'error' }]);
    const queued: string[] = [];
    for (let i = 0; queued.length < QUEUED && i < fixtures.persons.length; i += 1) {
      const response = await first.verify(requestFor(fixtures, i), { token: writer });
      const decision = (await response.json()) as Decision;
      expect(response.status).toBe(201);
      if (
        decision.evidence.some((e) => e.source === 'hrss' && e.status === 'unavailable') &&
        decision.basis.some((b) => b.rule === 'missing_evidence')
      )
        queued.push(decision.id);
    }
    expect(queued).toHaveLength(QUEUED);

    // HRSS is back, but slow: the worker takes a while over the queue.
    first.sandboxes.setFaults([]);
    first.sandboxes.setLatency({ hrss: { model: { kind: 'fixed', ms: 150 } } });
    const run = fetch(`${first.url}/v1/reverifications/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    }).catch(() => undefined);
    const deadline = Date.now() + 30_000;
    let done = 0;
    while (done < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      done = (await supersessionLeaves(first)).length;
    }
    await first.kill();
    await run;
    expect(done).toBeGreaterThanOrEqual(3);

    second = await startChild({
      fixtures,
      deadlineMs: 2_000,
      reverification: fast,
      dataDir: first.dataDir,
      sandboxes: first.sandboxes,
    });
    const reader = await second.token('verifications:read', 'intake-a');
    const admin2 = await second.token('reverifications:admin', 'operator');
    const killedAt = (await supersessionLeaves(second)).length;
    expect(killedAt).toBeLessThan(QUEUED);
    // Leases the killed process held were released at start-up: the next pass takes them. A
    // pass on demand makes every pending row due again, so a lookup that missed its deadline on
    // a loaded machine (and was put back for an hour) is retried here rather than waited for.
    const end = Date.now() + 90_000;
    let leaves = await supersessionLeaves(second);
    while (leaves.length < QUEUED && Date.now() < end) {
      await fetch(`${second.url}/v1/reverifications/run`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin2}` },
      });
      leaves = await supersessionLeaves(second);
    }
    expect(leaves).toHaveLength(QUEUED);
    expect(new Set(leaves.map((l) => l.supersededId))).toEqual(new Set(queued));
    expect(leaves.every((l) => l.cause === 'reverification')).toBe(true);
    for (const id of queued) expect(await successorOf(second, reader, id)).toBeDefined();
    const status = (await (await second.get('/v1/reverifications', admin2)).json()) as {
      pending: number;
      done: number;
    };
    expect(status).toMatchObject({ pending: 0, done: QUEUED });
  }, 180_000);
});
