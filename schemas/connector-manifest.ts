/**
 * The connector manifest: everything the gateway needs to query a partner registry with no
 * code of its own — who the agency is, what kind of evidence the registry holds, where and
 * how to call it, how its answer maps to facts, and the test subjects that prove the mapping.
 * Declarative only: templates substitute a fixed set of placeholders, mappings are paths and
 * value tables; nothing in a manifest is ever executed.
 */
import { z } from 'zod';
import { IdNumber, PartnerKind, RegionCode, Source } from './common.ts';
import { CivilAffairsRecord, DisabilityRecord, HrssRecord } from './registry-records.ts';

/** Largest manifest accepted, in bytes of its JSON text. */
export const MANIFEST_MAX_BYTES = 32 * 1024;

/** The placeholders a request template may use, and nothing else. */
export const TEMPLATE_PLACEHOLDERS = [
  'subject',
  'subjects',
  'purpose',
  'consentReference',
  'requestId',
] as const;
const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

const Slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'must be 3–63 lower-case letters, digits or hyphens');
const Code = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'must be a lower-case code such as housing_fund');
const FactName = z.string().regex(/^[a-z][A-Za-z0-9]{0,39}$/, 'must be a camelCase fact name');
const Text = (max: number) => z.string().trim().min(1).max(max);
/** A JSON Pointer (RFC 6901); for SOAP/XML answers each segment is an element's local name, `@name` an attribute. */
const Pointer = z
  .string()
  .max(256)
  .regex(/^(\/[^/]*)*$/, 'must be a JSON Pointer such as /data/items (empty for the whole answer)');
const TemplateText = z.string().max(512);
const Scalar = z.union([z.string().max(256), z.number(), z.boolean()]);

/** A JSON request body template: JSON up to four levels deep, whose strings may hold placeholders. */
type JsonTemplate = string | number | boolean | null | JsonTemplate[] | { [key: string]: JsonTemplate };
const TemplateScalar = z.union([TemplateText, z.number(), z.boolean(), z.null()]);
// Depth-bounded rather than recursive: a bound on nesting, and a schema every generator can write.
const nest = (inner: z.ZodType<JsonTemplate>): z.ZodType<JsonTemplate> =>
  z.union([TemplateScalar, z.array(inner).max(32), z.record(z.string().max(64), inner)]);
const JsonTemplate: z.ZodType<JsonTemplate> = nest(nest(nest(nest(TemplateScalar))));

export const FACT_TYPES = ['string', 'number', 'integer', 'boolean', 'date'] as const;
export type FactType = (typeof FACT_TYPES)[number];

/** One fact of a new evidence kind. */
export const FactDefinition = z.strictObject({
  type: z.enum(FACT_TYPES),
  /** For strings: the only values allowed. */
  values: z.array(z.string().min(1).max(64)).min(1).max(64).optional(),
  optional: z.boolean().optional(),
  description: Text(200).optional(),
});
export type FactDefinition = z.infer<typeof FactDefinition>;

/** Where one fact is in a registry answer, and how its raw value is read. */
export const FactMapping = z.strictObject({
  path: Pointer,
  /** Raw value (as text) → the value to report, e.g. { "01": "active" }. Unlisted raw values are malformed. */
  values: z.record(z.string().max(64), Scalar).optional(),
  /** Divide a numeric raw value, e.g. 100 for fen → yuan. */
  divideBy: z.number().positive().max(1_000_000).optional(),
});
export type FactMapping = z.infer<typeof FactMapping>;

/** A public signing key of the agency (its responses are JWS-signed under `jwks` authentication). */
const PublicJwk = z.union([
  z.strictObject({
    kty: z.literal('EC'),
    crv: z.literal('P-256'),
    x: z.string().min(43).max(43),
    y: z.string().min(43).max(43),
    kid: Text(128),
    alg: z.literal('ES256').optional(),
    use: z.literal('sig').optional(),
  }),
  z.strictObject({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().min(43).max(43),
    kid: Text(128),
    alg: z.literal('EdDSA').optional(),
    use: z.literal('sig').optional(),
  }),
]);

export const ConnectorAuthentication = z.discriminatedUnion('type', [
  /** The gateway presents its own client certificate (issued by the gateway CA). */
  z.strictObject({ type: z.literal('mtls') }),
  /** The gateway signs each request with an app key the gateway issues at certification. */
  z.strictObject({ type: z.literal('hmac') }),
  /** Mutual TLS, and the agency signs each response (compact JWS) with a key of this set. */
  z.strictObject({
    type: z.literal('jwks'),
    jwks: z.strictObject({ keys: z.array(PublicJwk).min(1).max(8) }),
  }),
]);

const HeaderName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a lower-case header name')
  .refine((h) => !RESERVED_HEADERS.has(h) && !h.startsWith('x-egw-'), {
    message: 'is set by the gateway and may not be templated',
  });
const RESERVED_HEADERS = new Set([
  'host',
  'authorization',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'cookie',
  'soapaction',
]);

export const ConnectorRequest = z.strictObject({
  method: z.enum(['GET', 'POST']),
  /** Appended to the endpoint URL's path. */
  path: z
    .string()
    .max(256)
    .regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be a path such as /api/query'),
  query: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), TemplateText).optional(),
  headers: z.record(HeaderName, TemplateText).optional(),
  /** REST/JSON: the body template; `"{{subjects}}"` as a whole string becomes the list of subjects. */
  body: JsonTemplate.optional(),
  /** SOAP/XML: the envelope template; placeholders are XML-escaped. */
  envelope: z.string().max(8192).optional(),
  soapAction: z.string().max(256).optional(),
  /** Subjects per call when the template sends `{{subjects}}`. */
  batchSize: z.number().int().min(1).max(100).optional(),
  /** An HTTP status that means "no such person" (e.g. 404) rather than an error. */
  notFoundStatus: z.number().int().min(400).max(499).optional(),
});
export type ConnectorRequest = z.infer<typeof ConnectorRequest>;

export const ConformanceCase = z.strictObject({
  name: Code,
  /** A synthetic test subject the agency keeps in its registry for conformance. */
  subject: IdNumber,
  expect: z.enum(['found', 'not_found']),
  facts: z.record(FactName, Scalar).optional(),
});
export type ConformanceCase = z.infer<typeof ConformanceCase>;

const ManifestShape = z.strictObject({
  manifestVersion: z.literal(1),
  /** The connector's id, chosen by the agency, unique on the gateway. */
  id: Slug,
  /** The agency's own version label of this manifest, e.g. 1.2.0. */
  version: z.string().regex(/^\d{1,4}(\.\d{1,4}){0,2}$/, 'must be a version such as 1.0.0'),
  agency: z.strictObject({ id: Slug, name: Text(128), contact: z.email().max(128).optional() }),
  registry: z.strictObject({
    kind: z.union([Source, PartnerKind]),
    name: Text(128),
    /** The fact schema of a new evidence kind; absent for the built-in kinds. */
    facts: z.record(FactName, FactDefinition).optional(),
  }),
  endpoint: z.strictObject({
    url: z
      .url({ protocol: /^https$/, error: 'https required: must be an https:// URL' })
      .max(512)
      .refine((u) => !/@/.test(u.split('/')[2] ?? '') && !u.includes('#'), {
        message: 'must not carry credentials or a fragment',
      }),
    protocol: z.enum(['rest_json', 'soap_xml']),
  }),
  request: ConnectorRequest,
  authentication: ConnectorAuthentication,
  mapping: z.strictObject({
    /** Where the answer's records are: an array (JSON) or repeated elements (XML). */
    records: Pointer,
    /** Within a record: the subject's identity number. */
    subject: Pointer,
    facts: z.record(FactName, FactMapping),
  }),
  dataCategories: z.array(Code).min(1).max(16),
  purposes: z.array(z.literal('legal_aid_eligibility')).min(1).max(1),
  timeoutMs: z.number().int().min(100).max(10_000),
  quota: z.strictObject({ requestsPerMinute: z.number().int().min(1).max(60_000) }),
  regions: z.array(RegionCode).min(1).max(32),
  limits: z
    .strictObject({
      maxResponseBytes: z
        .number()
        .int()
        .min(1024)
        .max(1024 * 1024),
    })
    .optional(),
  conformance: z.strictObject({ cases: z.array(ConformanceCase).min(1).max(20) }),
});

/** The fields of the built-in records a partner connector of a built-in kind maps, with their types. */
export const BUILT_IN_FACT_TYPES: Readonly<Record<Source, Readonly<Record<string, FactType>>>> = {
  civil_affairs: {
    programme: 'string',
    status: 'string',
    since: 'date',
    until: 'date',
    householdSize: 'integer',
    householdMonthlyIncome: 'number',
    reason: 'string',
  },
  hrss: {
    employment: 'string',
    insuredCategory: 'string',
    monthlyContributionBase: 'number',
    monthlyPension: 'number',
    asOf: 'date',
  },
  disability: {
    certificateNo: 'string',
    category: 'string',
    grade: 'integer',
    issuedAt: 'date',
    validUntil: 'date',
    revoked: 'boolean',
  },
};

/** The record schema a built-in kind's mapped records must satisfy. */
export const BUILT_IN_RECORDS = {
  civil_affairs: CivilAffairsRecord,
  hrss: HrssRecord,
  disability: DisabilityRecord,
};

/**
 * The fact schema of a manifest's kind: its own, or the built-in record's fields (the built-in
 * record schema then validates each mapped record as a whole).
 */
export function manifestFactDefinitions(
  manifest: Pick<ConnectorManifest, 'registry'>,
): Readonly<Record<string, FactDefinition>> {
  const kind = manifest.registry.kind;
  if (!isBuiltInKind(kind)) return manifest.registry.facts ?? {};
  const required = BUILT_IN_RECORDS[kind].shape;
  return Object.fromEntries(
    Object.entries(BUILT_IN_FACT_TYPES[kind]).map(([name, type]) => {
      const field = (required as Record<string, z.ZodType>)[name];
      return [name, { type, ...(field?.safeParse(undefined).success ? { optional: true } : {}) }];
    }),
  );
}

/** The facts a manifest's kind has: its own fact schema, or the built-in record's fields. */
export function manifestFactNames(manifest: Pick<ConnectorManifest, 'registry'>): readonly string[] {
  return Object.keys(manifestFactDefinitions(manifest));
}

/** Whether a kind is one of the three built-in sources. */
export function isBuiltInKind(kind: string): kind is Source {
  return kind === 'civil_affairs' || kind === 'hrss' || kind === 'disability';
}

/** The placeholders a template string uses. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

function templateStrings(value: JsonTemplate | undefined, at: (string | number)[], out: TemplateSite[]) {
  if (typeof value === 'string') out.push({ text: value, path: at });
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) templateStrings(v, [...at, i], out);
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) templateStrings(v, [...at, k], out);
}

interface TemplateSite {
  readonly text: string;
  readonly path: (string | number)[];
}

function checkValueType(def: FactDefinition, value: unknown): boolean {
  switch (def.type) {
    case 'string':
      return typeof value === 'string' && (def.values === undefined || def.values.includes(value));
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
  }
}

type Ctx = z.RefinementCtx;
const issue = (ctx: Ctx, path: (string | number)[], message: string) =>
  ctx.addIssue({ code: 'custom', path, message });

function checkFacts(m: z.infer<typeof ManifestShape>, ctx: Ctx): void {
  const builtIn = isBuiltInKind(m.registry.kind);
  if (builtIn && m.registry.facts !== undefined)
    issue(ctx, ['registry', 'facts'], 'a built-in kind has the gateway’s own fact schema');
  if (!builtIn && m.registry.facts === undefined)
    issue(ctx, ['registry', 'facts'], 'a new evidence kind must declare its facts');
  if (Object.keys(m.registry.facts ?? {}).length > 32) issue(ctx, ['registry', 'facts'], 'at most 32 facts');
  const declared = manifestFactDefinitions(m);
  const names = new Set(manifestFactNames(m));
  for (const [fact, mapping] of Object.entries(m.mapping.facts)) {
    if (!names.has(fact)) {
      issue(ctx, ['mapping', 'facts', fact], 'is not a fact of this kind');
      continue;
    }
    const def = declared[fact];
    if (def && mapping.values)
      for (const [raw, value] of Object.entries(mapping.values))
        if (!checkValueType(def, value))
          issue(ctx, ['mapping', 'facts', fact, 'values', raw], `must be a ${def.type} value of the fact`);
    if (def && mapping.divideBy !== undefined && def.type !== 'number')
      issue(ctx, ['mapping', 'facts', fact, 'divideBy'], 'only number facts can be divided');
  }
  for (const [fact, def] of Object.entries(declared))
    if (!def.optional && !(fact in m.mapping.facts))
      issue(ctx, ['mapping', 'facts', fact], 'a required fact must be mapped');
  const caseNames = new Set<string>();
  const subjects = new Set<string>();
  m.conformance.cases.forEach((c, i) => {
    if (caseNames.has(c.name)) issue(ctx, ['conformance', 'cases', i, 'name'], 'appears twice');
    if (subjects.has(c.subject)) issue(ctx, ['conformance', 'cases', i, 'subject'], 'appears twice');
    caseNames.add(c.name);
    subjects.add(c.subject);
    if (c.expect === 'not_found' && c.facts !== undefined)
      issue(ctx, ['conformance', 'cases', i, 'facts'], 'a not_found case has no facts');
    for (const [fact, value] of Object.entries(c.facts ?? {})) {
      const def = declared[fact];
      if (!names.has(fact))
        issue(ctx, ['conformance', 'cases', i, 'facts', fact], 'is not a fact of this kind');
      else if (def && !checkValueType(def, value))
        issue(ctx, ['conformance', 'cases', i, 'facts', fact], `must be a ${def.type} value of the fact`);
    }
  });
  if (!m.conformance.cases.some((c) => c.expect === 'found'))
    issue(ctx, ['conformance', 'cases'], 'at least one case must expect found');
}

function checkRequest(m: z.infer<typeof ManifestShape>, ctx: Ctx): void {
  const r = m.request;
  const soap = m.endpoint.protocol === 'soap_xml';
  if (soap) {
    if (r.envelope === undefined) issue(ctx, ['request', 'envelope'], 'a SOAP/XML request needs an envelope');
    if (r.soapAction === undefined)
      issue(ctx, ['request', 'soapAction'], 'a SOAP/XML request needs a soapAction');
    if (r.body !== undefined) issue(ctx, ['request', 'body'], 'a SOAP/XML request uses envelope, not body');
    if (r.method !== 'POST') issue(ctx, ['request', 'method'], 'a SOAP/XML request is a POST');
  } else {
    if (r.envelope !== undefined)
      issue(ctx, ['request', 'envelope'], 'only a SOAP/XML request has an envelope');
    if (r.soapAction !== undefined)
      issue(ctx, ['request', 'soapAction'], 'only a SOAP/XML request has a soapAction');
    if (r.method === 'GET' && r.body !== undefined)
      issue(ctx, ['request', 'body'], 'a GET request has no body');
  }
  const sites: TemplateSite[] = [];
  templateStrings(r.body, ['request', 'body'], sites);
  for (const [k, v] of Object.entries(r.query ?? {})) sites.push({ text: v, path: ['request', 'query', k] });
  for (const [k, v] of Object.entries(r.headers ?? {}))
    sites.push({ text: v, path: ['request', 'headers', k] });
  if (r.envelope !== undefined) sites.push({ text: r.envelope, path: ['request', 'envelope'] });
  const used = new Set<string>();
  for (const site of sites) {
    for (const name of placeholdersIn(site.text)) {
      used.add(name);
      if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name))
        issue(ctx, site.path, `uses an unknown placeholder (allowed: ${TEMPLATE_PLACEHOLDERS.join(', ')})`);
      const inBody = site.path[1] === 'body';
      if (name === 'subjects' && (!inBody || site.text.trim() !== '{{subjects}}'))
        issue(ctx, site.path, '{{subjects}} must be a whole string value of the JSON body');
    }
  }
  if (used.has('subject') === used.has('subjects'))
    issue(ctx, ['request'], 'the template must send either {{subject}} or {{subjects}}, not both or neither');
  if (r.batchSize !== undefined && !used.has('subjects'))
    issue(ctx, ['request', 'batchSize'], 'only a {{subjects}} template sends batches');
}

/**
 * A connector manifest, fully checked: shape, and the rules across fields (facts mapped and
 * typed, templates sending the subject, conformance cases naming known facts).
 * @example
 * const parsed = ConnectorManifest.safeParse(JSON.parse(text));
 * if (!parsed.success) console.log(parsed.error.issues.map((i) => i.path.join('/')));
 */
export const ConnectorManifest = ManifestShape.superRefine((m, ctx) => {
  checkFacts(m, ctx);
  checkRequest(m, ctx);
}).meta({
  id: 'ConnectorManifest',
  description:
    'A partner registry connector: identity, endpoint, authentication, mapping and conformance cases.',
});
export type ConnectorManifest = z.infer<typeof ConnectorManifest>;
