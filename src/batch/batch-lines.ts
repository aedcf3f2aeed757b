/**
 * Lines of a batch file, streamed: one at a time, pulled by the consumer, so memory stays
 * bounded by one read chunk and the longest line whatever the file's size. Also how a
 * line becomes a request and its idempotency key.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The longest line accepted (a request body is at most 64 KiB at the gateway). */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface NumberedLine {
  /** 0-based position in the file, counting blank lines too. */
  readonly index: number;
  readonly text: string;
}

/**
 * Yields the file's lines from `skip` on. A `\r` before the newline is dropped.
 * @example for await (const line of readLines('cases.jsonl', 1000)) …
 */
export async function* readLines(file: string, skip = 0): AsyncGenerator<NumberedLine> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  let rest = '';
  let index = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      rest += chunk;
      let at = rest.indexOf('\n');
      while (at >= 0) {
        const text = rest.slice(0, at).replace(/\r$/, '');
        rest = rest.slice(at + 1);
        if (index >= skip) yield { index, text };
        index += 1;
        at = rest.indexOf('\n');
      }
      if (rest.length > MAX_LINE_BYTES) throw new RangeError(`line ${index + 1} is longer than 1 MiB`);
    }
    if (rest.length > 0 && index >= skip) yield { index, text: rest.replace(/\r$/, '') };
  } finally {
    stream.destroy();
  }
}

/** Number of lines (a last line without a newline counts), by a streaming byte scan. */
export async function countLines(file: string): Promise<number> {
  let count = 0;
  let last = 10;
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) count += 1;
    last = chunk[chunk.length - 1] ?? last;
  }
  return last === 10 ? count : count + 1;
}

/** What a line asks for. */
export type LineRequest =
  | { readonly kind: 'request'; readonly body: unknown; readonly key: string }
  | { readonly kind: 'blank' }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * A line is an intake request body, or `{ "idempotencyKey": …, "request": {…} }` to choose
 * the key. The default key is a digest of the line's text: the same line always gets the
 * same key, so a resumed or repeated run replays decisions instead of making new ones.
 * @example parseLine('{"applicant":…}', 'egw-batch').key // 'egw-batch-3f2a…'
 */
export function parseLine(text: string, keyPrefix: string): LineRequest {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { kind: 'invalid', reason: 'not a JSON object' };
  const record = value as Record<string, unknown>;
  if ('request' in record && typeof record.request === 'object' && record.request !== null) {
    const key = record.idempotencyKey;
    if (key !== undefined && (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)))
      return { kind: 'invalid', reason: 'idempotencyKey must be 1–255 printable ASCII characters' };
    return { kind: 'request', body: record.request, key: key ?? lineKey(trimmed, keyPrefix) };
  }
  return { kind: 'request', body: value, key: lineKey(trimmed, keyPrefix) };
}

/** `<prefix>-<first 32 hex digits of SHA-256(line)>`. */
export function lineKey(trimmedLine: string, prefix: string): string {
  return `${prefix}-${createHash('sha256').update(trimmedLine).digest('hex').slice(0, 32)}`;
}
