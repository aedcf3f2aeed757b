/**
 * The endorsing peers, not the gateway, refuse bad anchors: a forked log, a smaller size, a
 * checkpoint signed by a key that is not registered, and an endorsement by one organisation
 * alone. Each refusal reaches the client as the chaincode's stable code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFabricLedgerAnchor } from '../../src/adapters/node/fabric-ledger-anchor.ts';
import { type LedgerAnchor, LedgerRefusal } from '../../src/core/anchoring/ledger-anchor.ts';
import { generateNoteKey } from '../../src/core/log/note-key.ts';
import { civilAffairsLedger, memoryLog, profiles, uniqueOrigin } from './ledger-support.ts';

async function refusalOf(call: Promise<unknown>): Promise<LedgerRefusal> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LedgerRefusal);
  return error as LedgerRefusal;
}

describe('the chaincode on the endorsing peers', () => {
  let ledger: LedgerAnchor;
  let civil: LedgerAnchor;
  const origin = uniqueOrigin('refusals');
  const keys = generateNoteKey(origin);
  const log = memoryLog(origin, keys.signerKey);

  beforeAll(async () => {
    ledger = createFabricLedgerAnchor({ profile: profiles().justice });
    civil = civilAffairsLedger();
    await ledger.registerLogKey(origin, keys.verifierKey);
    log.append(5);
    await ledger.anchor(log.checkpoint(5), []);
  });
  afterAll(() => {
    ledger.close();
    civil.close();
  });

  it('holds the first anchor, as both organisations read it', async () => {
    for (const view of [ledger, civil]) {
      const latest = await view.latest(origin);
      expect(latest?.size).toBe(5);
      expect(latest?.previousSize).toBeNull();
    }
    expect(await civil.logKey(origin)).toBe(keys.verifierKey);
  });

  it('refuses a forked log: a larger checkpoint whose history differs', async () => {
    const fork = memoryLog(origin, keys.signerKey);
    fork.append(8, 'forged');
    const refusal = await refusalOf(ledger.anchor(fork.checkpoint(8), fork.proof(5, 8)));
    expect(refusal.code).toBe('ERR_INCONSISTENT');
    expect((await civil.latest(origin))?.size).toBe(5);
  });

  it('refuses a smaller size', async () => {
    const refusal = await refusalOf(ledger.anchor(log.checkpoint(3), []));
    expect(refusal.code).toBe('ERR_NOT_LARGER');
    expect(refusal.detail).toBe('size 3 <= anchored 5');
  });

  it('refuses a checkpoint signed by a key that is not registered', async () => {
    log.append(3);
    const stranger = generateNoteKey(origin);
    const refusal = await refusalOf(ledger.anchor(log.checkpoint(8, stranger.signerKey), log.proof(5, 8)));
    expect(refusal.code).toBe('ERR_BAD_SIGNATURE');
  });

  it('refuses an anchor endorsed by one organisation alone, and takes the same one endorsed by both', async () => {
    const alone = createFabricLedgerAnchor({
      profile: profiles().justice,
      endorsingOrganizations: ['JusticeMSP'],
    });
    try {
      const refusal = await refusalOf(alone.anchor(log.checkpoint(8), log.proof(5, 8)));
      expect(refusal.code).toBe('ERR_ENDORSEMENT_POLICY');
    } finally {
      alone.close();
    }
    expect((await civil.latest(origin))?.size).toBe(5);
    const receipt = await ledger.anchor(log.checkpoint(8), log.proof(5, 8));
    expect(receipt.blockNumber).toBeGreaterThan(0);
    const latest = await civil.latest(origin);
    expect(latest).toMatchObject({ size: 8, previousSize: 5, txId: receipt.txId });
    expect(await civil.blockOf(receipt.txId)).toBe(receipt.blockNumber);
  });

  it('refuses a second log key for an origin', async () => {
    const refusal = await refusalOf(ledger.registerLogKey(origin, generateNoteKey(origin).verifierKey));
    expect(refusal.code).toBe('ERR_ALREADY_REGISTERED');
  });

  it('answers queries for what it does not hold with nothing, not an error', async () => {
    const unknown = uniqueOrigin('unknown');
    expect(await civil.latest(unknown)).toBeUndefined();
    expect(await civil.logKey(unknown)).toBeUndefined();
    expect(await civil.get(origin, 6)).toBeUndefined();
    expect(await civil.blockOf('0'.repeat(64))).toBeUndefined();
    // …and holds exactly the root the checkpoint at size 8 states (its third line).
    expect((await civil.get(origin, 8))?.rootHash).toBe(log.checkpoint(8).split('\n')[2]);
  });
});
