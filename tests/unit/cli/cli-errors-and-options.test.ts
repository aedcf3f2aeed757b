/**
 * The parts of `egw`'s one mechanism (src/cli): foreign errors turned into one sentence, the
 * suggestion for a mistyped flag, and option parsers refusing what is out of range.
 */
import { describe, expect, it } from 'vitest';
import { describeError, exitCodeOf, UsageError } from '../../../src/cli/cli-errors.ts';
import { suggest } from '../../../src/cli/egw-command.ts';
import {
  choice,
  numberOption,
  parseJsonText,
  portOption,
  text,
  urlOption,
} from '../../../src/cli/options.ts';
import { GatewayError } from '../../../src/core/errors.ts';

const errno = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${code} something`), { code, ...extra });

describe('describeError', () => {
  it('says what Node and undici errors mean, in one line, without a stack', () => {
    expect(describeError(errno('EADDRINUSE', { address: '127.0.0.1', port: 8080 }))).toBe(
      'port 8080 on 127.0.0.1 is already in use: stop the other process or choose another --port',
    );
    expect(describeError(errno('ENOENT', { path: '/x/y.json' }))).toBe(
      '/x/y.json: no such file or directory',
    );
    expect(describeError(errno('EACCES', { path: '/var/lib/egw' }))).toBe('/var/lib/egw: permission denied');
    const fetchFailed = new TypeError('fetch failed', { cause: errno('ECONNREFUSED') });
    expect(describeError(fetchFailed)).toBe(
      'cannot reach the server: connection refused (is it running, on that port?)',
    );
    expect(describeError(new GatewayError('ERR_VALIDATION', 'bad', { facts: { path: '/a' } }))).toBe(
      'bad (path=/a) [ERR_VALIDATION]',
    );
    expect(describeError(new Error('first line\n    at stack'))).toBe('first line');
  });

  it('exits 2 for a usage mistake, 1 otherwise', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new Error('x'))).toBe(1);
  });
});

describe('suggest', () => {
  it('offers the closest flag or command, and nothing when none is close', () => {
    expect(suggest('--concurency', ['--concurrency', '--gateway'])).toBe('--concurrency');
    expect(suggest('strat', ['start', 'sandbox'])).toBe('start');
    expect(suggest('--bogus', ['--port', '--host', '--data'])).toBeUndefined();
  });
});

describe('option parsers', () => {
  it('numbers: whole, in range, with the flag and the value named', () => {
    const o = numberOption({ description: 'd', default: 800, min: 50, max: 30_000, unit: 'ms' });
    expect(o.parse('800', '--deadline-ms')).toBe(800);
    for (const bad of ['-1', '0', 'abc', '1.5', '1e9', '', '0x10'])
      expect(() => o.parse(bad, '--deadline-ms')).toThrow(UsageError);
    expect(() => o.parse('-1', '--deadline-ms')).toThrow(
      '--deadline-ms: expected a whole number from 50 to 30000 ms, got "-1"',
    );
    expect(() => o.parse(true, '--deadline-ms')).toThrow('--deadline-ms: a value is required');
    expect(portOption({ default: 8080 }).parse('0', '--port')).toBe(0);
    expect(() => portOption({ default: 8080 }).parse('70000', '--port')).toThrow(UsageError);
  });

  it('required, patterns, URLs and choices', () => {
    expect(() => text({ description: 'd', required: true }).parse(undefined, '--scope')).toThrow(
      '--scope is required',
    );
    expect(() =>
      text({ description: 'd', pattern: /^[a-z]+$/, hint: 'lower case' }).parse('A', '--x'),
    ).toThrow('--x: expected lower case, got "A"');
    expect(urlOption({ description: 'd' }).parse('http://gw:8080//', '--gateway')).toBe('http://gw:8080');
    expect(() => urlOption({ description: 'd' }).parse('gw:8080', '--gateway')).toThrow(UsageError);
    const ledger = choice({
      description: 'd',
      options: ['embedded', 'fabric'] as const,
      default: 'embedded',
    });
    expect(ledger.parse('fabric', '--ledger')).toBe('fabric');
    expect(() => ledger.parse('fabirc', '--ledger')).toThrow(
      '--ledger: expected one of embedded, fabric, got "fabirc"',
    );
  });

  it('JSON text: the line of a syntax error', () => {
    expect(() => parseJsonText('{\n "a": 1,\n oops\n}', 'f.json')).toThrow('f.json: not valid JSON (line 3)');
    expect(parseJsonText('[1]', 'f.json')).toEqual([1]);
  });
});
