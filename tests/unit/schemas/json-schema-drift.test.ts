import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdNumber } from '../../../schemas/common.ts';
import { JSON_DIR, jsonSchemaText, WIRE_SCHEMAS } from '../../../schemas/generate.ts';
import { checkCharacter, makeIdNumber } from '../../../schemas/id-number.ts';

describe('committed JSON Schemas', () => {
  for (const name of Object.keys(WIRE_SCHEMAS) as (keyof typeof WIRE_SCHEMAS)[]) {
    it(`${name}.schema.json matches its zod source (run npm run schemas:generate)`, () => {
      const committed = readFileSync(join(JSON_DIR, `${name}.schema.json`), 'utf8');
      expect(committed).toBe(jsonSchemaText(name));
    });
  }
});

describe('identity numbers (GB 11643)', () => {
  it('computes the published check character of the standard example', () => {
    // GB 11643-1999 appendix example: 11010519491231002X.
    expect(checkCharacter('11010519491231002')).toBe('X');
    expect(IdNumber.safeParse('11010519491231002X').success).toBe(true);
  });
  it('rejects a wrong check character, an impossible birth date and a bad shape', () => {
    const valid = makeIdNumber('320102', '1985-02-28', 17);
    const wrong = valid.slice(0, 17) + (valid.endsWith('0') ? '1' : '0');
    expect(IdNumber.safeParse(valid).success).toBe(true);
    expect(IdNumber.safeParse(wrong).success).toBe(false);
    expect(
      IdNumber.safeParse(makeIdNumber('320102', '1985-02-28', 17).replace('19850228', '19850230')).success,
    ).toBe(false);
    expect(IdNumber.safeParse('32010219850228017').success).toBe(false);
  });
});
