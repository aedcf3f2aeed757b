/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, spec "Signature scheme"):
 * `v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the
 * secret's bytes (the base64 after `whsec_`). WebCrypto only, so it runs on Node and workerd.
 */
import { base64, fromBase64 } from './encoding.ts';

const PREFIX = 'whsec_';
/** The spec allows 24 to 64 bytes; 32 is HMAC-SHA256's block-size sweet spot. */
const SECRET_BYTES = 32;
const encoder = new TextEncoder();

/**
 * A fresh per-client secret: its bytes (sealed at rest) and its text (shown once).
 * @example const { bytes, text } = newWebhookSecret(); // text: 'whsec_…'
 */
export function newWebhookSecret(): { readonly bytes: Uint8Array; readonly text: string } {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  return { bytes, text: webhookSecretText(bytes) };
}

/**
 * The `whsec_` text of secret bytes.
 * @example webhookSecretText(bytes) // 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
 */
export function webhookSecretText(bytes: Uint8Array): string {
  return `${PREFIX}${base64(bytes)}`;
}

/**
 * The bytes of a `whsec_` secret.
 * @example const key = webhookSecretBytes('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
 */
export function webhookSecretBytes(text: string): Uint8Array {
  if (!text.startsWith(PREFIX)) throw new TypeError('a webhook secret starts with whsec_');
  return fromBase64(text.slice(PREFIX.length));
}

/** The three headers of one delivery attempt. */
export interface WebhookHeaders {
  readonly 'webhook-id': string;
  /** Unix seconds of this attempt. */
  readonly 'webhook-timestamp': string;
  /** `v1,<base64>`. */
  readonly 'webhook-signature': string;
}

/**
 * Signs one attempt of a message.
 * @example
 * const headers = await signWebhook(secret, 'evt_0b7e…', new Date(), body);
 * await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
 */
export async function signWebhook(
  secret: Uint8Array,
  id: string,
  at: Date,
  body: string,
): Promise<WebhookHeaders> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  // A copy over a plain ArrayBuffer: WebCrypto takes no view of a SharedArrayBuffer.
  const raw = new Uint8Array(secret);
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${id}.${timestamp}.${body}`));
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${base64(new Uint8Array(mac))}`,
  };
}
