import { z } from 'zod';
import { idNumberProblem } from './id-number.ts';

export const SOURCES = ['civil_affairs', 'hrss', 'disability'] as const;
export const Source = z
  .enum(SOURCES)
  .meta({ description: 'A registry: 民政 civil affairs, 人社 HRSS, 残联 disability federation.' });
export type Source = z.infer<typeof Source>;

/**
 * The evidence kind of a partner registry registered through `/v1/connectors` (e.g.
 * `housing_fund`): lower snake case, and never one of the built-in sources.
 */
export const PartnerKind = z
  .string()
  .regex(/^[a-z][a-z0-9_]{2,39}$/, 'must be a lower-case kind code such as housing_fund')
  .refine((kind) => !(SOURCES as readonly string[]).includes(kind), {
    message: 'a built-in source is not a partner kind',
  })
  .meta({ description: 'A partner registry kind, e.g. housing_fund (住房公积金).' });
export type PartnerKind = z.infer<typeof PartnerKind>;

/** What a piece of evidence is about: a built-in source or a partner registry kind. */
export const EvidenceKind = z.union([Source, PartnerKind]);
export type EvidenceKind = z.infer<typeof EvidenceKind>;

/** YYYY-MM-DD, a real calendar date. */
export const IsoDate = z.iso.date();
/** RFC 3339 with offset. */
export const DateTime = z.iso.datetime({ offset: true });

/** CNY, decimal, at most two places. */
export const Money = z
  .number()
  .nonnegative()
  .max(100_000_000)
  .refine((v) => Math.round(v * 100) === Number((v * 100).toFixed(6)), {
    message: 'at most two decimal places',
  })
  .meta({ description: 'Yuan (CNY), at most two decimal places.' });

export const IdNumber = z
  .string()
  .regex(/^\d{17}[\dXx]$/, 'must be 17 digits followed by a digit or X')
  // A lowercase x is the same number: normalised before the check character is compared.
  .toUpperCase()
  .superRefine((value, ctx) => {
    const problem = idNumberProblem(value);
    if (problem === 'birth_date')
      ctx.addIssue({ code: 'custom', message: 'the birth date it encodes is not a valid date' });
    else if (problem === 'check_digit')
      ctx.addIssue({ code: 'custom', message: 'the check character (GB 11643) does not match' });
  })
  // `format` names the rule a pattern cannot say (a real date, the check character), so API
  // fuzzers and client generators can be taught to produce valid numbers.
  .meta({ description: '18-character PRC resident identity number (GB 11643).', format: 'gb11643' });

/**
 * Characters no free text of a request may hold: C0 and C1 controls (a line break or an
 * escape in a name or a consent reference forges log lines and registry queries), and the
 * Unicode bidirectional overrides and isolates (they make a clerk read text in another order).
 */
export const CONTROL_CHARACTERS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** Text an intake system types: trimmed, and never a control character. */
export const FreeText = z
  .string()
  .trim()
  .refine((v) => !CONTROL_CHARACTERS.test(v), 'must not contain control characters');

export const PersonName = FreeText.min(1).max(64);

export const RegionCode = z.string().regex(/^\d{6}$/, 'must be a six-digit administrative division code');
