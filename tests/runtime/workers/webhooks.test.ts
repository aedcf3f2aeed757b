/**
 * Webhook delivery on workerd (issue 13): the same receiver as the Node test (500 twice per
 * event, then 200), the Worker's Cron Trigger handler run through wrangler's `/__scheduled`;
 * each event arrives exactly once after dedupe, every attempt verifies with the reference
 * implementation (npm `standardwebhooks`), and no body holds personal data.
 */
import { Webhook as ReferenceVerifier } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Decision } from '../../../schemas/decision.ts';
import type { Scope } from '../../../src/http/auth.ts';
import { findPersonalData } from '../../contract/personal-data.ts';
import { mintDevToken } from '../../support/tokens.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.ts';
import { workersFixtures } from './workers-stack.ts';
import { workersRequest } from './workers-target.ts';

const NOTE = 'Spoke to the applicant; the declaration holds.';
const clientId = `workers-webhooks-${crypto.randomUUID()}`;
let url: string;
let receiver: WebhookReceiver;
let secret: string;
const originals: Decision[] = [];
const reviewed: Decision[] = [];

async function call(
  path: string,
  method: string,
  scopes: readonly Scope[],
  client: string,
  body?: unknown,
): Promise<Response> {
  const token = await mintDevToken(inject('workersDataDir'), scopes, client);
  return fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': crypto.randomUUID(),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  url = inject('workersUrl');
  receiver = await startWebhookReceiver({ failuresPerEvent: 2 });
  const put = await call('/v1/webhooks', 'PUT', ['webhooks:admin'], clientId, { url: receiver.url });
  expect(put.status).toBe(201);
  secret = ((await put.json()) as { secret: string }).secret;
  for (const index of [5, 6]) {
    const created = await call(
      '/v1/verifications',
      'POST',
      ['verifications:write'],
      clientId,
      workersRequest(index),
    );
    expect(created.status).toBe(201);
    const decision = (await created.json()) as Decision;
    originals.push(decision);
    const review = await call(
      `/v1/verifications/${decision.id}/reviews`,
      'POST',
      ['reviews:write', 'audit:read'],
      'workers-desk',
      {
        outcome: 'eligible',
        reasonCode: 'declaration_verified',
        note: NOTE,
      },
    );
    expect(review.status).toBe(201);
    reviewed.push((await review.json()) as Decision);
  }
  const deadline = Date.now() + 60_000;
  while (receiver.deduped().size < reviewed.length && Date.now() < deadline) {
    const scheduled = await fetch(`${url}/__scheduled?cron=*+*+*+*+*`);
    await scheduled.body?.cancel();
    await new Promise((r) => setTimeout(r, 500));
  }
});
afterAll(async () => {
  // The last Cron run's passes continue after /__scheduled answers (waitUntil): let them end
  // before the next file measures the sequencer.
  await new Promise((r) => setTimeout(r, 1_000));
  await receiver?.close();
});

describe('webhook delivery on workerd', () => {
  it('delivers each event exactly once after dedupe, after two 500s', () => {
    const kept = receiver.deduped();
    expect([...kept.keys()].sort()).toEqual(reviewed.map((d) => `evt_${d.id}`).sort());
    for (const id of kept.keys())
      expect(
        receiver.attempts
          .filter((a) => a.headers['webhook-id'] === id)
          .map((a) => a.status)
          .slice(0, 3),
      ).toEqual([500, 500, 200]);
  });

  it('signs every attempt so that the reference implementation verifies it', () => {
    const verifier = new ReferenceVerifier(secret);
    for (const attempt of receiver.attempts) {
      const headers = Object.fromEntries(
        ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(attempt.headers[h])]),
      );
      expect(verifier.verify(attempt.body, headers)).toEqual(JSON.parse(attempt.body));
    }
    const bodies = receiver.attempts.map((a) => a.body).join('\n');
    expect(findPersonalData(bodies, workersFixtures().persons, [NOTE])).toEqual([]);
    const first = JSON.parse(receiver.deduped().get(`evt_${reviewed[0]?.id}`) ?? '{}') as { data?: unknown };
    expect(first.data).toMatchObject({
      decisionId: reviewed[0]?.id,
      supersedes: originals[0]?.id,
      outcome: 'eligible',
    });
  });
});
