import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixturesError, loadFixtures, parseFixtures } from '../../../connectors/sandbox/load-fixtures.ts';
import { makeIdNumber } from '../../../schemas/id-number.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'egw-fixtures-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(path: string): Promise<FixturesError> {
  try {
    await loadFixtures(path);
  } catch (error) {
    if (error instanceof FixturesError) return error;
    throw error;
  }
  throw new Error('expected loadFixtures to fail');
}

describe('loadFixtures', () => {
  it('loads the basic fixture', async () => {
    const fixtures = await loadFixtures(fixture('sandbox-basic.json'));
    expect(fixtures.persons).toHaveLength(6);
    expect(fixtures.civilAffairs).toHaveLength(5);
    expect(fixtures.hrss).toHaveLength(5);
    expect(fixtures.disability).toHaveLength(2);
    expect(fixtures.faults).toEqual([
      { source: 'civil_affairs', idNumber: makeIdNumber('320104', '1988-01-20', 71), mode: 'error' },
    ]);
  });

  it('lists every schema problem by path, without quoting the values', async () => {
    const error = await failure(fixture('sandbox-invalid.json'));
    expect(error.code).toBe('ERR_FIXTURES');
    expect(error.issues.map((i) => i.path)).toEqual([
      'persons[0].idNumber',
      'persons[1].idNumber',
      'persons[1].name',
      'persons[1].district',
      'hrss[0].employment',
      'faults[0].mode',
    ]);
    expect(error.issues[0]?.message).toBe('the check character (GB 11643) does not match');
    expect(error.issues[1]?.message).toBe('the birth date it encodes is not a valid date');
    expect(error.message).toMatch(
      /sandbox-invalid\.json does not match the fixture schema:\n {2}persons\[0\]\.idNumber: /,
    );
    expect(error.message).not.toContain('32010219800');
  });

  it('says when the file is missing or is not JSON', async () => {
    const missing = join(dir, 'absent.json');
    expect((await failure(missing)).message).toBe(`cannot read fixture file ${missing} (ENOENT)`);
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"persons": [ {"idNumber": "320102198005171239",');
    expect((await failure(broken)).message).toMatch(
      new RegExp(`^${broken.replaceAll('.', '\\.')} is not valid JSON`),
    );
    expect((await failure(broken)).message).not.toContain('320102198005171239');
  });

  it('refuses a person listed twice', () => {
    const person = { idNumber: '320102198005171239', name: '王建国', district: '320102' };
    expect(() => parseFixtures({ persons: [person, person] }, 'dup.json')).toThrow(
      'dup.json lists a person more than once:\n  persons[1].idNumber: the same person is listed twice',
    );
  });

  it('fills absent registries with empty lists', () => {
    expect(parseFixtures({ persons: [] })).toEqual({
      persons: [],
      civilAffairs: [],
      hrss: [],
      disability: [],
      faults: [],
    });
  });
});
