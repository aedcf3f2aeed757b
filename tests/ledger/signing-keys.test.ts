/**
 * Decision-signing keys registered concurrently, as several gateways of one centre would at
 * start: on a real peer they must all commit. (With a range scan in the chaincode they
 * conflicted at validation with PHANTOM_READ_CONFLICT; the keys now need point reads only.)
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers } from '@hyperledger/fabric-gateway';
import { afterAll, describe, expect, it } from 'vitest';
import { refusalIn } from '../../src/adapters/node/fabric-ledger-anchor.ts';
import { profiles } from './ledger-support.ts';

describe('RegisterSigningKey on the endorsing peers', () => {
  const profile = profiles().justice;
  const client = new grpc.Client(
    profile.peer.endpoint,
    grpc.credentials.createSsl(readFileSync(profile.peer.tlsRootCert)),
    {
      'grpc.ssl_target_name_override': profile.peer.hostAlias ?? '',
    },
  );
  const gateway = connect({
    client,
    identity: { mspId: profile.mspId, credentials: readFileSync(profile.identity.certificate) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(profile.identity.privateKey))),
    hash: hash.sha256,
    endorseOptions: () => ({ deadline: Date.now() + 15_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  const contract = gateway.getNetwork(profile.channel).getContract(profile.chaincode);
  const keys = Array.from({ length: 6 }, () => ({
    kid: `test-${randomBytes(6).toString('hex')}`,
    jwk: generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }),
  }));
  afterAll(() => {
    gateway.close();
    client.close();
  });

  it('commits six registrations submitted at once, in whatever blocks they land', async () => {
    const statuses = await Promise.all(
      keys.map(async ({ kid, jwk }) => {
        const submitted = await contract.submitAsync('RegisterSigningKey', {
          arguments: [kid, JSON.stringify(jwk)],
        });
        return submitted.getStatus();
      }),
    );
    expect(statuses.map((s) => s.successful)).toEqual(keys.map(() => true));
    const history = JSON.parse(
      new TextDecoder().decode(await contract.evaluateTransaction('GetSigningKeyHistory')),
    ) as { kid: string; status: string }[];
    for (const { kid } of keys) expect(history.find((h) => h.kid === kid)?.status).toBe('active');
  });

  it('still refuses a key registered again under another kid, with the chaincode code', async () => {
    const first = keys[0];
    if (!first) throw new Error('no key');
    const error = await contract
      .submitTransaction(
        'RegisterSigningKey',
        `test-${randomBytes(6).toString('hex')}`,
        JSON.stringify(first.jwk),
      )
      .then(
        () => undefined,
        (e: unknown) => e as { details?: { message: string }[]; message: string },
      );
    const refusal = refusalIn([...(error?.details ?? []).map((d) => d.message), error?.message ?? '']);
    expect(refusal?.code).toBe('ERR_ALREADY_REGISTERED');
    expect(refusal?.detail).toBe(`this key (as kid ${first.kid}) is already registered`);
  });
});
