/**
 * How `egw` reports a failure: one line on stderr, never a stack trace (EGW_DEBUG=1 adds
 * it), with a non-zero exit code: 2 for a usage mistake, 1 for anything else. Foreign errors
 * (Node's errno codes, undici's `fetch failed`, JSON syntax) are turned into sentences here,
 * once, at the edge.
 */
import { GatewayError } from '../core/errors.ts';

/** A mistake in how the command was called: a bad value, an unknown flag. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An expected failure the command explains itself (a file that is not a decision). Exit code 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

interface ErrnoLike {
  readonly code?: unknown;
  readonly path?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
  readonly syscall?: unknown;
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'already exists (not overwritten)',
  ENOSPC: 'no space left on the device',
  ECONNREFUSED: 'connection refused (is it running, on that port?)',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved now',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
};

function errnoOf(value: unknown): ErrnoLike | undefined {
  return typeof value === 'object' && value !== null && 'code' in value ? (value as ErrnoLike) : undefined;
}

/** One sentence for any thrown value; it never includes a stack. */
export function describeError(error: unknown): string {
  if (error instanceof UsageError || error instanceof CommandError) return error.message;
  if (error instanceof GatewayError) {
    const facts = Object.entries(error.facts)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    const what =
      error.code === 'ERR_LOG_INTEGRITY'
        ? 'the transparency log failed its integrity check, refusing to start: '
        : '';
    return `${what}${error.message}${facts ? ` (${facts})` : ''} [${error.code}]`;
  }
  // undici: TypeError('fetch failed') with the socket error as its cause.
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = errnoOf(error.cause);
    const where =
      typeof cause?.address === 'string'
        ? ` ${cause.address}${cause.port ? `:${String(cause.port)}` : ''}`
        : '';
    const code = typeof cause?.code === 'string' ? cause.code : '';
    return `cannot reach${where || ' the server'}: ${ERRNO_TEXT[code] ?? (code || 'network error')}`;
  }
  const errno = errnoOf(error);
  if (typeof errno?.code === 'string') {
    if (errno.code === 'EADDRINUSE') {
      const port = errno.port === undefined ? '' : ` ${String(errno.port)}`;
      const on = typeof errno.address === 'string' ? ` on ${errno.address}` : '';
      return `port${port}${on} is already in use: stop the other process or choose another --port`;
    }
    if (errno.code === 'EADDRNOTAVAIL')
      return `cannot listen on ${String(errno.address ?? 'that address')}: not an address of this machine (--host)`;
    const text = ERRNO_TEXT[errno.code];
    if (text) return `${typeof errno.path === 'string' ? `${errno.path}: ` : ''}${text}`;
  }
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}

function networkReason(error: TypeError): string {
  const code = typeof errnoOf(error.cause)?.code === 'string' ? String(errnoOf(error.cause)?.code) : '';
  const message = error.cause instanceof Error ? error.cause.message : '';
  return ERRNO_TEXT[code] ?? (message || code || 'network error');
}

/**
 * fetch, with a failure to connect turned into one sentence naming the server.
 * @example const res = await fetchOrExplain('http://127.0.0.1:8080/v1/log/key');
 */
export async function fetchOrExplain(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (error instanceof TypeError && error.message === 'fetch failed')
      throw new CommandError(`cannot reach ${new URL(url).origin}: ${networkReason(error)}`);
    throw error;
  }
}

/** The exit code for a failure. */
export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError ? 2 : 1;
}

/**
 * Writes the failure as one line, `egw <command>: <what>`; with EGW_DEBUG=1 the stack follows.
 * @example
 * reportError('egw start', new UsageError('--port: expected 0 … 65535, got "abc"'));
 */
export function reportError(command: string, error: unknown): number {
  process.stderr.write(`${command}: ${describeError(error)}\n`);
  if (process.env.EGW_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  return exitCodeOf(error);
}
