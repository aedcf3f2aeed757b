/**
 * One behaviour for every `egw` command: the test walks the whole command tree (so a command
 * or flag added later is covered without editing it) and feeds each command a missing file,
 * a bad number and an unknown flag. Each answer is one line on stderr, naming the flag, and a
 * non-zero exit; nothing runs. A few cases run as a real child process too: what an operator
 * sees, with no stack trace and no colour codes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandDef } from 'citty';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { egw } from '../../../src/cli/egw.ts';
import { egwSpecOf, suggest } from '../../../src/cli/egw-command.ts';
import type { EgwOption } from '../../../src/cli/options.ts';
import { egwInProcess } from '../../support/egw-in-process.ts';
import { freePort } from '../../support/free-port.ts';
import { ROOT } from '../../support/gateway-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-every-command-'));
const data = join(dir, 'data');
mkdirSync(join(data, 'keys'), { recursive: true });
const someJson = join(dir, 'some.json');
writeFileSync(someJson, '{}\n');
const missing = join(dir, 'no-such-file.json');

afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

interface Leaf {
  readonly path: readonly string[];
  readonly options: Readonly<Record<string, EgwOption<unknown>>>;
}

function leaves(command: CommandDef, path: readonly string[] = []): Leaf[] {
  const subs = command.subCommands as Readonly<Record<string, CommandDef>> | undefined;
  if (subs) return Object.entries(subs).flatMap(([name, sub]) => leaves(sub, [...path, name]));
  const spec = egwSpecOf(command);
  if (!spec) throw new Error(`egw ${path.join(' ')} is not made with defineEgwCommand`);
  return [{ path, options: spec.options }];
}

const LEAVES = leaves(egw);

/** A valid value for an option, so that only the value under test is wrong. */
function validValue(name: string, option: EgwOption<unknown>): string {
  if (name === 'agency') return 'my-agency';
  if (name === 'scope') return 'verifications:read';
  if (name === 'dir') return join(dir, 'backup');
  switch (option.kind) {
    case 'file':
    case 'file-or-url':
      return someJson;
    case 'directory':
      return data;
    case 'url':
      return 'http://127.0.0.1:1';
    case 'new-file':
      return join(dir, 'out.json');
    case 'number':
      return '5';
    case 'choice':
      return 'x';
    default:
      return 'x';
  }
}

/**
 * argv for `leaf` with every required option (and every positional) valid, `name` set to
 * `value` (or left out).
 */
function argv(leaf: Leaf, name?: string, value?: string): string[] {
  const args = [...leaf.path];
  for (const [n, option] of Object.entries(leaf.options)) {
    const required =
      option.def.description?.endsWith('(required)') || option.def.type === 'positional' || n === 'data';
    const chosen = n === name ? value : required ? validValue(n, option) : undefined;
    if (chosen === undefined) continue;
    if (option.def.type === 'positional') args.push(chosen);
    else args.push(`--${n}`, chosen);
  }
  return args;
}

function expectOneLine(result: { code: number; err: string; out: string }, command: string, pattern: RegExp) {
  expect(result.code).not.toBe(0);
  expect(result.out).toBe('');
  const lines = result.err.split('\n').filter((l) => l !== '');
  expect(lines, result.err).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^egw${command ? ` ${command}` : ''}: `));
  expect(lines[0]).toMatch(pattern);
  expect(result.err).not.toMatch(/\n\s+at |Error:/);
}

describe('every egw command', () => {
  it('is made with the one mechanism (the tree has the commands the README lists)', () => {
    expect(LEAVES.map((l) => l.path.join(' '))).toEqual(
      expect.arrayContaining([
        'start',
        'sandbox',
        'token',
        'audit verify',
        'audit monitor',
        'batch verify',
        'connectors init',
        'connectors demo-endpoint',
        'keys rotate',
        'backup',
      ]),
    );
  });

  it.each(LEAVES.map((l) => [l.path.join(' '), l] as const))(
    '%s refuses an unknown flag',
    async (name, leaf) => {
      expectOneLine(
        await egwInProcess([...argv(leaf), '--bogus-flag', '1']),
        name,
        /unknown option --bogus-flag/,
      );
    },
  );

  it.each(LEAVES.map((l) => [l.path.join(' '), l] as const))(
    '%s refuses a missing file',
    async (name, leaf) => {
      const files = Object.entries(leaf.options).filter(
        ([, o]) => o.kind === 'file' || o.kind === 'file-or-url',
      );
      if (files.length === 0) {
        // No file option: a file given anyway is an argument it does not take.
        expectOneLine(await egwInProcess([...argv(leaf), missing]), name, /unexpected argument|no such file/);
        return;
      }
      for (const [option] of files)
        expectOneLine(await egwInProcess(argv(leaf, option, missing)), name, /no such file/);
    },
  );

  it.each(LEAVES.map((l) => [l.path.join(' '), l] as const))(
    '%s refuses a bad number',
    async (name, leaf) => {
      const numbers = Object.entries(leaf.options).filter(([, o]) => o.kind === 'number');
      for (const [option] of numbers)
        for (const bad of ['abc', '-5', '1e99', '1.5'])
          expectOneLine(
            await egwInProcess(argv(leaf, option, bad)),
            name,
            new RegExp(`--${option}: expected a whole number from .* got "${bad.replace('.', '\\.')}"`),
          );
    },
  );

  it('the README names only commands and flags that exist', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const uses = [...readme.matchAll(/run -s egw -- ([^\n]*)/g), ...readme.matchAll(/^\| `egw ([^`]*)`/gm)]
      .map(
        (m) =>
          (m[1] ?? '')
            .replaceAll('\\|', '|')
            .split(/`| &&| #|\)|;/)[0]
            ?.trim() ?? '',
      )
      .filter((use) => !use.startsWith('<'));
    expect(uses.length).toBeGreaterThan(20);
    for (const use of uses) {
      const words = use.split(/\s+/);
      // A group row (`egw connectors init | validate …`) names its subcommands.
      if (/^[a-z-]+ [a-z-]+ \| [a-z-]+ \|/.test(use)) {
        const group = words[0] ?? '';
        for (const sub of use
          .slice(group.length)
          .split('|')
          .map((w) => w.trim()))
          expect(
            LEAVES.map((l) => l.path.join(' ')),
            use,
          ).toContain(`${group} ${sub}`);
        continue;
      }
      let leaf: Leaf | undefined;
      for (let n = words.length; n > 0 && !leaf; n--)
        leaf = LEAVES.find((l) => l.path.join(' ') === words.slice(0, n).join(' '));
      expect(leaf, use).toBeDefined();
      const options = Object.keys(leaf?.options ?? {});
      for (const [, flag] of use.matchAll(/--([a-z][a-z-]*)/g))
        expect(
          options.includes(flag ?? '') || options.includes((flag ?? '').replace(/^no-/, '')),
          `${use}: --${flag}`,
        ).toBe(true);
    }
  });

  it('suggests the flag or command meant', async () => {
    const batch = LEAVES.find((l) => l.path.join(' ') === 'batch verify') ?? expect.unreachable();
    expectOneLine(
      await egwInProcess([...argv(batch), '--concurency', '2']),
      'batch verify',
      /unknown option --concurency \(did you mean --concurrency\?\)/,
    );
    expectOneLine(await egwInProcess(['strat']), '', /unknown command "strat" \(did you mean start\?\)/);
    expect(suggest('--bogus', ['--port', '--host'])).toBeUndefined();
  });

  it('refuses settings that would silently approve everyone, and ports out of range', async () => {
    for (const [flag, value] of [
      ['--deadline-ms', '-1'],
      ['--deadline-ms', '0'],
      ['--port', 'abc'],
      ['--port', '70000'],
      ['--quota', 'hrss=0'],
      ['--quota', 'nobody=5'],
    ] as const) {
      const result = await egwInProcess(['start', flag, value, '--data', data]);
      expectOneLine(result, 'start', new RegExp(`^egw start: ${flag}: `));
      expect(result.code).toBe(2);
    }
  });

  it('egw token: refuses a --data folder that is not a gateway’s, and unknown scopes with the list', async () => {
    const typo = join(dir, 'dta');
    expectOneLine(
      await egwInProcess(['token', '--scope', 'verifications:write', '--data', typo]),
      'token',
      new RegExp(`--data: ${typo}: no such directory`),
    );
    expect(existsSync(typo)).toBe(false);
    mkdirSync(typo);
    expectOneLine(
      await egwInProcess(['token', '--scope', 'verifications:write', '--data', typo]),
      'token',
      /is not a gateway data folder/,
    );
    expect(existsSync(join(typo, 'keys'))).toBe(false);
    expectOneLine(
      await egwInProcess(['token', '--scope', 'verifications:write verification:read', '--data', data]),
      'token',
      /unknown scope "verification:read"; the scopes are verifications:write, verifications:read, audit:read, subjects:read, connectors:admin, connectors:register/,
    );
  });

  it('a non-JSON file is one line naming the file and the line', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "a": 1,\n  oops\n}\n');
    expectOneLine(
      await egwInProcess(['audit', 'verify', bad, '--gateway', 'http://127.0.0.1:1']),
      'audit verify',
      /RECEIPT: .*bad\.json: not valid JSON \(line 3\)/,
    );
  });

  it('a dead --gateway is one line', async () => {
    const port = await freePort();
    const result = await egwInProcess([
      'connectors',
      'status',
      '--gateway',
      `http://127.0.0.1:${port}`,
      '--token',
      't',
    ]);
    expectOneLine(
      result,
      'connectors status',
      new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}: connection refused`),
    );
  });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node --import tsx src/cli/main.ts …`, killed after `killAfterMs` if it keeps running. */
function egwProcess(args: readonly string[], options: { killAfter?: RegExp } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
      // tsx resolves from the package; the paths given are absolute.
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (options.killAfter?.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('egw as a process', () => {
  let blocker: Server | undefined;
  afterAll(() => blocker?.close());

  it('a bad number and a port already in use are one line, exit non-zero, no stack', async () => {
    const bad = await egwProcess(['start', '--port', 'abc', '--data', join(dir, 'p1')]);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toBe('egw start: --port: expected a whole number from 0 to 65535, got "abc"\n');

    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(port, '127.0.0.1', resolve));
    const busy = await egwProcess(['start', '--port', String(port), '--data', join(dir, 'p2'), '--quiet']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe(
      `egw start: port ${port} on 127.0.0.1 is already in use: stop the other process or choose another --port\n`,
    );
  });

  it('egw sandbox --data DIR creates DIR (it crashed when DIR did not exist)', async () => {
    const fresh = join(dir, 'new', 'nested');
    const run = await egwProcess(['sandbox', '--data', fresh], { killAfter: /use it with/ });
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toContain(join(fresh, 'sandbox-registries.json'));
    expect(existsSync(join(fresh, 'sandbox-registries.json'))).toBe(true);
    expect(run.code).toBe(0);
  });

  it('--help prints no colour codes when stdout is not a terminal', async () => {
    const help = await egwProcess(['batch', 'verify', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--concurrency');
    expect(help.stdout).not.toContain('\u001b[');
  });
});
