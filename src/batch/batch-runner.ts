/**
 * `egw batch verify`: streams a JSONL file of intake requests to a gateway, a bounded
 * number in flight, marked as batch traffic so the gateway's registry quotas serve online
 * requests first. Resumable: the count of leading lines fully answered is fsync'd
 * periodically, and each line's idempotency key is derived from the line, so lines sent
 * again after a crash replay their decision instead of making a second one.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Pool } from 'undici';
import { createAnsweredPrefix } from './answered-prefix.ts';
import { countLines, parseLine, readLines } from './batch-lines.ts';
import { createProgressDisplay, createRateWindow, type ProgressDisplayOptions } from './progress-display.ts';
import { defaultProgressPath, fileHead, readProgress, writeProgress } from './progress-file.ts';

export interface BatchOptions {
  readonly file: string;
  /** Gateway base URL, e.g. http://127.0.0.1:8080 */
  readonly gateway: string;
  readonly token: string;
  /** Requests in flight at most. Default 32. */
  readonly concurrency?: number;
  /** Prefix of derived idempotency keys. Default `egw-batch`. */
  readonly keyPrefix?: string;
  /** Default `<file>.progress.json`. */
  readonly progressPath?: string;
  /** Ignore stored progress and start from the first line. */
  readonly restart?: boolean;
  /** Append one JSON line per answered case here. */
  readonly outPath?: string;
  /** Attempts per line on retryable failures (429, 5xx, network) before the run stops. Default 8. */
  readonly maxAttempts?: number;
  /** Progress fsync period, ms. Default 1000. */
  readonly checkpointEveryMs?: number;
  /** Where progress goes (stderr in the CLI). */
  readonly display?: ProgressDisplayOptions;
  /** Aborting stops sending new lines; in-flight ones finish and progress is saved. */
  readonly signal?: AbortSignal;
}

export interface BatchSummary {
  readonly file: string;
  readonly totalLines: number;
  /** Lines skipped because an earlier run had answered them. */
  readonly resumedFrom: number;
  /** Lines answered in this run (decisions and per-line errors; blank lines excluded). */
  readonly answered: number;
  readonly outcomes: {
    readonly eligible: number;
    readonly ineligible: number;
    readonly needs_review: number;
  };
  readonly provisional: number;
  /** Answers that were replays of an earlier decision (200). */
  readonly replayed: number;
  readonly errors: {
    readonly total: number;
    readonly byKind: Readonly<Record<string, number>>;
    /** 1-based numbers of the first lines that failed (at most 20), in the order answered. */
    readonly lines: readonly number[];
  };
  readonly retries: number;
  readonly elapsedSeconds: number;
  readonly casesPerSecond: number;
  /** Leading lines of the file answered now (the resume point). */
  readonly answeredPrefix: number;
  /** True when every line was answered; false after a stop (resume with the same command). */
  readonly completed: boolean;
  /** Why the run stopped early, if it did. */
  readonly stoppedBecause?: string;
}

type Attempt =
  | {
      readonly kind: 'decision';
      readonly status: number;
      readonly outcome: string;
      readonly id: string;
      readonly provisional: boolean;
    }
  | { readonly kind: 'line-error'; readonly status: number; readonly what: string }
  | { readonly kind: 'retry'; readonly what: string; readonly afterMs?: number }
  | { readonly kind: 'fatal'; readonly what: string };

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * @example
 * const summary = await runBatch({ file: 'cases.jsonl', gateway: 'http://127.0.0.1:8080', token });
 */
export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const file = resolve(options.file);
  const concurrency = options.concurrency ?? 32;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be ≥ 1');
  const keyPrefix = options.keyPrefix ?? 'egw-batch';
  const maxAttempts = options.maxAttempts ?? 8;
  const progressPath = options.progressPath ?? defaultProgressPath(file);
  const head = fileHead(file);
  const stored = options.restart ? undefined : readProgress(progressPath, file, head);
  const start = stored?.answered ?? 0;
  const totalLines = await countLines(file);

  const base = new URL(options.gateway);
  const path = `${base.pathname.replace(/\/+$/, '')}/v1/verifications`;
  const pool = new Pool(base.origin, { connections: concurrency, pipelining: 1 });
  const out: WriteStream | undefined = options.outPath
    ? createWriteStream(options.outPath, { flags: 'a' })
    : undefined;

  const prefix = createAnsweredPrefix(start);
  const outcomes = { eligible: 0, ineligible: 0, needs_review: 0 };
  const byKind: Record<string, number> = {};
  let errors = 0;
  const failedLines: number[] = [];
  let provisional = 0;
  let replayed = 0;
  let retries = 0;
  let answered = 0;
  let stoppedBecause: string | undefined;
  const began = performance.now();
  const window = createRateWindow();
  const display = options.display ? createProgressDisplay(options.display) : undefined;
  const state = () => ({
    done: prefix.prefix,
    total: totalLines,
    ratePerSecond: window.rate(),
    errors,
  });

  let saved = start;
  const save = () => {
    if (prefix.prefix === saved) return;
    saved = prefix.prefix;
    writeProgress(progressPath, {
      version: 1,
      file,
      head,
      answered: saved,
      updatedAt: new Date().toISOString(),
    });
  };
  const saver = setInterval(save, options.checkpointEveryMs ?? 1000);
  const ticker = setInterval(() => {
    window.add(performance.now(), prefix.prefix);
    display?.update(state());
  }, 200);

  const headers = {
    authorization: `Bearer ${options.token}`,
    'content-type': 'application/json',
    'accept-language': 'en',
    // Both spellings: the gateway's own header and RFC 9218's background urgency.
    'x-egw-priority': 'batch',
    priority: 'u=7',
  };

  async function attempt(body: string, key: string): Promise<Attempt> {
    try {
      const response = await pool.request({
        path,
        method: 'POST',
        headers: { ...headers, 'idempotency-key': key },
        body,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      const text = await response.body.text();
      const status = response.statusCode;
      if (status === 200 || status === 201) {
        const decision = JSON.parse(text) as { id?: string; outcome?: string; provisional?: boolean };
        return {
          kind: 'decision',
          status,
          outcome: decision.outcome ?? 'unknown',
          id: decision.id ?? '',
          provisional: decision.provisional === true,
        };
      }
      const what = `${status} ${problemCode(text)}`;
      if (status === 401 || status === 403)
        return { kind: 'fatal', what: `the gateway refused the token (${what})` };
      if (RETRYABLE.has(status)) {
        const after = Number(response.headers['retry-after']);
        return {
          kind: 'retry',
          what,
          ...(Number.isFinite(after) && after > 0 ? { afterMs: after * 1000 } : {}),
        };
      }
      return { kind: 'line-error', status, what };
    } catch (error) {
      return { kind: 'retry', what: `network ${(error as { code?: string }).code ?? 'error'}` };
    }
  }

  async function handle(index: number, text: string): Promise<void> {
    const line = parseLine(text, keyPrefix);
    if (line.kind === 'blank') return prefix.done(index);
    if (line.kind === 'invalid') {
      count(`invalid line: ${line.reason}`, index + 1);
      record({ line: index + 1, error: line.reason });
      return prefix.done(index);
    }
    const body = JSON.stringify(line.body);
    for (let n = 1; ; n++) {
      if (stoppedBecause !== undefined && n > 1) return;
      const result = await attempt(body, line.key);
      if (result.kind === 'fatal') {
        stoppedBecause ??= result.what;
        return;
      }
      if (result.kind === 'retry') {
        if (n >= maxAttempts) {
          stoppedBecause ??= `the gateway kept failing (${result.what}) after ${n} attempts`;
          return;
        }
        retries += 1;
        await sleep(result.afterMs ?? Math.min(10_000, 200 * 2 ** (n - 1)) * (0.5 + Math.random()));
        continue;
      }
      answered += 1;
      if (result.kind === 'line-error') {
        count(result.what, index + 1);
        record({ line: index + 1, key: line.key, status: result.status, error: result.what });
      } else {
        if (result.outcome in outcomes) outcomes[result.outcome as keyof typeof outcomes] += 1;
        if (result.provisional) provisional += 1;
        if (result.status === 200) replayed += 1;
        record({
          line: index + 1,
          key: line.key,
          status: result.status,
          id: result.id,
          outcome: result.outcome,
        });
      }
      return prefix.done(index);
    }
  }

  function count(kind: string, lineNumber: number): void {
    errors += 1;
    if (failedLines.length < 20) failedLines.push(lineNumber);
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  }
  function record(entry: Record<string, string | number>): void {
    out?.write(`${JSON.stringify(entry)}\n`);
  }

  const inFlight = new Set<Promise<void>>();
  try {
    for await (const line of readLines(file, start)) {
      if (options.signal?.aborted) stoppedBecause ??= 'interrupted';
      if (stoppedBecause !== undefined) break;
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      const task: Promise<void> = handle(line.index, line.text).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(saver);
    clearInterval(ticker);
    save();
    await pool.close();
    if (out) await new Promise<void>((done) => out.end(done));
  }
  window.add(performance.now(), prefix.prefix);
  display?.finish(state());
  const elapsedSeconds = (performance.now() - began) / 1000;
  const completed = stoppedBecause === undefined && prefix.prefix >= totalLines;
  return {
    file,
    totalLines,
    resumedFrom: start,
    answered,
    outcomes,
    provisional,
    replayed,
    errors: { total: errors, byKind, lines: failedLines },
    retries,
    elapsedSeconds,
    casesPerSecond: answered / Math.max(elapsedSeconds, 1e-9),
    answeredPrefix: prefix.prefix,
    completed,
    ...(stoppedBecause === undefined ? {} : { stoppedBecause }),
  };
}

/** The problem's code and, as the API names it, the first field at fault (`ERR_VALIDATION at /applicant/idNumber`). */
function problemCode(text: string): string {
  try {
    const problem = JSON.parse(text) as { code?: unknown; type?: unknown; errors?: unknown };
    const first = Array.isArray(problem.errors)
      ? (problem.errors[0] as { path?: unknown } | undefined)
      : undefined;
    const field = typeof first?.path === 'string' ? ` at ${first.path || '/'}` : '';
    if (typeof problem.code === 'string') return `${problem.code}${field}`;
    if (typeof problem.type === 'string') return `${problem.type.split('/').pop() ?? ''}${field}`;
  } catch {
    // not a problem document
  }
  return '';
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** A human summary, a few lines. */
export function formatSummary(s: BatchSummary): string {
  const lines = [
    `batch ${s.completed ? 'complete' : `stopped: ${s.stoppedBecause ?? 'incomplete'}`} — ${s.file}`,
    `  lines ${s.totalLines}, answered now ${s.answered}${s.resumedFrom ? ` (resumed after line ${s.resumedFrom})` : ''}, resume point ${s.answeredPrefix}`,
    `  eligible ${s.outcomes.eligible}, ineligible ${s.outcomes.ineligible}, needs_review ${s.outcomes.needs_review} (provisional ${s.provisional}); replayed ${s.replayed}`,
    `  errors ${s.errors.total}${Object.entries(s.errors.byKind)
      .map(([k, n]) => `; ${k}: ${n}`)
      .join('')}; retries ${s.retries}`,
    ...(s.errors.lines.length > 0
      ? [`  failed lines: ${s.errors.lines.join(', ')}${s.errors.total > s.errors.lines.length ? ', …' : ''}`]
      : []),
    `  elapsed ${s.elapsedSeconds.toFixed(1)} s, ${s.casesPerSecond.toFixed(1)} cases/s`,
  ];
  return `${lines.join('\n')}\n`;
}
