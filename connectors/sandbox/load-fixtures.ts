/**
 * Reads a sandbox fixture file and checks it against the `Fixtures` schema, with errors
 * that say where the file is wrong (paths and reasons, never the values: even synthetic
 * identity numbers stay out of messages, so real ones never slip in by habit).
 */
import { readFile } from 'node:fs/promises';
import { type Fixtures, Fixtures as FixturesSchema } from '../../schemas/registry-records.ts';

/** A fixture file that cannot be used, with every problem found (up to a limit). */
export class FixturesError extends Error {
  override readonly name = 'FixturesError';
  readonly code = 'ERR_FIXTURES';
  readonly issues: readonly { readonly path: string; readonly message: string }[];

  constructor(message: string, issues: readonly { path: string; message: string }[] = []) {
    super(
      issues.length === 0
        ? message
        : `${message}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
    );
    this.issues = issues;
  }
}

const MAX_ISSUES = 20;

/**
 * Validates already-parsed JSON as fixtures: the schema, plus each person listed once.
 * @example const fixtures = parseFixtures(JSON.parse(text), 'fixtures.json');
 */
export function parseFixtures(json: unknown, origin = 'fixtures'): Fixtures {
  const parsed = FixturesSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, MAX_ISSUES)
      .map((i) => ({ path: formatPath(i.path), message: i.message }));
    const more = parsed.error.issues.length - issues.length;
    throw new FixturesError(
      `${origin} does not match the fixture schema${more > 0 ? ` (${more} more problems not shown)` : ''}`,
      issues,
    );
  }
  const seen = new Set<string>();
  const duplicates: { path: string; message: string }[] = [];
  parsed.data.persons.forEach((p, i) => {
    if (seen.has(p.idNumber) && duplicates.length < MAX_ISSUES) {
      duplicates.push({ path: `persons[${i}].idNumber`, message: 'the same person is listed twice' });
    }
    seen.add(p.idNumber);
  });
  if (duplicates.length > 0) throw new FixturesError(`${origin} lists a person more than once`, duplicates);
  return parsed.data;
}

/**
 * Reads and validates a fixture file.
 * @example const fixtures = await loadFixtures('tests/fixtures/sandbox-basic.json');
 */
export async function loadFixtures(path: string): Promise<Fixtures> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new FixturesError(
      `cannot read fixture file ${path} (${typeof code === 'string' ? code : 'unknown error'})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // Node's message quotes the text around the error; only the position is kept.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw new FixturesError(
      `${path} is not valid JSON${position === undefined ? '' : ` (at character ${position})`}`,
    );
  }
  return parseFixtures(json, path);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path)
    out += typeof key === 'number' ? `[${key}]` : `${out === '' ? '' : '.'}${String(key)}`;
  return out || '(root)';
}
