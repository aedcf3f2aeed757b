/**
 * The machinery the three sandbox registries share: a loopback HTTP(S) server, the
 * in-memory request log tests read to prove which registry was asked what, and the
 * fixture faults (`error`, `timeout`, `malformed`, `slow`). Each sandbox supplies only
 * its dialect: how to authenticate, parse and answer.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Source } from '../../schemas/common.ts';
import type { Fault } from '../../schemas/registry-records.ts';
import { checkLatencyProfile, type LatencyProfile, sampleLatency } from './latency-model.ts';

/** A fault mode from the fixtures. */
export type FaultMode = Fault['mode'];

/** One request the sandbox received on a data path (liveness probes are recorded only when refused). */
export interface SandboxRequestRecord {
  /** Arrival time, RFC 3339. */
  readonly at: string;
  readonly source: Source;
  readonly method: string;
  readonly path: string;
  /** `answered`, a fault mode, `refused` (authentication) or `rejected` (bad request). */
  readonly outcome: 'answered' | 'refused' | 'rejected' | FaultMode;
  /** The HTTP status sent; undefined while held or when never answered (`timeout`). */
  readonly status: number | undefined;
  /** Why a request was refused or rejected, in the sandbox's words (no personal data). */
  readonly reason?: string;
  /**
   * The identity numbers asked about, in request order, masked unless the sandbox was started
   * with `maskSubjects: false`. Empty when refused or rejected.
   */
  readonly subjects: readonly string[];
  readonly subjectCount: number;
  readonly purpose?: string;
  readonly consentReference?: string;
  readonly requestId?: string;
}

/** A response the sandbox sends. */
export interface SandboxReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a dialect made of one request. */
export type SandboxOutcome =
  /** Answered as is and not recorded: liveness probes, service descriptions, unknown paths. */
  | { readonly kind: 'reply'; readonly reply: SandboxReply }
  /** Authentication failed. Recorded. */
  | { readonly kind: 'refused'; readonly reply: SandboxReply; readonly reason: string }
  /** Authenticated but not a valid request. Recorded. */
  | { readonly kind: 'rejected'; readonly reply: SandboxReply; readonly reason: string }
  /** A valid lookup. Recorded; faults apply. */
  | {
      readonly kind: 'lookup';
      readonly subjects: readonly string[];
      readonly purpose: string;
      readonly consentReference: string;
      readonly requestId?: string;
      readonly answer: () => SandboxReply;
      readonly error: () => SandboxReply;
      readonly malformed: () => SandboxReply;
    };

/** A dialect plugged into the shared server. */
export interface SandboxDefinition {
  readonly source: Source;
  /** Present for HTTPS (and mutual TLS); absent for plain HTTP. */
  readonly tls?: HttpsServerOptions;
  handle(req: IncomingMessage, body: Buffer): SandboxOutcome | Promise<SandboxOutcome>;
}

/** Where and how a sandbox runs. */
export interface SandboxServerOptions {
  /** Faults from the fixtures; only those for this sandbox's source apply. */
  readonly faults?: readonly Fault[];
  /** Delay of the `slow` fault. Default 5000 ms. */
  readonly slowMs?: number;
  /** Loopback only by default. */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Benchmarks: delay every lookup by a latency model. Default none (answer at once). */
  readonly latency?: LatencyProfile;
  /** Random source of the latency model (tests pass a seeded one). Default Math.random. */
  readonly random?: () => number;
  /** Records kept in the request log; the oldest go first. Default 10,000. */
  readonly requestLogLimit?: number;
  /**
   * Keep identity numbers in the request log masked (`320102********001X`), as a demo should.
   * Default true; tests that check exactly who was asked turn it off.
   */
  readonly maskSubjects?: boolean;
}

/** Records a sandbox keeps by default: a demo runs for days, its memory must not grow. */
export const DEFAULT_REQUEST_LOG_LIMIT = 10_000;

/**
 * An identity number as the request log keeps it by default: the division and the last four
 * characters, the birth date hidden.
 * @example maskIdNumber('32010219800517123X') // '320102********123X'
 */
export function maskIdNumber(idNumber: string): string {
  return idNumber.length === 18
    ? `${idNumber.slice(0, 6)}********${idNumber.slice(14)}`
    : '*'.repeat(idNumber.length);
}

/**
 * A running sandbox registry. The request log is read through this handle, never over
 * HTTP, so the gateway under test cannot see or clear it.
 */
export interface SandboxHandle {
  readonly source: Source;
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** A copy of the requests received so far, oldest first. */
  requestLog(): readonly SandboxRequestRecord[];
  clearRequestLog(): void;
  /** Replaces the faults (those for other sources are ignored). */
  setFaults(faults: readonly Fault[]): void;
  faults(): readonly Fault[];
  /** Replaces the latency profile; undefined answers at once again. */
  setLatency(profile: LatencyProfile | undefined): void;
  /** Stops the server, dropping held connections and pending slow answers. */
  close(): Promise<void>;
}

/** Default delay of the `slow` fault. */
export const DEFAULT_SLOW_MS = 5_000;
/** Largest request body a sandbox reads. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * The fault that applies to a request: faults without an identity number apply to
 * everyone, the others when their person is among the subjects. `timeout` beats `error`
 * beats `malformed`; `slow` delays whichever answer follows.
 * @example faultsFor(faults, 'hrss', subjects) // { slow: false, mode: 'error' }
 */
export function faultsFor(
  faults: readonly Fault[],
  source: Source,
  subjects: readonly string[],
): { readonly slow: boolean; readonly mode: 'timeout' | 'error' | 'malformed' | undefined } {
  const asked = new Set(subjects);
  const modes = new Set(
    faults
      .filter((f) => f.source === source && (f.idNumber === undefined || asked.has(f.idNumber)))
      .map((f) => f.mode),
  );
  const mode = modes.has('timeout')
    ? 'timeout'
    : modes.has('error')
      ? 'error'
      : modes.has('malformed')
        ? 'malformed'
        : undefined;
  return { slow: modes.has('slow'), mode };
}

/**
 * Starts a sandbox server on loopback.
 * @example const handle = await startSandboxServer(civilAffairsDefinition(...), { faults, slowMs: 200 });
 */
export async function startSandboxServer(
  definition: SandboxDefinition,
  options: SandboxServerOptions = {},
): Promise<SandboxHandle> {
  const slowMs = options.slowMs ?? DEFAULT_SLOW_MS;
  if (!Number.isInteger(slowMs) || slowMs < 0) throw new TypeError('slowMs must be a non-negative integer');
  const log: { -readonly [K in keyof SandboxRequestRecord]: SandboxRequestRecord[K] }[] = [];
  const logLimit = options.requestLogLimit ?? DEFAULT_REQUEST_LOG_LIMIT;
  if (!Number.isInteger(logLimit) || logLimit < 1)
    throw new TypeError('requestLogLimit must be a positive integer');
  const shown = options.maskSubjects === false ? (id: string) => id : maskIdNumber;
  const record = (entry: (typeof log)[number]): void => {
    log.push(entry);
    // Dropped in blocks, so a full log costs one splice per tenth of its size, not per request.
    if (log.length > logLimit) log.splice(0, Math.max(log.length - logLimit, Math.ceil(logLimit / 10)));
  };
  let faults: readonly Fault[] = options.faults ?? [];
  let latency = options.latency === undefined ? undefined : checkLatencyProfile(options.latency);
  const random = options.random ?? Math.random;
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: (open: boolean) => void }>();
  let closed = false;

  // Resolves true after `ms`, or false at once if the sandbox closes first.
  const delay = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve(true);
        }, ms),
        resolve,
      };
      timers.add(entry);
    });

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const body = await readBody(req, MAX_REQUEST_BYTES);
      if (body === undefined)
        return send(res, { status: 413, contentType: 'text/plain', body: 'request too large' });
      const outcome = await definition.handle(req, body);
      const base = {
        at: new Date().toISOString(),
        source: definition.source,
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] ?? '/',
      };
      if (outcome.kind === 'reply') return send(res, outcome.reply);
      if (outcome.kind === 'refused' || outcome.kind === 'rejected') {
        record({
          ...base,
          outcome: outcome.kind,
          status: outcome.reply.status,
          reason: outcome.reason,
          subjects: [],
          subjectCount: 0,
        });
        return send(res, outcome.reply);
      }
      const faulted = faultsFor(faults, definition.source, outcome.subjects);
      // The latency model's timeouts behave exactly like the `timeout` fault.
      const applied =
        faulted.mode === undefined && latency?.timeoutRate && random() < latency.timeoutRate
          ? { ...faulted, mode: 'timeout' as const }
          : faulted;
      const entry: (typeof log)[number] = {
        ...base,
        outcome: applied.mode ?? (applied.slow ? 'slow' : 'answered'),
        status: undefined,
        subjects: outcome.subjects.map(shown),
        subjectCount: outcome.subjects.length,
        purpose: outcome.purpose,
        consentReference: outcome.consentReference,
        ...(outcome.requestId === undefined ? {} : { requestId: outcome.requestId }),
      };
      record(entry);
      if (applied.slow && !(await delay(slowMs))) return;
      const modelled = latency && applied.mode !== 'timeout' ? sampleLatency(latency.model, random) : 0;
      if (modelled > 0 && !(await delay(modelled))) return;
      // Never answering is the point: the socket stays open until the client gives up or we close.
      if (applied.mode === 'timeout') return;
      const reply =
        applied.mode === 'error'
          ? outcome.error()
          : applied.mode === 'malformed'
            ? outcome.malformed()
            : outcome.answer();
      entry.status = reply.status;
      send(res, reply);
    } catch {
      send(res, { status: 500, contentType: 'text/plain', body: 'sandbox failure' });
    }
  };

  const server: Server = definition.tls
    ? createHttpsServer(definition.tls, (req, res) => void onRequest(req, res))
    : createHttpServer((req, res) => void onRequest(req, res));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `${definition.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    source: definition.source,
    url,
    requestLog: () => log.map((e) => ({ ...e, subjects: [...e.subjects] })),
    clearRequestLog: () => {
      log.length = 0;
    },
    setFaults: (next) => {
      faults = [...next];
    },
    faults: () => faults.filter((f) => f.source === definition.source),
    setLatency: (profile) => {
      latency = profile === undefined ? undefined : checkLatencyProfile(profile);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.resolve(false);
      }
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

function send(res: ServerResponse, reply: SandboxReply): void {
  if (res.destroyed || res.headersSent) return;
  const body = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': reply.contentType,
    'content-length': String(body.length),
  });
  res.end(body);
}
