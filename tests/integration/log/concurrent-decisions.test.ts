/**
 * Issue 3 acceptance: 200 concurrent decisions against the real gateway and SQLite. The single
 * sequencer gives every leaf one index (no index shared, none skipped), every receipt verifies,
 * every checkpoint the burst produced is consistent with the next, and the sequencer grouped
 * concurrent commits into fewer transactions than decisions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { Decision } from '../../../schemas/index.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';
import {
  checkChain,
  checkConsistency,
  expectReceiptVerifies,
  getJson,
  jwks,
  latestCheckpoint,
  logKey,
  openNote,
  readEntries,
  rootOfEntries,
  subjectLeaf,
} from './log-helpers.ts';

const N = 200;
const fixtures = generatePopulation({ seed: 'log-concurrent', size: N });
let gw: InProcessGateway;

beforeAll(async () => {
  gw = await startInProcess({ fixtures });
});
afterAll(() => gw.close());

interface TrackerEntry {
  kind: 'registry_access' | 'decision';
  decisionId: string;
  source?: string;
  logIndex: number;
}

describe('200 concurrent decisions', () => {
  it('use every index 0..size-1 exactly once, with verifying receipts, consistent checkpoints and group commit', async () => {
    const key = await logKey(gw.url);
    const keys = await jwks(gw.url);
    const first = await latestCheckpoint(gw.url, key);
    expect(first.size).toBe(0);
    const batchesBefore = gw.gateway.store.batches;
    const token = await gw.token();

    // Every fourth applicant declares a household member, so decisions carry 4 or 6 leaves.
    const requests = Array.from({ length: N }, (_, i) => {
      const member = fixtures.persons[(i + 1) % N];
      return requestFor(
        fixtures,
        i,
        i % 4 === 0 && member
          ? { household: [{ idNumber: member.idNumber, name: member.name, relation: 'spouse' }] }
          : {},
      );
    });
    const responses = await Promise.all(requests.map((body) => gw.verify(body, { token })));
    expect(responses.map((r) => r.status)).toEqual(Array(N).fill(201));
    const decisions = (await Promise.all(responses.map((r) => r.json()))) as Decision[];
    const batches = gw.gateway.store.batches - batchesBefore;

    const last = await latestCheckpoint(gw.url, key);
    const entries = await readEntries(gw.url, last.size);
    expect(entries.map((e) => e.index)).toEqual(Array.from({ length: last.size }, (_, i) => i));
    expect(rootOfEntries(entries)).toEqual(last.rootHash);

    // Decision indices come from the receipts, access indices from the data tracker (the
    // access_records table): two independent records of what the sequencer assigned.
    const decisionIndices = decisions.map((d) => d.receipt.leafIndex);
    const subjects = new Set(
      requests.flatMap((r) => [r.applicant.idNumber, ...r.household.map((m) => m.idNumber)]),
    );
    const tracker = await gw.token('subjects:read', 'auditor');
    const accessIndices: number[] = [];
    for (const idNumber of subjects) {
      const { entries: listed } = await getJson<{ entries: TrackerEntry[] }>(
        `${gw.url}/v1/subjects/access?idNumber=${idNumber}`,
        { headers: { authorization: `Bearer ${tracker}` } },
      );
      accessIndices.push(...listed.filter((e) => e.kind === 'registry_access').map((e) => e.logIndex));
    }
    // Other events (connector lifecycle) may share the log; none are expected here.
    const eventIndices = entries.filter((e) => e.parsed.kind === 'event').map((e) => e.index);
    expect(eventIndices).toEqual([]);
    const all = [...decisionIndices, ...accessIndices].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: last.size }, (_, i) => i));

    // Each index holds the leaf its owner says: the receipt's leaf bytes, and access leaves
    // of the same decision before it, as many as the decision leaf counts.
    const byId = new Map(decisions.map((d) => [d.id, d]));
    const accessesOf = new Map<string, number[]>();
    for (const e of entries) {
      const leaf = subjectLeaf(e);
      if (leaf.kind === 'access') {
        accessesOf.set(leaf.decisionId, [...(accessesOf.get(leaf.decisionId) ?? []), e.index]);
        continue;
      }
      const d = byId.get(leaf.decisionId);
      expect(d?.receipt.leafIndex).toBe(e.index);
      expect(d?.receipt.leaf).toBe(e.leaf);
      const own = accessesOf.get(leaf.decisionId) ?? [];
      expect(own).toHaveLength(leaf.accesses);
      expect(own.every((i) => i < e.index)).toBe(true);
    }
    expect(entries.filter((e) => e.parsed.kind === 'decision')).toHaveLength(N);

    for (const d of decisions) await expectReceiptVerifies(d, keys, key);

    // One signed checkpoint per integrating transaction: the receipts name them all.
    const receiptCheckpoints = [...new Set(decisions.map((d) => d.receipt.checkpoint))];
    expect(receiptCheckpoints).toHaveLength(batches);
    const sizes = await checkChain(gw.url, key, [first.note, ...receiptCheckpoints, last.note]);
    expect(sizes.at(-1)).toBe(last.size);
    const smallest = openNote(
      receiptCheckpoints.reduce((a, b) => (openNote(a, key).size <= openNote(b, key).size ? a : b)),
      key,
    );
    await checkConsistency(gw.url, smallest, last); // the first checkpoint of the burst, directly

    expect(batches).toBeLessThan(N);
    console.info(
      `200 concurrent decisions: ${last.size} leaves in ${batches} transactions (largest group ${Math.max(
        ...receiptCheckpoints.map((c) => decisions.filter((d) => d.receipt.checkpoint === c).length),
      )} decisions)`,
    );
  });
});
