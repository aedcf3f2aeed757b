/**
 * The sealer under both AES-GCM implementations: WebCrypto (portable, Workers) and node:crypto
 * (the Node adapter). Each opens what the other sealed, both refuse a flipped bit, and an
 * old key in the ring still opens old data after rotation.
 */
import { describe, expect, it } from 'vitest';
import { nodeAesGcm } from '../../../src/adapters/node/node-aes-gcm.ts';
import { createSealer, type DataKeyRing, webCryptoAesGcm } from '../../../src/adapters/portable/sealer.ts';
import { base64url, fromBase64 } from '../../../src/core/encoding.ts';

const key = (fill: number) => new Uint8Array(32).fill(fill);
const ring: DataKeyRing = { current: 'k2', keys: { k1: key(1), k2: key(2) }, lookupKey: key(9) };
const record = { idNumber: '11010519491231002X', name: '测试甲', facts: { income: 1234.5 } };

const IMPLEMENTATIONS = [
  ['WebCrypto', webCryptoAesGcm],
  ['node:crypto', nodeAesGcm],
] as const;

describe.each(IMPLEMENTATIONS)('sealing with %s', (_, sealWith) => {
  it.each(IMPLEMENTATIONS)('opens with %s', async (__, openWith) => {
    const sealed = await (await createSealer(ring, sealWith)).sealJson(record);
    expect(sealed.startsWith('k2.')).toBe(true);
    expect(sealed).not.toContain('测试甲');
    expect(await (await createSealer(ring, openWith)).openJson(sealed)).toEqual(record);
  });

  it('never repeats an IV', async () => {
    const sealer = await createSealer(ring, sealWith);
    const ivs = new Set<string>();
    for (let i = 0; i < 200; i++) ivs.add((await sealer.sealJson(record)).split('.')[1] ?? '');
    expect(ivs.size).toBe(200);
  });

  it.each(IMPLEMENTATIONS)('and %s refuses a flipped bit or a swapped key id', async (__, openWith) => {
    const sealed = await (await createSealer(ring, sealWith)).sealJson(record);
    const opener = await createSealer(ring, openWith);
    const [kid, iv, ct] = sealed.split('.') as [string, string, string];
    const bytes = fromBase64(ct);
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    await expect(opener.open(`${kid}.${iv}.${base64url(bytes)}`)).rejects.toThrow();
    await expect(opener.open(`k1.${iv}.${ct}`)).rejects.toThrow(); // another key in the ring
    await expect(opener.open(`k9.${iv}.${ct}`)).rejects.toThrow(/unknown key/);
  });

  it('opens data sealed under a rotated-out key still in the ring', async () => {
    const old = await (await createSealer({ ...ring, current: 'k1' }, sealWith)).sealJson(record);
    expect(await (await createSealer(ring, sealWith)).openJson(old)).toEqual(record);
  });
});
