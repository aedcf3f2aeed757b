/**
 * Nothing lost, nothing half-written: SIGKILL the gateway process in the middle of a stream
 * of concurrent requests, restart it on the same data directory and the same registries,
 * and check every decision that was answered 201 against what the restarted gateway serves,
 * the log's leaves and the SQLite file.
 */

import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { VerificationRequest } from '../../../schemas/index.ts';
import { openCheckpoint } from '../../../src/core/log/checkpoint.ts';
import { expectDecision } from '../../contract/contract-client.ts';
import { findPersonalData } from '../../contract/personal-data.ts';
import { verifyDecision } from '../../contract/verify-decision.ts';
import { type ChildGateway, startChild } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const fixtures = generatePopulation({ seed: 'sigkill', size: 120 });
const IN_FLIGHT = 8;
const KILL_AFTER = 40;

interface Sent {
  readonly key: string;
  readonly body: VerificationRequest;
  answered?: { status: number; text: string };
  cut?: boolean;
}

interface LeafEntry {
  readonly index: number;
  readonly leaf: { kind: string; decisionId: string; accesses?: number };
}

let first: ChildGateway;
let second: ChildGateway | undefined;

beforeAll(async () => {
  first = await startChild({ fixtures });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

async function leavesOf(gw: ChildGateway, logKey: string): Promise<LeafEntry[]> {
  const checkpoint = openCheckpoint(await (await gw.get('/v1/log/checkpoint')).text(), logKey);
  const out: LeafEntry[] = [];
  for (let start = 0; start < checkpoint.size; start += 1000) {
    const end = Math.min(checkpoint.size, start + 1000);
    const page = (await (await gw.get(`/v1/log/entries?start=${start}&end=${end}`)).json()) as {
      entries: { index: number; leaf: string }[];
    };
    for (const e of page.entries)
      out.push({ index: e.index, leaf: JSON.parse(Buffer.from(e.leaf, 'base64').toString('utf8')) });
  }
  expect(out.map((e) => e.index)).toEqual([...Array(checkpoint.size).keys()]);
  return out;
}

describe('SIGKILL in the middle of a stream of requests', () => {
  it('every decision answered 201 survives intact; none is half-written', async () => {
    const token = await first.token('verifications:write verifications:read audit:read', 'stream');
    const sent: Sent[] = [];
    let killing: Promise<void> | undefined;
    let next = 0;
    const worker = async () => {
      while (killing === undefined) {
        const i = next++;
        const s: Sent = { key: `stream-${i}`, body: requestFor(fixtures, i % fixtures.persons.length) };
        sent.push(s);
        try {
          const response = await first.verify(s.body, { key: s.key, token });
          s.answered = { status: response.status, text: await response.text() };
        } catch {
          s.cut = true;
        }
        if (killing === undefined && sent.filter((x) => x.answered?.status === 201).length >= KILL_AFTER) {
          killing = first.kill();
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await killing;

    const answered = sent.filter((s) => s.answered !== undefined);
    const cut = sent.filter((s) => s.cut === true);
    expect(answered.map((s) => s.answered?.status)).toEqual(answered.map(() => 201));
    expect(answered.length).toBeGreaterThanOrEqual(KILL_AFTER);
    // Requests were in flight when the process died: the kill really was mid-stream.
    expect(cut.length).toBeGreaterThanOrEqual(1);

    second = await startChild({ fixtures, sandboxes: first.sandboxes, dataDir: first.dataDir });
    const gw = second;
    const jwks = (await (await gw.get('/.well-known/jwks.json')).json()) as JSONWebKeySet;
    const logKey = (await (await gw.get('/v1/log/key')).text()).trim();

    for (const s of answered) {
      const text = s.answered?.text ?? '';
      const decision = expectDecision(
        { status: 201, headers: new Headers({ 'content-type': 'application/json' }), text },
        201,
      );
      const read = await gw.get(`/v1/verifications/${decision.id}`, token);
      expect(read.status).toBe(200);
      expect(await read.text()).toBe(text);
      await verifyDecision(JSON.parse(text) as Record<string, unknown>, decision, jwks, logKey);
      const replay = await gw.verify(s.body, { key: s.key, token });
      expect(replay.status).toBe(200);
      expect(await replay.text()).toBe(text);
    }

    // A request cut by the kill either committed (its retry replays it) or left nothing (its retry decides anew).
    let committedUnanswered = 0;
    for (const s of cut) {
      const retry = await gw.verify(s.body, { key: s.key, token });
      expect([200, 201]).toContain(retry.status);
      if (retry.status === 200) committedUnanswered += 1;
      const text = await retry.text();
      const again = await gw.verify(s.body, { key: s.key, token });
      expect(again.status).toBe(200);
      expect(await again.text()).toBe(text);
    }

    // The log: every decision leaf has its decision, preceded by exactly its access leaves.
    const leaves = await leavesOf(gw, logKey);
    const decisionLeaves = leaves.filter((e) => e.leaf.kind === 'decision');
    const accessCount = new Map<string, number>();
    for (const e of leaves) {
      if (e.leaf.kind === 'access')
        accessCount.set(e.leaf.decisionId, (accessCount.get(e.leaf.decisionId) ?? 0) + 1);
    }
    for (const e of decisionLeaves) {
      expect(accessCount.get(e.leaf.decisionId) ?? 0).toBe(e.leaf.accesses);
      const read = await gw.get(`/v1/verifications/${e.leaf.decisionId}`, token);
      expect(read.status).toBe(200);
    }
    const leafIds = decisionLeaves.map((e) => e.leaf.decisionId).sort();
    expect(new Set(accessCount.keys()).size).toBeLessThanOrEqual(leafIds.length);
    for (const id of accessCount.keys()) expect(leafIds).toContain(id);
    expect(leafIds.length).toBe(answered.length + cut.length);

    expect(await gw.stop()).toBe(0);
    const db = new Database(join(gw.dataDir, 'gateway.sqlite'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT id FROM decisions ORDER BY id').all() as { id: string }[];
      expect(rows.map((r) => r.id)).toEqual(leafIds);
      const stored = db.prepare('SELECT COUNT(*) AS n FROM log_leaves').get() as { n: number };
      expect(stored.n).toBe(leaves.length);
    } finally {
      db.close();
    }

    expect(findPersonalData(first.output() + gw.output(), fixtures.persons)).toEqual([]);
    console.info(
      `SIGKILL after ${answered.length} answered of ${sent.length} sent; ${cut.length} cut (${committedUnanswered} had committed); ${decisionLeaves.length} decisions, ${leaves.length} leaves`,
    );
  });
});
