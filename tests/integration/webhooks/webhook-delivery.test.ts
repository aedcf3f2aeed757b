/**
 * Webhook delivery end to end on Node (issue 13 acceptance): a real gateway with real
 * sandboxes, a receiver on loopback that answers 500 twice per event; after the delivery
 * passes it holds each event exactly once after dedupe by `webhook-id`, every attempt's
 * signature verifies with the independent reference implementation (npm `standardwebhooks`),
 * and no body holds an identity number, a name or the reviewer's note.
 */
import { Webhook as ReferenceVerifier } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { Decision } from '../../../schemas/decision.ts';
import { WebhookEvent } from '../../../schemas/webhook.ts';
import { findPersonalData } from '../../contract/personal-data.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';
import { startWebhookReceiver, testResolver, type WebhookReceiver } from '../../support/webhook-receiver.ts';

const fixtures = generatePopulation({ seed: 'webhook-delivery', size: 20 });
const NOTE = 'Phoned the employer; the payslips match the declaration.';
let gw: InProcessGateway;
let receiver: WebhookReceiver;
let secret: string;

async function decide(index: number, clientId: string): Promise<Decision> {
  const response = await gw.verify(requestFor(fixtures, index), {
    token: await gw.token('verifications:write', clientId),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Decision;
}

async function review(decision: Decision): Promise<Decision> {
  const response = await fetch(`${gw.url}/v1/verifications/${decision.id}/reviews`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await gw.token('reviews:write audit:read', 'legal-aid-desk')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ outcome: 'eligible', reasonCode: 'declaration_verified', note: NOTE }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Decision;
}

async function putWebhook(clientId: string, url: string): Promise<Response> {
  return fetch(`${gw.url}/v1/webhooks`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${await gw.token('webhooks:admin', clientId)}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ url }),
  });
}

beforeAll(async () => {
  receiver = await startWebhookReceiver({ failuresPerEvent: 2 });
  gw = await startInProcess({
    fixtures,
    deadlineMs: 10_000,
    // Loopback allowed, as an operator allows it for sandboxes on the same machine.
    connectors: { allowedHosts: [], allowLoopback: true, resolver: testResolver },
    // No timer: the test runs the passes; retries come 20–40 ms, 40–80 ms… apart.
    webhooks: { intervalMs: 0, retryBaseMs: 20 },
  });
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

describe('webhook delivery', () => {
  let reviewed: Decision[];
  let originals: Decision[];

  beforeAll(async () => {
    // Before the webhook exists: never an event.
    await review(await decide(0, 'intake-hooks'));
    const created = await putWebhook('intake-hooks', receiver.url);
    expect(created.status).toBe(201);
    secret = ((await created.json()) as { secret: string }).secret;
    originals = [await decide(1, 'intake-hooks'), await decide(2, 'intake-hooks')];
    // Another client's review: not this webhook's business.
    await review(await decide(3, 'intake-elsewhere'));
    reviewed = [];
    for (const decision of originals) reviewed.push(await review(decision));
    const deadline = Date.now() + 20_000;
    while (receiver.deduped().size < reviewed.length && Date.now() < deadline) {
      await gw.gateway.webhooks.runOnce();
      await new Promise((r) => setTimeout(r, 25));
    }
  });

  it('delivers each event exactly once after dedupe, after two 500s each', () => {
    const kept = receiver.deduped();
    expect([...kept.keys()].sort()).toEqual(reviewed.map((d) => `evt_${d.id}`).sort());
    for (const id of kept.keys())
      expect(receiver.attempts.filter((a) => a.headers['webhook-id'] === id).map((a) => a.status)).toEqual([
        500, 500, 200,
      ]);
  });

  it('signs every attempt as the Standard Webhooks reference implementation verifies it', () => {
    const verifier = new ReferenceVerifier(secret);
    expect(receiver.attempts).toHaveLength(6);
    for (const attempt of receiver.attempts) {
      const headers = {
        'webhook-id': String(attempt.headers['webhook-id']),
        'webhook-timestamp': String(attempt.headers['webhook-timestamp']),
        'webhook-signature': String(attempt.headers['webhook-signature']),
      };
      expect(verifier.verify(attempt.body, headers)).toEqual(JSON.parse(attempt.body));
      // A flipped byte of the body does not verify.
      expect(() => verifier.verify(attempt.body.replace('eligible', 'ineligibl'), headers)).toThrow();
    }
    expect(() =>
      new ReferenceVerifier('whsec_c2VjcmV0LW9mLWFub3RoZXItY2xpZW50').verify(
        receiver.attempts[0]?.body ?? '',
        Object.fromEntries(
          ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [
            h,
            String(receiver.attempts[0]?.headers[h]),
          ]),
        ),
      ),
    ).toThrow();
  });

  it('says what changed with ids, outcome and links, and nothing personal', () => {
    for (const [i, decision] of reviewed.entries()) {
      const body = receiver.deduped().get(`evt_${decision.id}`) ?? '';
      expect(WebhookEvent.parse(JSON.parse(body))).toEqual({
        type: 'decision.reviewed',
        timestamp: decision.decidedAt,
        data: {
          decisionId: decision.id,
          supersedes: originals[i]?.id,
          outcome: 'eligible',
          reviewRequired: false,
          links: {
            decision: `/v1/verifications/${decision.id}`,
            superseded: `/v1/verifications/${originals[i]?.id}`,
          },
        },
      });
    }
    const everything = receiver.attempts.map((a) => `${JSON.stringify(a.headers)}\n${a.body}`).join('\n');
    expect(findPersonalData(everything, fixtures.persons, [NOTE, 'payslips', 'legal-aid-desk'])).toEqual([]);
  });

  it('sends nothing more once delivered', async () => {
    const before = receiver.attempts.length;
    expect(await gw.gateway.webhooks.runOnce()).toEqual({
      enqueued: 0,
      delivered: 0,
      retrying: 0,
      failed: 0,
    });
    expect(receiver.attempts).toHaveLength(before);
  });

  it('refuses a name that resolves to a private address', async () => {
    const response = await putWebhook('intake-rebind', 'https://hooks.rebind.example/egw');
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { path: string; message: string }[] };
    expect(problem.errors).toEqual([
      {
        path: '/url',
        message: 'host hooks.rebind.example resolves to a private address (10.0.0.5) is not allowed',
      },
    ]);
  });
});
