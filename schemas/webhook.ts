import { z } from 'zod';
import { DateTime } from './common.ts';
import { OUTCOMES } from './decision.ts';

/**
 * Webhooks and the change feed (issue 13): how an intake system learns that one of its
 * decisions was superseded, by push (`PUT /v1/webhooks`, events signed per Standard Webhooks)
 * or by polling (`GET /v1/verifications?changedSince=`). Ids, outcomes and links only: an
 * event never carries personal data.
 */

/** `decision.reviewed` when a person reviewed it, `decision.superseded` when re-verification replaced it. */
export const WEBHOOK_EVENT_TYPES = ['decision.superseded', 'decision.reviewed'] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

export const WebhookRequest = z
  .strictObject({
    url: z.string().min(1).max(2048).meta({
      description:
        'Where events are POSTed: https (http only to loopback where the operator allows it); the same address guards as partner connector endpoints.',
      example: 'https://intake.example.org/hooks/eligibility',
    }),
  })
  .meta({ id: 'WebhookRequest' });
export type WebhookRequest = z.infer<typeof WebhookRequest>;

export const Webhook = z
  .object({
    url: z.string(),
    createdAt: DateTime,
    updatedAt: DateTime,
  })
  .meta({ id: 'Webhook', description: 'The calling client’s webhook. The secret is never shown again.' });
export type Webhook = z.infer<typeof Webhook>;

export const WebhookWithSecret = Webhook.extend({
  secret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/)
    .meta({
      description:
        'The signing secret (Standard Webhooks: `whsec_` and base64). Shown in this answer only; a new PUT issues a new one.',
    }),
}).meta({ id: 'WebhookWithSecret' });
export type WebhookWithSecret = z.infer<typeof WebhookWithSecret>;

/** What an event and a change-feed item say about one supersession. */
const ChangeFields = {
  decisionId: z.string().meta({ description: 'The new decision.' }),
  supersedes: z.string().meta({ description: 'The decision it replaces.' }),
  outcome: z.enum(OUTCOMES),
  reviewRequired: z.boolean().meta({ description: 'A person must look at the new decision.' }),
};

export const WebhookEvent = z
  .object({
    type: WebhookEventType,
    timestamp: DateTime.meta({ description: 'When the new decision was given.' }),
    data: z.object({
      ...ChangeFields,
      links: z.object({
        decision: z.string().meta({ example: '/v1/verifications/0b7e…' }),
        superseded: z.string(),
      }),
    }),
  })
  .meta({
    id: 'WebhookEvent',
    description:
      'The body of a webhook delivery. Headers `webhook-id` (stable per event: dedupe on it), `webhook-timestamp` and `webhook-signature` per Standard Webhooks.',
  });
export type WebhookEvent = z.infer<typeof WebhookEvent>;

export const ChangeItem = z
  .object({
    type: WebhookEventType,
    ...ChangeFields,
    at: DateTime,
  })
  .meta({ id: 'ChangeItem' });
export type ChangeItem = z.infer<typeof ChangeItem>;

export const ChangeFeed = z
  .object({
    items: z.array(ChangeItem),
    next: z.string().meta({
      description: 'Pass as `changedSince` next time; the same cursor when nothing changed.',
    }),
  })
  .meta({ id: 'ChangeFeed' });
export type ChangeFeed = z.infer<typeof ChangeFeed>;
