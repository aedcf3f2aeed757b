/**
 * The one mechanism every `egw` command goes through. `defineEgwCommand` declares a command's
 * options with typed parsers (src/cli/options.ts) and returns a citty command that, before
 * running: refuses unknown flags with a suggestion ("did you mean --concurrency?") and extra
 * arguments, and parses every value (defaults included), refusing one out of range. Whatever
 * the command throws becomes one line on stderr and a non-zero exit (src/cli/cli-errors.ts).
 * `runEgw` walks the command tree: unknown commands get a suggestion too, and `--help` prints
 * usage without colour codes unless stdout is a terminal.
 */
import { type ArgsDef, type CommandDef, renderUsage, runCommand } from 'citty';
import { reportError, UsageError } from './cli-errors.ts';
import type { EgwOption } from './options.ts';

type Options = Readonly<Record<string, EgwOption<unknown>>>;

/** The checked values a command's `run` receives, typed by its options. */
export type OptionValues<O extends Options> = {
  readonly [K in keyof O]: O[K] extends EgwOption<infer T> ? T : never;
};

export interface EgwCommandSpec<O extends Options> {
  readonly name: string;
  readonly description: string;
  readonly options: O;
  /** Returns an exit code, or nothing for 0. Throw UsageError / CommandError for expected failures. */
  run(values: OptionValues<O>): Promise<number | undefined> | number | undefined;
}

const SPECS = new WeakMap<object, EgwCommandSpec<Options>>();

/** The spec behind a command made by `defineEgwCommand` (for tests that walk every command). */
export function egwSpecOf(command: CommandDef): EgwCommandSpec<Options> | undefined {
  return SPECS.get(command);
}

/** The data citty passes down: the command's full name for messages. */
interface RunData {
  readonly path?: string;
}

/**
 * @example
 * export const rotate = defineEgwCommand({
 *   name: 'rotate',
 *   description: 'Make a new decision signing key current',
 *   options: { data: dataOption({ mustExist: true }), 'deadline-ms': numberOption({ description: 'ms', default: 800, min: 50, max: 60_000 }) },
 *   async run({ data }) { … },
 * });
 */
export function defineEgwCommand<const O extends Options>(spec: EgwCommandSpec<O>): CommandDef {
  const args: ArgsDef = Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, o.def]));
  const command: CommandDef = {
    meta: { name: spec.name, description: spec.description },
    args,
    async run(context) {
      const data = (context.data ?? {}) as RunData;
      const path = data.path ?? `egw ${spec.name}`;
      try {
        checkArguments(spec.options, context.rawArgs);
        // Every value is checked before any is used; all mistakes are named at once, in one line.
        const values: Record<string, unknown> = {};
        const mistakes: string[] = [];
        for (const [name, option] of Object.entries(spec.options)) {
          const raw = context.args[name];
          try {
            values[name] = option.parse(
              typeof raw === 'string' || typeof raw === 'boolean' ? raw : undefined,
              displayName(name, option),
            );
          } catch (error) {
            if (!(error instanceof UsageError)) throw error;
            mistakes.push(error.message);
          }
        }
        if (mistakes.length > 0) throw new UsageError(mistakes.join('; '));
        for (const [name, option] of Object.entries(spec.options)) option.prepare?.(values[name]);
        const code = await spec.run(values as OptionValues<O>);
        if (code) process.exitCode = code;
      } catch (error) {
        process.exitCode = reportError(path, error);
      }
    },
  };
  SPECS.set(command, spec as unknown as EgwCommandSpec<Options>);
  return command;
}

/** A command made only of subcommands (`egw audit`). */
export function defineEgwGroup(
  name: string,
  description: string,
  subCommands: Readonly<Record<string, CommandDef>>,
): CommandDef {
  return { meta: { name, description }, subCommands: { ...subCommands } };
}

function displayName(name: string, option: EgwOption<unknown>): string {
  return option.def.type === 'positional' ? name.toUpperCase() : `--${name}`;
}

/** Refuses unknown flags (with a suggestion) and arguments beyond the positionals declared. */
function checkArguments(options: Options, rawArgs: readonly string[]): void {
  const entries = Object.entries(options);
  const known = new Map<string, EgwOption<unknown>>();
  for (const [name, option] of entries) {
    known.set(name, option);
    known.set(camel(name), option);
    const alias = 'alias' in option.def ? option.def.alias : undefined;
    for (const a of typeof alias === 'string' ? [alias] : (alias ?? [])) known.set(a, option);
  }
  const flags = entries.filter(([, o]) => o.def.type !== 'positional').map(([name]) => `--${name}`);
  const positionals = entries.filter(([, o]) => o.def.type === 'positional').length;
  let seen = 0;
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] ?? '';
    if (arg === '--') {
      seen += rawArgs.length - i - 1;
      break;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const name = arg.replace(/^--?/, '').split('=')[0] ?? '';
      const option = known.get(name);
      const negated = name.startsWith('no-') ? known.get(name.slice(3)) : undefined;
      if (negated?.kind === 'flag') continue;
      if (!option || option.def.type === 'positional') {
        const hint = suggest(`--${name}`, flags);
        throw new UsageError(`unknown option ${arg.split('=')[0]}${hint ? ` (did you mean ${hint}?)` : ''}`);
      }
      if (option.kind !== 'flag' && !arg.includes('=')) i++;
      continue;
    }
    seen++;
    if (seen > positionals)
      throw new UsageError(
        positionals === 0
          ? `unexpected argument "${arg}"`
          : `unexpected argument "${arg}" (at most ${positionals})`,
      );
  }
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The closest candidate within an edit distance of a third of its length, if any. */
export function suggest(given: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(given, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

async function usage(command: CommandDef, parent: CommandDef | undefined): Promise<string> {
  const text = await renderUsage(command, parent);
  return process.stdout.isTTY && !process.env.NO_COLOR ? text : text.replace(ANSI, '');
}

function subCommandsOf(command: CommandDef): Readonly<Record<string, CommandDef>> | undefined {
  const subs = command.subCommands;
  return subs && typeof subs === 'object' && !('then' in subs)
    ? (subs as Readonly<Record<string, CommandDef>>)
    : undefined;
}

function metaOf(command: CommandDef): { name?: string; version?: string } {
  const meta = command.meta;
  return meta && typeof meta === 'object' && !('then' in meta) ? meta : {};
}

let running = 'egw';

/** The full name of the command running (`egw start`), for failures reported outside it. */
export function runningCommand(): string {
  return running;
}

/**
 * Runs `egw` (or any command tree) on `argv`; returns the exit code. Commands that keep
 * running (a server) return 0 once started.
 * @example
 * process.exitCode = await runEgw(egw, process.argv.slice(2));
 */
export async function runEgw(root: CommandDef, argv: readonly string[]): Promise<number> {
  let command = root;
  let parent: CommandDef | undefined;
  const path = [metaOf(root).name ?? 'egw'];
  let rest = [...argv];
  try {
    for (let subs = subCommandsOf(command); subs; subs = subCommandsOf(command)) {
      const index = rest.findIndex((a) => !a.startsWith('-'));
      const before = index === -1 ? rest : rest.slice(0, index);
      if (before.includes('--help') || before.includes('-h') || rest.length === 0) {
        process.stdout.write(`${await usage(command, parent)}\n`);
        return rest.length === 0 && command !== root ? 2 : 0;
      }
      if (command === root && before.length === 1 && ['--version', '-v'].includes(before[0] ?? '')) {
        process.stdout.write(`${metaOf(root).version ?? ''}\n`);
        return 0;
      }
      const stray = before[0];
      if (stray !== undefined) throw new UsageError(`unknown option ${stray} (give a command first)`);
      const name = rest[index] ?? '';
      const next = subs[name];
      if (!next) {
        const hint = suggest(name, Object.keys(subs));
        throw new UsageError(
          `unknown command "${name}"${hint ? ` (did you mean ${hint}?)` : ''}; commands: ${Object.keys(subs).join(', ')}`,
        );
      }
      parent = command;
      command = next;
      path.push(name);
      rest = rest.slice(index + 1);
    }
    const dashDash = rest.indexOf('--');
    const flags = dashDash === -1 ? rest : rest.slice(0, dashDash);
    if (flags.includes('--help') || flags.includes('-h')) {
      // citty names only the parent: give it the whole path (`egw audit verify`).
      const named: CommandDef = {
        meta: { name: path.slice(0, -1).join(' '), version: metaOf(root).version },
      };
      process.stdout.write(`${await usage(command, parent ? named : undefined)}\n`);
      return 0;
    }
    process.exitCode = undefined;
    running = path.join(' ');
    const data: RunData = { path: running };
    await runCommand(command, { rawArgs: rest, data });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    return reportError(path.join(' '), error);
  }
}
