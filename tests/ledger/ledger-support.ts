/**
 * What the ledger suite shares: the running network's profiles (written by `npm run
 * fabric:up`), a fresh log origin per test (the ledger keeps every origin's anchors for
 * ever), and a small in-memory log to build honest and forged checkpoints with the core's
 * own maths.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createFabricLedgerAnchor } from '../../src/adapters/node/fabric-ledger-anchor.ts';
import { type FabricProfile, loadFabricProfile } from '../../src/adapters/node/fabric-profile.ts';
import type { LedgerAnchor } from '../../src/core/anchoring/ledger-anchor.ts';
import { signCheckpoint } from '../../src/core/log/checkpoint.ts';
import { appendLeaf, type CompactRange, rootFromCompactRange } from '../../src/core/log/compact-range.ts';
import { generateNoteKey } from '../../src/core/log/note-key.ts';
import { consistencyProof } from '../../src/core/log/proof.ts';
import { leafHash } from '../../src/core/log/rfc9162.ts';

export const NETWORK_DIR = resolve(
  process.env.EGW_FABRIC_DATA ?? join(import.meta.dirname, '../../.fabric-network'),
);

export function profiles(): { justice: FabricProfile; civil: FabricProfile } {
  return {
    justice: loadFabricProfile(join(NETWORK_DIR, 'profiles/justice.json')),
    civil: loadFabricProfile(join(NETWORK_DIR, 'profiles/civil-affairs.json')),
  };
}

/** The civil affairs bureau's own view of the ledger: an independent organisation's peer. */
export function civilAffairsLedger(): LedgerAnchor {
  return createFabricLedgerAnchor({ profile: profiles().civil });
}

export function uniqueOrigin(what: string): string {
  return `${what}-${randomBytes(4).toString('hex')}.test.egw.local/log`;
}

/** An in-memory RFC 9162 log whose checkpoints a given note key signs. */
export function memoryLog(origin: string, signerKey = generateNoteKey(origin).signerKey) {
  const nodes = new Map<string, Uint8Array>();
  let range: CompactRange = { size: 0, hashes: [] };
  const roots: Uint8Array[] = [rootFromCompactRange(range)];
  const getNode = (level: number, index: number): Uint8Array => {
    const n = nodes.get(`${level}/${index}`);
    if (!n) throw new Error(`no node ${level}/${index}`);
    return n;
  };
  return {
    signerKey,
    append(count: number, seed = 'honest'): void {
      for (let i = 0; i < count; i++) {
        const next = appendLeaf(range, leafHash(new TextEncoder().encode(`${seed}-${range.size}`)));
        for (const node of next.completed) nodes.set(`${node.level}/${node.index}`, node.hash);
        range = next.range;
        roots.push(rootFromCompactRange(range));
      }
    },
    get size() {
      return range.size;
    },
    checkpoint(size = range.size, key = signerKey): string {
      const rootHash = roots[size];
      if (!rootHash) throw new Error(`no root at ${size}`);
      return signCheckpoint({ origin, size, rootHash }, key);
    },
    proof(from: number, to: number): Uint8Array[] {
      return from === 0 ? [] : consistencyProof(from, to, getNode);
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails with `what` after `ms`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
