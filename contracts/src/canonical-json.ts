/**
 * Sorted-key JSON (RFC 8785 for the values the chaincode stores: strings, safe integers,
 * booleans, null, arrays, plain objects). Every peer must write byte-identical state,
 * so no stored or returned value goes through plain JSON.stringify of an object.
 * The implementation is the gateway's `src/core/canonical-json.ts` (the one the
 * gateway signs with), compiled into this package's build.
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export { canonicalBytes, canonicalJson } from '../../src/core/canonical-json.js';
