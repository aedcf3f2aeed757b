/**
 * The first step of decoding a JSON registry answer: strict UTF-8, JSON, then the dialect's
 * own envelope schema. Failures name only the dialect and the first path at fault, never the
 * registry's text.
 */
import type { z } from 'zod';
import { type Decoded, malformed } from './registry-failure.ts';

/**
 * @example const envelope = decodeJsonDialect(body, DisabilityResponse, 'disability federation');
 */
export function decodeJsonDialect<S extends z.ZodType>(
  body: Uint8Array,
  envelope: S,
  dialect: string,
): Decoded<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return malformed('response is not valid UTF-8 JSON');
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path.map(String).join('.') ?? '';
    return malformed(`response does not follow the ${dialect} dialect at ${path || '(root)'}`);
  }
  return { ok: true, value: parsed.data };
}
