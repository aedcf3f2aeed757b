/**
 * From a registry's answer (JSON or SOAP/XML) to records of facts, as the manifest's mapping
 * says: JSON Pointers (RFC 6901) into JSON; for XML the same slash paths, each segment an
 * element's local name (namespaces ignored), `@name` an attribute. Values go through the
 * fact's value map, then are read as the fact's type. Anything unexpected makes the answer
 * malformed; failure details name facts and positions, never the values.
 */
import {
  BUILT_IN_RECORDS,
  type ConnectorManifest,
  type FactDefinition,
  type FactMapping,
  isBuiltInKind,
  manifestFactDefinitions,
} from '../../schemas/connector-manifest.ts';
import type { PartnerRecord } from '../../src/core/ports.ts';
import { type Decoded, malformed } from '../shared/registry-failure.ts';
import { parseXml, type XmlElement, XmlError } from '../shared/xml.ts';

/** A node of the answer a path can land on. */
type Node =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'xml'; readonly element: XmlElement };

/** The segments of a JSON Pointer, unescaped. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * Every node a path selects: for JSON at most one; for XML every element matching the last
 * step (XPath-like), or one attribute value.
 * @example select({ kind: 'json', value: { a: [1] } }, '/a/0') // [{ kind: 'json', value: 1 }]
 */
function select(start: Node, pointer: string): Node[] {
  let nodes: Node[] = [start];
  for (const segment of pointerSegments(pointer)) {
    const next: Node[] = [];
    for (const node of nodes) {
      if (node.kind === 'json') {
        const v = node.value;
        if (Array.isArray(v) && /^(0|[1-9]\d*)$/.test(segment)) {
          if (Number(segment) < v.length) next.push({ kind: 'json', value: v[Number(segment)] });
        } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, segment)) {
          next.push({ kind: 'json', value: (v as Record<string, unknown>)[segment] });
        }
      } else if (segment.startsWith('@')) {
        const attribute = [...node.element.attributes].find(([name]) => localName(name) === segment.slice(1));
        if (attribute) next.push({ kind: 'json', value: attribute[1] });
      } else {
        for (const child of node.element.children)
          if (child.localName === segment) next.push({ kind: 'xml', element: child });
      }
    }
    nodes = next;
  }
  return nodes;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function rawValue(node: Node | undefined): unknown {
  if (node === undefined) return undefined;
  if (node.kind === 'json') return node.value;
  return node.element.children.length === 0 ? node.element.text.trim() : undefined;
}

/** Parses the answer body as the endpoint's protocol says. */
export function parseAnswer(body: string, protocol: 'rest_json' | 'soap_xml'): Decoded<Node> {
  if (protocol === 'rest_json') {
    try {
      return { ok: true, value: { kind: 'json', value: JSON.parse(body) as unknown } };
    } catch {
      return malformed('response is not valid JSON');
    }
  }
  try {
    // The document node: its single child is the root, so paths start with the root's name.
    const root = parseXml(body);
    const document: XmlElement = {
      name: '#document',
      namespace: '',
      localName: '#document',
      attributes: new Map(),
      children: [root],
      text: '',
    };
    return { ok: true, value: { kind: 'xml', element: document } };
  } catch (error) {
    return malformed(
      error instanceof XmlError
        ? `response is not XML the gateway accepts (${error.message})`
        : 'response is not XML',
    );
  }
}

type FactValue = string | number | boolean;

/**
 * Reads one raw value as a fact: value map first, then the type. `undefined` for an absent
 * value; a string reason when it cannot be read.
 * @example readFact('02', { path: '/zt', values: { '02': 'sealed' } }, { type: 'string' }) // 'sealed'
 */
export function readFact(
  raw: unknown,
  mapping: FactMapping,
  definition: FactDefinition,
): { ok: true; value: FactValue | undefined } | { ok: false; reason: string } {
  if (raw === undefined || raw === null || raw === '') return { ok: true, value: undefined };
  let value: unknown = raw;
  if (mapping.values !== undefined) {
    const key =
      typeof raw === 'string'
        ? raw
        : typeof raw === 'number' || typeof raw === 'boolean'
          ? String(raw)
          : undefined;
    if (key === undefined || !Object.hasOwn(mapping.values, key))
      return { ok: false, reason: 'value not in the value map' };
    value = mapping.values[key];
  }
  switch (definition.type) {
    case 'string': {
      if (typeof value !== 'string' && typeof value !== 'number') return { ok: false, reason: 'not text' };
      const text = String(value);
      if (definition.values !== undefined && !definition.values.includes(text))
        return { ok: false, reason: 'not one of the declared values' };
      return { ok: true, value: text };
    }
    case 'number':
    case 'integer': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)
            ? Number(value)
            : Number.NaN;
      if (!Number.isFinite(n)) return { ok: false, reason: 'not a number' };
      const scaled = mapping.divideBy === undefined ? n : Number((n / mapping.divideBy).toFixed(6));
      if (definition.type === 'integer' && !Number.isInteger(scaled))
        return { ok: false, reason: 'not a whole number' };
      return { ok: true, value: scaled };
    }
    case 'boolean':
      if (value === true || value === 'true') return { ok: true, value: true };
      if (value === false || value === 'false') return { ok: true, value: false };
      return { ok: false, reason: 'not true or false' };
    case 'date': {
      const m = typeof value === 'string' ? /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value) : null;
      const iso = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
      const date = new Date(`${iso}T00:00:00Z`);
      if (!m || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso)
        return { ok: false, reason: 'not a date' };
      return { ok: true, value: iso };
    }
  }
}

/**
 * Maps a parsed answer to records about the subjects asked. A record about anyone else, a
 * missing required fact or an unreadable value makes the whole answer malformed.
 * @example mapAnswer(manifest, parsed, new Set([id]))
 */
export function mapAnswer(
  manifest: ConnectorManifest,
  answer: Node,
  asked: ReadonlySet<string>,
): Decoded<Map<string, PartnerRecord[]>> {
  const { mapping } = manifest;
  const definitions = manifestFactDefinitions(manifest);
  let items = select(answer, mapping.records);
  // A JSON array at the records path holds the records; XML selects the repeated elements.
  if (items.length === 1 && items[0]?.kind === 'json' && Array.isArray(items[0].value))
    items = items[0].value.map((value) => ({ kind: 'json', value }));
  else if (
    items.length === 1 &&
    items[0]?.kind === 'json' &&
    (items[0].value === null || items[0].value === undefined)
  )
    items = [];
  if (items.length > 1000) return malformed('the answer holds more than 1000 records');
  const records = new Map<string, PartnerRecord[]>();
  for (const [i, item] of items.entries()) {
    const subject = rawValue(select(item, mapping.subject)[0]);
    if (typeof subject !== 'string' || subject === '')
      return malformed(`record ${i} has no subject at the mapped path`);
    if (!asked.has(subject)) return malformed(`record ${i} is about a subject that was not asked about`);
    const facts: Record<string, FactValue> = {};
    for (const [fact, factMapping] of Object.entries(mapping.facts)) {
      const definition = definitions[fact];
      if (definition === undefined) continue;
      const read = readFact(rawValue(select(item, factMapping.path)[0]), factMapping, definition);
      if (!read.ok) return malformed(`record ${i}: fact ${fact} is ${read.reason}`);
      if (read.value !== undefined) facts[fact] = read.value;
    }
    for (const [fact, definition] of Object.entries(definitions))
      if (
        !definition.optional &&
        !(fact in facts) &&
        (fact in mapping.facts || !isBuiltInKind(manifest.registry.kind))
      )
        return malformed(`record ${i}: required fact ${fact} is missing`);
    const kind = manifest.registry.kind;
    if (isBuiltInKind(kind)) {
      const parsed = BUILT_IN_RECORDS[kind].safeParse({ idNumber: subject, ...facts });
      if (!parsed.success) {
        const path = parsed.error.issues[0]?.path.map(String).join('.') || '(root)';
        return malformed(`record ${i} is not a valid ${kind} record at ${path}`);
      }
    }
    const list = records.get(subject);
    const record: PartnerRecord = { idNumber: subject, facts };
    if (list) list.push(record);
    else records.set(subject, [record]);
  }
  return { ok: true, value: records };
}
