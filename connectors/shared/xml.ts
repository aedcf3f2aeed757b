/**
 * A deliberately small XML reader and writer for SOAP dialects. It accepts the subset a
 * registry needs (elements, attributes, namespaces, text, CDATA, comments, the five
 * predefined entities and character references) and refuses what makes XML dangerous:
 * DOCTYPE (and with it every entity definition, so no expansion bombs and no external
 * entities), processing instructions other than the XML declaration, unbounded size,
 * depth or element count. It throws `XmlError`, whose messages carry positions only.
 */

/** An element, with its name resolved against the namespaces in scope. */
export interface XmlElement {
  /** The name as written, e.g. `soap:Body`. */
  readonly name: string;
  /** The namespace URI the prefix (or default namespace) resolves to; '' for none. */
  readonly namespace: string;
  readonly localName: string;
  /** Attributes by the name as written; namespace declarations are not included. */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** The character data directly inside this element, concatenated, untrimmed. */
  readonly text: string;
}

/** Bounds applied while parsing. */
export interface XmlLimits {
  readonly maxLength: number;
  readonly maxDepth: number;
  readonly maxElements: number;
}

/** Defaults fit a SOAP answer for a household-sized batch with room to spare. */
export const DEFAULT_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxLength: 1024 * 1024,
  maxDepth: 32,
  maxElements: 20_000,
});

/** Input that is not XML this reader accepts. The message names a position, never content. */
export class XmlError extends Error {
  override readonly name = 'XmlError';
  readonly code = 'ERR_XML';
}

const NAME = /[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?/y;
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

interface Building {
  name: string;
  namespace: string;
  localName: string;
  attributes: Map<string, string>;
  children: Building[];
  text: string;
  scope: ReadonlyMap<string, string>;
}

/**
 * Parses a document and returns its root element.
 * @example parseXml('<a xmlns="urn:x"><b>1 &lt; 2</b></a>').children[0]?.text // '1 < 2'
 */
export function parseXml(input: string, limits: Partial<XmlLimits> = {}): XmlElement {
  const { maxLength, maxDepth, maxElements } = { ...DEFAULT_XML_LIMITS, ...limits };
  if (input.length > maxLength) throw new XmlError('document too large');
  let i = input.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (input.startsWith('<?xml', i)) {
    const end = input.indexOf('?>', i);
    if (end < 0) throw new XmlError('unterminated XML declaration');
    i = end + 2;
  }
  const stack: Building[] = [];
  let root: Building | undefined;
  let elements = 0;
  const rootScope = new Map([['xml', XML_NS]]);

  while (i < input.length) {
    const lt = input.indexOf('<', i);
    const textEnd = lt < 0 ? input.length : lt;
    if (textEnd > i) {
      const raw = input.slice(i, textEnd);
      const top = stack.at(-1);
      if (top) top.text += unescapeXml(raw, i);
      else if (raw.trim() !== '') throw new XmlError(`text outside the root element at ${i}`);
    }
    if (lt < 0) break;
    i = lt;
    if (input.startsWith('<!--', i)) {
      const end = input.indexOf('-->', i + 4);
      if (end < 0) throw new XmlError(`unterminated comment at ${i}`);
      i = end + 3;
    } else if (input.startsWith('<![CDATA[', i)) {
      const top = stack.at(-1);
      if (!top) throw new XmlError(`CDATA outside the root element at ${i}`);
      const end = input.indexOf(']]>', i + 9);
      if (end < 0) throw new XmlError(`unterminated CDATA at ${i}`);
      top.text += input.slice(i + 9, end);
      i = end + 3;
    } else if (input.startsWith('<!', i)) {
      throw new XmlError(`DOCTYPE and declarations are not accepted (at ${i})`);
    } else if (input.startsWith('<?', i)) {
      throw new XmlError(`processing instructions are not accepted (at ${i})`);
    } else if (input.startsWith('</', i)) {
      const name = readName(input, i + 2);
      const top = stack.pop();
      if (!top || top.name !== name) throw new XmlError(`mismatched end tag at ${i}`);
      i = skipSpace(input, i + 2 + name.length);
      if (input.charAt(i) !== '>') throw new XmlError(`malformed end tag at ${i}`);
      i += 1;
    } else {
      if (root && stack.length === 0) throw new XmlError(`a second root element at ${i}`);
      if (++elements > maxElements) throw new XmlError('too many elements');
      if (stack.length >= maxDepth) throw new XmlError('elements nested too deeply');
      const start = i;
      const name = readName(input, i + 1);
      i += 1 + name.length;
      const raw = new Map<string, string>();
      for (;;) {
        const afterSpace = skipSpace(input, i);
        const c = input.charAt(afterSpace);
        if (c === '>' || input.startsWith('/>', afterSpace)) {
          i = afterSpace;
          break;
        }
        if (afterSpace === i) throw new XmlError(`malformed start tag at ${start}`);
        const attrName = readName(input, afterSpace);
        let j = skipSpace(input, afterSpace + attrName.length);
        if (input.charAt(j) !== '=') throw new XmlError(`attribute without a value at ${j}`);
        j = skipSpace(input, j + 1);
        const quote = input.charAt(j);
        if (quote !== '"' && quote !== "'") throw new XmlError(`unquoted attribute value at ${j}`);
        const close = input.indexOf(quote, j + 1);
        if (close < 0) throw new XmlError(`unterminated attribute value at ${j}`);
        const value = input.slice(j + 1, close);
        if (value.includes('<')) throw new XmlError(`'<' in an attribute value at ${j}`);
        if (raw.has(attrName)) throw new XmlError(`duplicate attribute at ${afterSpace}`);
        raw.set(attrName, unescapeXml(value, j + 1));
        i = close + 1;
      }
      const parent = stack.at(-1);
      const scope = new Map(parent ? parent.scope : rootScope);
      const attributes = new Map<string, string>();
      for (const [k, v] of raw) {
        if (k === 'xmlns') scope.set('', v);
        else if (k.startsWith('xmlns:')) scope.set(k.slice(6), v);
        else attributes.set(k, v);
      }
      const colon = name.indexOf(':');
      const prefix = colon < 0 ? '' : name.slice(0, colon);
      const namespace = scope.get(prefix);
      if (namespace === undefined && prefix !== '')
        throw new XmlError(`undeclared namespace prefix at ${start}`);
      const element: Building = {
        name,
        namespace: namespace ?? '',
        localName: colon < 0 ? name : name.slice(colon + 1),
        attributes,
        children: [],
        text: '',
        scope,
      };
      if (parent) parent.children.push(element);
      else root = element;
      if (input.startsWith('/>', i)) i += 2;
      else {
        stack.push(element);
        i += 1;
      }
    }
  }
  if (stack.length > 0) throw new XmlError('document ends inside an element');
  if (!root) throw new XmlError('no root element');
  return freeze(root);
}

function freeze(b: Building): XmlElement {
  return {
    name: b.name,
    namespace: b.namespace,
    localName: b.localName,
    attributes: b.attributes,
    children: b.children.map(freeze),
    text: b.text,
  };
}

function readName(input: string, at: number): string {
  NAME.lastIndex = at;
  const m = NAME.exec(input);
  if (!m) throw new XmlError(`expected a name at ${at}`);
  return m[0];
}

function skipSpace(input: string, at: number): number {
  let i = at;
  while (i < input.length && ' \t\r\n'.includes(input.charAt(i))) i++;
  return i;
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(raw: string, offset: number): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]{0,10});?/g, (whole, body: string, at: number) => {
    if (!whole.endsWith(';')) throw new XmlError(`unterminated entity reference at ${offset + at}`);
    const predefined = PREDEFINED[body];
    if (predefined !== undefined) return predefined;
    const m = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (!m) throw new XmlError(`unknown entity at ${offset + at}`);
    const cp = m[1] === undefined ? Number(m[2]) : Number.parseInt(m[1], 16);
    const allowed =
      cp === 0x9 ||
      cp === 0xa ||
      cp === 0xd ||
      (cp >= 0x20 && cp <= 0xd7ff) ||
      (cp >= 0xe000 && cp <= 0xfffd) ||
      (cp >= 0x10000 && cp <= 0x10ffff);
    if (!allowed) throw new XmlError(`character reference to a forbidden character at ${offset + at}`);
    return String.fromCodePoint(cp);
  });
}

/**
 * Escapes text for element content or a double-quoted attribute value.
 * @example escapeXml('a < "b"') // 'a &lt; &quot;b&quot;'
 */
export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => `&${c === '<' ? 'lt' : c === '>' ? 'gt' : c === '&' ? 'amp' : c === '"' ? 'quot' : 'apos'};`,
  );
}

/**
 * Writes one element. A string `content` is text and is escaped; an array holds
 * already-written child elements and is inserted as is.
 * @example xmlElement('rs:AAC002', id) + xmlElement('rs:Persons', [xmlElement('rs:Person', [])])
 */
export function xmlElement(
  name: string,
  content: string | readonly string[],
  attributes: Readonly<Record<string, string>> = {},
): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  const inner = typeof content === 'string' ? escapeXml(content) : content.join('');
  return `<${name}${attrs}>${inner}</${name}>`;
}

/** The first child with this namespace and local name. @example childOf(envelope, SOAP_NS, 'Body') */
export function childOf(element: XmlElement, namespace: string, localName: string): XmlElement | undefined {
  return element.children.find((c) => c.namespace === namespace && c.localName === localName);
}

/** Every child with this namespace and local name. @example childrenOf(persons, NS, 'Person') */
export function childrenOf(element: XmlElement, namespace: string, localName: string): XmlElement[] {
  return element.children.filter((c) => c.namespace === namespace && c.localName === localName);
}

/** The trimmed text of a child, or undefined when the child is absent. @example textOf(person, NS, 'AAC002') */
export function textOf(element: XmlElement, namespace: string, localName: string): string | undefined {
  return childOf(element, namespace, localName)?.text.trim();
}
