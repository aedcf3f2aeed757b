/**
 * RFC 8785 (JCS) canonical JSON for the values the gateway signs and commits to:
 * objects with keys sorted by UTF-16 code units, no whitespace, ECMAScript number and
 * string serialisation. `undefined` members are dropped, as JSON.stringify does.
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          out += `${i > 0 ? ',' : ''}${v === undefined ? 'null' : canonicalJson(v)}`;
        }
        return `${out}]`;
      }
      // Array.prototype.sort's default order compares UTF-16 code units, as RFC 8785 asks.
      const members = value as Record<string, unknown>;
      let out = '';
      for (const key of Object.keys(members).sort()) {
        const v = members[key];
        if (v !== undefined) out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${canonicalJson(v)}`;
      }
      return `{${out}}`;
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
  }
}

const encoder = new TextEncoder();

/** UTF-8 bytes of the canonical JSON. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}
