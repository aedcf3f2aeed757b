/**
 * Typed options for `egw` commands. Each builder says how the flag is written (for citty's
 * parser and `--help`), what kind of value it takes (so the CLI test can feed every file
 * option a missing file and every number option a bad number), and how its raw text becomes
 * a checked value. Every value, defaults included, goes through its parser at start: a
 * setting out of range is refused before anything runs.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ArgDef } from 'citty';
import type { z } from 'zod';
import { UsageError } from './cli-errors.ts';

export type OptionKind =
  | 'text'
  | 'flag'
  | 'number'
  | 'file'
  | 'new-file'
  | 'directory'
  | 'url'
  | 'choice'
  | 'file-or-url';

export interface EgwOption<T> {
  readonly kind: OptionKind;
  /** citty's definition: how it is parsed and shown in `--help`. */
  readonly def: ArgDef;
  /** Raw value (undefined when absent and without default) to checked value; throws UsageError. */
  parse(raw: string | boolean | undefined, flag: string): T;
  /** Side effects once every option parsed (e.g. creating a data folder). */
  prepare?(value: T): void;
}

interface Common {
  readonly description: string;
  /** Given without a flag name (`egw audit verify FILE`). */
  readonly positional?: boolean;
  readonly required?: boolean;
  readonly alias?: string;
}

/** `T` when the option has a default or is required, else `T | undefined`. */
type Out<D, T> = D extends { readonly default: unknown } | { readonly required: true } ? T : T | undefined;

function argDef(d: Common, type: 'string' | 'boolean', fallback?: string | boolean): ArgDef {
  const description = d.required ? `${d.description} (required)` : d.description;
  const alias = d.alias === undefined ? {} : { alias: d.alias };
  if (type === 'boolean')
    return {
      type: 'boolean',
      description,
      ...alias,
      ...(typeof fallback === 'boolean' ? { default: fallback } : {}),
    };
  // `required` stays with us, not citty: a missing value is one line, like every other mistake.
  if (d.positional) return { type: 'positional', description, required: false };
  return {
    type: 'string',
    description,
    ...alias,
    ...(typeof fallback === 'string' ? { default: fallback } : {}),
  };
}

function present(
  raw: string | boolean | undefined,
  flag: string,
  required: boolean | undefined,
): string | undefined {
  if (raw === undefined || raw === false) {
    if (required) throw new UsageError(`${flag} is required`);
    return undefined;
  }
  if (raw === true || raw === '') throw new UsageError(`${flag}: a value is required`);
  return raw;
}

/** Free text, optionally checked by a pattern. */
export function text<
  const D extends Common & { readonly default?: string; readonly pattern?: RegExp; readonly hint?: string },
>(d: D): EgwOption<Out<D, string>> {
  return {
    kind: 'text',
    def: argDef(d, 'string', d.default),
    parse(raw, flag) {
      const value = present(raw, flag, d.required);
      if (value !== undefined && d.pattern && !d.pattern.test(value))
        throw new UsageError(
          `${flag}: expected ${d.hint ?? `text matching ${d.pattern.source}`}, got "${value}"`,
        );
      return value as Out<D, string>;
    },
  };
}

/** A boolean switch; `--no-NAME` turns a default-on switch off. */
export function flag(d: { readonly description: string; readonly default?: boolean }): EgwOption<boolean> {
  return {
    kind: 'flag',
    def: argDef(d, 'boolean', d.default),
    parse: (raw) => raw === true || raw === 'true',
  };
}

/** A number in [min, max]; whole unless `fraction`. */
export function numberOption<
  const D extends Common & {
    readonly default?: number;
    readonly min: number;
    readonly max: number;
    readonly unit?: string;
    readonly fraction?: boolean;
  },
>(d: D): EgwOption<Out<D, number>> {
  const unit = d.unit ? ` ${d.unit}` : '';
  const whole = d.fraction ? 'a number' : 'a whole number';
  return {
    kind: 'number',
    def: argDef(d, 'string', d.default === undefined ? undefined : String(d.default)),
    parse(raw, flag) {
      const value = present(raw, flag, d.required);
      if (value === undefined) return undefined as Out<D, number>;
      const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value.trim()) ? Number(value) : Number.NaN;
      if (!Number.isFinite(n) || (!d.fraction && !Number.isInteger(n)) || n < d.min || n > d.max)
        throw new UsageError(`${flag}: expected ${whole} from ${d.min} to ${d.max}${unit}, got "${value}"`);
      return n as Out<D, number>;
    },
  };
}

/** A TCP port, 0 … 65535 (0: any free port). */
export function portOption(d: {
  readonly description?: string;
  readonly default: number;
}): EgwOption<number> {
  return numberOption({
    description: d.description ?? 'Port to listen on (0 = any free port)',
    default: d.default,
    min: 0,
    max: 65_535,
  });
}

/** A file that must exist (checked at start); the value is its absolute path. */
export function existingFile<const D extends Common & { readonly default?: string }>(
  d: D,
): EgwOption<Out<D, string>> {
  return {
    kind: 'file',
    def: argDef(d, 'string', d.default),
    parse(raw, flag) {
      const value = present(raw, flag, d.required);
      if (value === undefined) return undefined as Out<D, string>;
      return checkFile(value, flag) as Out<D, string>;
    },
  };
}

function checkFile(path: string, flag: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new UsageError(`${flag}: ${path}: no such file`);
  if (!statSync(absolute).isFile()) throw new UsageError(`${flag}: ${path}: not a file`);
  return absolute;
}

/** A JSON file that must exist and parse (and match `schema` if given): `{ path, value }`. */
export function jsonFile<const D extends Common, S extends z.ZodType = z.ZodType<unknown>>(
  d: D & { readonly schema?: S },
): EgwOption<Out<D, { readonly path: string; readonly value: z.output<S> }>> {
  return {
    kind: 'file',
    def: argDef(d, 'string'),
    parse(raw, flag) {
      const given = present(raw, flag, d.required);
      if (given === undefined) return undefined as Out<D, { path: string; value: z.output<S> }>;
      const path = checkFile(given, flag);
      const value = parseJsonText(readFileSync(path, 'utf8'), `${flag}: ${given}`);
      if (!d.schema) return { path, value } as Out<D, { path: string; value: z.output<S> }>;
      const parsed = d.schema.safeParse(value);
      if (!parsed.success) {
        const where = parsed.error.issues
          .slice(0, 3)
          .map((i) => `/${i.path.map(String).join('/')}: ${i.message}`)
          .join('; ');
        const more = parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : '';
        throw new UsageError(`${flag}: ${given}: ${where}${more}`);
      }
      return { path, value: parsed.data } as Out<D, { path: string; value: z.output<S> }>;
    },
  };
}

/** JSON.parse with a one-line error naming where and the line. */
export function parseJsonText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message)?.[1];
    const line =
      position === undefined ? '' : ` (line ${text.slice(0, Number(position)).split('\n').length})`;
    throw new UsageError(`${where}: not valid JSON${line}`);
  }
}

/** A file the command writes: its folder must exist. The value is its absolute path. */
export function newFile<const D extends Common & { readonly default?: string }>(
  d: D,
): EgwOption<Out<D, string>> {
  return {
    kind: 'new-file',
    def: argDef(d, 'string', d.default),
    parse(raw, flag) {
      const value = present(raw, flag, d.required);
      if (value === undefined) return undefined as Out<D, string>;
      const absolute = resolve(value);
      const folder = resolve(absolute, '..');
      if (!existsSync(folder) || !statSync(folder).isDirectory())
        throw new UsageError(`${flag}: ${value}: the folder ${folder} does not exist`);
      if (existsSync(absolute) && statSync(absolute).isDirectory())
        throw new UsageError(`${flag}: ${value}: is a directory, not a file`);
      return absolute as Out<D, string>;
    },
  };
}

/**
 * A folder; the value is its absolute path. `create`: made (with parents, mode 0700) when
 * missing; `mustExist`: refused when missing, naming it (never silently a fresh one).
 */
export function directory<
  const D extends Common & {
    readonly default?: string;
    readonly create?: boolean;
    readonly mustExist?: boolean;
  },
>(d: D): EgwOption<Out<D, string>> {
  return {
    kind: 'directory',
    def: argDef(d, 'string', d.default),
    parse(raw, flag) {
      const value = present(raw, flag, d.required);
      if (value === undefined) return undefined as Out<D, string>;
      const absolute = resolve(value);
      if (existsSync(absolute)) {
        if (!statSync(absolute).isDirectory()) throw new UsageError(`${flag}: ${value}: not a directory`);
      } else if (d.mustExist) {
        throw new UsageError(`${flag}: ${absolute}: no such directory`);
      } else if (!d.create) {
        throw new UsageError(`${flag}: ${absolute}: no such directory`);
      }
      return absolute as Out<D, string>;
    },
    prepare(value) {
      if (d.create && typeof value === 'string') mkdirSync(value, { recursive: true, mode: 0o700 });
    },
  };
}

/**
 * The data folder option most commands share. `mustExist`: it must already be a gateway's
 * data folder (with `keys/`), so a typo never silently makes fresh keys somewhere else.
 */
export function dataOption(mode: {
  readonly create?: boolean;
  readonly mustExist?: boolean;
}): EgwOption<string> {
  const folder = directory({
    description: mode.mustExist
      ? 'Data directory of the gateway (keys, SQLite file); must exist'
      : 'Data directory (SQLite file, keys, development issuer); created when missing',
    default: './data',
    ...mode,
  });
  return {
    ...folder,
    parse(raw, flag) {
      const dir = folder.parse(raw, flag);
      if (mode.mustExist && !existsSync(join(dir, 'keys')))
        throw new UsageError(
          `${flag}: ${dir} is not a gateway data folder (no keys/ in it); give the --data the gateway was started with`,
        );
      return dir;
    },
  };
}

/** An http(s) URL; trailing slashes removed. */
export function urlOption<const D extends Common & { readonly default?: string }>(
  d: D,
): EgwOption<Out<D, string>> {
  return {
    kind: 'url',
    def: argDef(d, 'string', d.default),
    parse(raw, flag) {
      const value = present(raw, flag, d.required);
      if (value === undefined) return undefined as Out<D, string>;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new UsageError(`${flag}: expected a URL such as http://127.0.0.1:8080, got "${value}"`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new UsageError(`${flag}: expected an http:// or https:// URL, got "${value}"`);
      return value.replace(/\/+$/, '') as Out<D, string>;
    },
  };
}

/** A file (which must exist) or an http(s) URL. */
export function fileOrUrl<const D extends Common>(d: D): EgwOption<Out<D, string>> {
  return {
    kind: 'file-or-url',
    def: argDef(d, 'string'),
    parse(raw, flag) {
      const value = present(raw, flag, d.required);
      if (value === undefined || /^https?:\/\//.test(value)) return value as Out<D, string>;
      return checkFile(value, flag) as Out<D, string>;
    },
  };
}

/** One of a fixed list of values. */
export function choice<
  const O extends readonly string[],
  const D extends Common & { readonly default?: O[number] },
>(d: D & { readonly options: O }): EgwOption<Out<D, O[number]>> {
  return {
    kind: 'choice',
    def: argDef({ ...d, description: `${d.description} (${d.options.join(' | ')})` }, 'string', d.default),
    parse(raw, flag) {
      const value = present(raw, flag, d.required);
      if (value !== undefined && !d.options.includes(value))
        throw new UsageError(`${flag}: expected one of ${d.options.join(', ')}, got "${value}"`);
      return value as Out<D, O[number]>;
    },
  };
}

/**
 * Text turned into a value by `convert`, which throws UsageError for the flag. `kind` says
 * what the text names (`file` for a file that must exist: the CLI test then feeds it a
 * missing file and expects "no such file" in the line).
 */
export function converted<
  T,
  const D extends Common & { readonly default?: string; readonly kind?: OptionKind },
>(d: D, convert: (value: string, flag: string) => T): EgwOption<Out<D, T>> {
  return {
    kind: d.kind ?? 'text',
    def: argDef(d, 'string', d.default),
    parse(raw, flag) {
      const value = present(raw, flag, d.required);
      if (value !== undefined && d.kind === 'file') checkFile(value, flag);
      return (value === undefined ? undefined : convert(value, flag)) as Out<D, T>;
    },
  };
}
