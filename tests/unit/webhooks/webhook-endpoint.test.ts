/**
 * Which webhook URLs pass the partner connectors' address guards, at registration and, on
 * Node, again at every connection (a policy or a DNS answer that changed refuses the socket).
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/adapters/node/sqlite-database.ts';
import { createSqliteWebhooks } from '../../../src/adapters/node/sqlite-webhooks.ts';
import { createSealer } from '../../../src/adapters/portable/sealer.ts';
import { webhookUrlRefusals } from '../../../src/adapters/portable/webhook-endpoint.ts';
import { startWebhookReceiver, testResolver } from '../../support/webhook-receiver.ts';

describe('webhookUrlRefusals', () => {
  it('allows https to a public host, and plain http to loopback only where loopback is allowed', () => {
    expect(webhookUrlRefusals('https://intake.example.org/hooks', {})).toEqual([]);
    expect(webhookUrlRefusals('https://93.184.215.14/hooks', {})).toEqual([]);
    for (const url of [
      'http://127.0.0.1:8080/h',
      'http://localhost:8080/h',
      'http://[::1]/h',
      'https://127.0.0.2/h',
    ])
      expect(webhookUrlRefusals(url, { allowLoopback: true }), url).toEqual([]);
    expect(webhookUrlRefusals('http://127.0.0.1:8080/h', {})).toEqual([
      'https required',
      'a loopback address (127.0.0.1) is not allowed',
    ]);
    expect(webhookUrlRefusals('https://localhost/h', {})).toEqual([
      'a loopback address (localhost) is not allowed',
    ]);
    expect(webhookUrlRefusals('http://intake.example.org/h', { allowLoopback: true })).toEqual([
      'https required',
    ]);
  });

  it('refuses private, link-local, metadata, mapped and reserved addresses, and credentials', () => {
    const cases: Record<string, string> = {
      'https://10.1.2.3/h': 'a private address (10.1.2.3) is not allowed',
      'https://[fd00::1]/h': 'a private address (fd00::1) is not allowed',
      'https://169.254.169.254/h': 'a metadata address (169.254.169.254) is not allowed',
      'https://[fe80::1]/h': 'a link-local address (fe80::1) is not allowed',
      'https://[::ffff:127.0.0.1]/h': 'a loopback address (::ffff:7f00:1) is not allowed',
      'https://192.0.2.1/h': 'a reserved address (192.0.2.1) is not allowed',
      'https://user:pw@intake.example.org/h': 'must not carry credentials',
      nope: 'is not a URL',
    };
    for (const [url, reason] of Object.entries(cases))
      expect(webhookUrlRefusals(url, {}), url).toContain(reason);
    expect(webhookUrlRefusals('https://10.1.2.3/h', { allowPrivate: true })).toEqual([]);
  });
});

describe('the Node webhook adapters', () => {
  it('check DNS answers at registration and refuse a loopback socket the policy forbids at send time', async () => {
    const db = openDatabase(':memory:');
    const sealer = await createSealer({
      current: 'k',
      keys: { k: new Uint8Array(32) },
      lookupKey: new Uint8Array(32),
    });
    const receiver = await startWebhookReceiver({ failuresPerEvent: 0 });
    const closed = createSqliteWebhooks({ db, sealer, policy: {}, resolver: testResolver });
    const open = createSqliteWebhooks({
      db,
      sealer,
      policy: { allowLoopback: true },
      resolver: testResolver,
    });
    try {
      expect(await closed.checkEndpoint('https://hooks.rebind.example/')).toEqual([
        'host hooks.rebind.example resolves to a private address (10.0.0.5) is not allowed',
      ]);
      expect(await closed.checkEndpoint('https://nowhere.invalid/')).toEqual([
        'host nowhere.invalid does not resolve',
      ]);
      expect(await closed.checkEndpoint('https://intake.example.org/')).toEqual([]);
      const request = { url: receiver.url, headers: { 'webhook-id': 'evt_x' }, body: '{}', timeoutMs: 2_000 };
      await expect(closed.send(request)).rejects.toThrow();
      expect(receiver.attempts).toHaveLength(0);
      expect(await open.send(request)).toBe(200);
      expect(receiver.attempts).toHaveLength(1);
    } finally {
      await closed.close();
      await open.close();
      await receiver.close();
      db.$client.close();
    }
  });
});
