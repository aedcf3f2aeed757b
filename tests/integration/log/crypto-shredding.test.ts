/**
 * Issue 3: crypto-shredding. Forgetting a subject deletes their commitment key: every leaf,
 * node, checkpoint and proof stays exactly as it was, but the commitments in their leaves can
 * no longer be recomputed, by the gateway or anyone else.
 *
 * The data tracker's answer after shredding is a choice, made here: it lists NOTHING for that
 * person. The tracker maps a person to log indices; if it kept answering, the gateway would
 * hand back the very link between the person and their leaves that shredding cuts. So
 * forgetSubject also unlinks the person's lookup hash from the decision and access rows (one
 * transaction). The decision records themselves stay, readable by id for the case file.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { Decision } from '../../../schemas/index.ts';
import { subjectCommitment } from '../../../src/core/leaves.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';
import {
  checkInclusion,
  type Entry,
  expectReceiptVerifies,
  getJson,
  jwks,
  latestCheckpoint,
  logKey,
  readEntries,
  subjectLeaf,
} from './log-helpers.ts';

const fixtures = generatePopulation({ seed: 'log-shred', size: 10 });
const [applicant, member, other] = fixtures.persons;
let gw: InProcessGateway;
let db: Database.Database;

beforeAll(async () => {
  gw = await startInProcess({ fixtures });
  db = new Database(join(gw.dataDir, 'gateway.sqlite'), { readonly: true });
});
afterAll(async () => {
  db.close();
  await gw.close();
});

function keyOf(hash: string): Uint8Array | undefined {
  const row = db.prepare('SELECT key FROM subject_keys WHERE subject_hash = ?').get(hash) as
    | { key: Buffer }
    | undefined;
  return row ? new Uint8Array(row.key) : undefined;
}

/** Recomputes a leaf's subject commitment with `key` for `idNumber`. */
function recompute(key: Uint8Array, idNumber: string, entry: Entry): string {
  const leaf = subjectLeaf(entry);
  return subjectCommitment(
    key,
    idNumber,
    leaf.kind === 'access'
      ? { decisionId: leaf.decisionId, kind: 'access', source: leaf.source }
      : { decisionId: leaf.decisionId, kind: 'decision' },
  );
}

async function tracker(idNumber: string): Promise<{ decisionId: string; logIndex: number }[]> {
  const token = await gw.token('subjects:read', 'auditor');
  const body = await getJson<{ entries: { decisionId: string; logIndex: number }[] }>(
    `${gw.url}/v1/subjects/access?idNumber=${idNumber}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  return body.entries;
}

describe('crypto-shredding', () => {
  it('keeps every leaf and proof valid while the forgotten subject’s commitments can no longer be recomputed', async () => {
    if (!applicant || !member || !other) throw new Error('population too small');
    const token = await gw.token();
    const household = [{ idNumber: member.idNumber, name: member.name, relation: 'spouse' as const }];
    const decisions: Decision[] = [];
    for (const body of [
      requestFor(fixtures, 0, { household }),
      requestFor(fixtures, 2),
      requestFor(fixtures, 0, { matter: { kind: 'administrative', category: 'work_injury' } }),
    ]) {
      const response = await gw.verify(body, { token });
      expect(response.status).toBe(201);
      decisions.push((await response.json()) as Decision);
    }
    const key = await logKey(gw.url);
    const before = await latestCheckpoint(gw.url, key);
    const entriesBefore = await readEntries(gw.url, before.size);

    // Whose leaves are whose, from the tracker (before shredding).
    const applicantIndices = (await tracker(applicant.idNumber)).map((e) => e.logIndex);
    const memberIndices = (await tracker(member.idNumber)).map((e) => e.logIndex);
    expect(applicantIndices).toHaveLength(2 * 4); // two decisions: three registries + the decision
    expect(memberIndices).toHaveLength(2); // civil affairs and HRSS only
    const leavesAt = (indices: number[]) => indices.map((i) => entriesBefore[i] as Entry);

    const hashRow = db.prepare('SELECT subject_hash AS hash FROM decisions WHERE id = ?');
    const applicantHash = (hashRow.get(decisions[0]?.id) as { hash: string }).hash;
    const memberHash = (
      db
        .prepare('SELECT subject_hash AS hash FROM access_records WHERE leaf_index = ?')
        .get(memberIndices[0]) as {
        hash: string;
      }
    ).hash;
    const applicantKey = keyOf(applicantHash);
    if (!applicantKey) throw new Error('no key for the applicant');
    // With the key, anyone holding it can tie each of the applicant's leaves to the person.
    for (const e of leavesAt(applicantIndices))
      expect(recompute(applicantKey, applicant.idNumber, e)).toBe(subjectLeaf(e).subject);
    // …and a commitment is specific to one person and one leaf.
    for (const e of leavesAt(memberIndices))
      expect(recompute(applicantKey, member.idNumber, e)).not.toBe(subjectLeaf(e).subject);

    expect(gw.gateway.store.forgetSubject(applicant.idNumber)).toBe(true);
    expect(gw.gateway.store.forgetSubject(applicant.idNumber)).toBe(false); // nothing left to forget

    // The key is gone, and no key the gateway still holds recomputes any of those commitments.
    expect(keyOf(applicantHash)).toBeUndefined();
    const remaining = (db.prepare('SELECT key FROM subject_keys').all() as { key: Buffer }[]).map(
      (r) => new Uint8Array(r.key),
    );
    expect(remaining.length).toBeGreaterThan(0);
    for (const e of leavesAt(applicantIndices))
      for (const k of remaining) expect(recompute(k, applicant.idNumber, e)).not.toBe(subjectLeaf(e).subject);
    // Other people are untouched: the household member's commitments still recompute.
    const memberKey = keyOf(memberHash);
    if (!memberKey) throw new Error('the member’s key went too');
    for (const e of leavesAt(memberIndices))
      expect(recompute(memberKey, member.idNumber, e)).toBe(subjectLeaf(e).subject);

    // The log is byte-for-byte the same and every proof still verifies.
    const after = await latestCheckpoint(gw.url, key);
    expect(after.note).toBe(before.note);
    const entriesAfter = await readEntries(gw.url, after.size);
    expect(entriesAfter.map((e) => e.leaf)).toEqual(entriesBefore.map((e) => e.leaf));
    for (const e of entriesAfter) await checkInclusion(gw.url, e, after);
    expect(gw.gateway.store.verifyIntegrity().size).toBe(after.size);
    const keys = await jwks(gw.url);
    const reader = await gw.token('verifications:read');
    for (const d of decisions) {
      await expectReceiptVerifies(d, keys, key);
      const stored = await gw.get(`/v1/verifications/${d.id}`, reader);
      expect(stored.status).toBe(200); // the case file keeps the decision
      expect(await stored.json()).toEqual(d);
    }

    // The tracker no longer links the person to anything; the member keeps their list.
    expect(await tracker(applicant.idNumber)).toEqual([]);
    expect((await tracker(member.idNumber)).map((e) => e.logIndex)).toEqual(memberIndices);

    // A later decision about the same person starts a new, unrelated key.
    const again = await gw.verify(requestFor(fixtures, 0), { token });
    expect(again.status).toBe(201);
    const newKey = keyOf(applicantHash);
    expect(newKey).toBeDefined();
    expect(Buffer.from(newKey ?? []).equals(Buffer.from(applicantKey))).toBe(false);
    expect(await tracker(applicant.idNumber)).toHaveLength(4);
  });
});
