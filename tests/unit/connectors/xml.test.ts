import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  childOf,
  escapeXml,
  parseXml,
  textOf,
  XmlError,
  xmlElement,
} from '../../../connectors/shared/xml.ts';

describe('parseXml', () => {
  it('resolves prefixes and default namespaces, innermost declaration first', () => {
    const root = parseXml(
      '<?xml version="1.0"?><s:E xmlns:s="urn:s" xmlns="urn:d"><B a="1"><s:C xmlns:s="urn:other">t</s:C></B></s:E>',
    );
    expect([root.namespace, root.localName, root.name]).toEqual(['urn:s', 'E', 's:E']);
    const b = childOf(root, 'urn:d', 'B');
    expect(b?.attributes.get('a')).toBe('1');
    expect(b?.attributes.has('xmlns')).toBe(false);
    expect(b && childOf(b, 'urn:other', 'C')?.text).toBe('t');
    expect(b && childOf(b, 'urn:s', 'C')).toBeUndefined();
  });

  it('decodes the predefined entities, character references and CDATA, and skips comments', () => {
    const root = parseXml(
      '<a><!-- note --><b>1 &lt; 2 &amp;&amp; &#x4E2D;&#25991; &quot;&apos;&gt;</b><c><![CDATA[<raw> & ]]></c></a>',
    );
    expect(textOf(root, '', 'b')).toBe('1 < 2 && 中文 "\'>');
    expect(textOf(root, '', 'c')).toBe('<raw> &');
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', /DOCTYPE/],
    ['an entity declaration inside', '<a><!ENTITY x "y"></a>', /DOCTYPE and declarations/],
    ['a processing instruction', '<a><?php x ?></a>', /processing instructions/],
    ['an unknown entity', '<a>&x;</a>', /unknown entity/],
    ['an unterminated entity', '<a>&amp</a>', /unterminated entity/],
    ['a reference to NUL', '<a>&#0;</a>', /forbidden character/],
    ['an undeclared prefix', '<p:a/>', /undeclared namespace prefix/],
    ['a mismatched end tag', '<a><b></a></b>', /mismatched end tag/],
    ['a second root', '<a/><b/>', /second root/],
    ['text outside the root', '<a/>x', /text outside/],
    ['an unclosed element', '<a><b>', /ends inside an element/],
    ['a duplicate attribute', '<a x="1" x="2"/>', /duplicate attribute/],
    ['an unquoted attribute', '<a x=1/>', /unquoted attribute/],
    ['nothing', '  ', /no root element/],
  ])('refuses %s', (_what, xml, message) => {
    expect(() => parseXml(xml)).toThrow(XmlError);
    expect(() => parseXml(xml)).toThrow(message);
  });

  it('enforces its size, depth and element limits', () => {
    expect(() => parseXml(`<a>${'x'.repeat(100)}</a>`, { maxLength: 50 })).toThrow('document too large');
    expect(() => parseXml('<a><a><a><a/></a></a></a>', { maxDepth: 3 })).toThrow(
      'elements nested too deeply',
    );
    expect(parseXml('<a><a><a/></a></a>', { maxDepth: 3 }).localName).toBe('a');
    expect(() => parseXml(`<a>${'<b/>'.repeat(10)}</a>`, { maxElements: 10 })).toThrow('too many elements');
  });

  it('names positions, never content, in its errors', () => {
    const secret = '320102198005171239';
    try {
      parseXml(`<a>${secret}&bogus;</a>`);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe('unknown entity at 21');
      expect((error as Error).message).not.toContain(secret);
    }
  });
});

describe('xmlElement and escapeXml', () => {
  it('escapes text and attribute values', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(xmlElement('x', '<&>', { q: '"' })).toBe('<x q="&quot;">&lt;&amp;&gt;</x>');
    expect(xmlElement('x', [xmlElement('y', '1'), xmlElement('z', [])])).toBe('<x><y>1</y><z></z></x>');
  });

  it('round-trips any text and attribute value through parseXml', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (text, attr) => {
        const root = parseXml(xmlElement('r', text, { v: attr }));
        expect(root.text).toBe(text);
        expect(root.attributes.get('v')).toBe(attr);
      }),
    );
  });
});
