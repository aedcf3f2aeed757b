/**
 * The DER pieces the gateway CA needs, built with node-forge's ASN.1 codec and signed by
 * node:crypto: node-forge writes X.509 but only for RSA keys, and the CA and every partner
 * key are ECDSA P-256. So certificates, CSRs and CRLs are assembled here structure by
 * structure (RFC 5280, RFC 2986) and signed natively (ecdsa-with-SHA256, DER signatures).
 */
import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import forge from 'node-forge';
import { parseIpv4, parseIpv6 } from '../../../connectors/declarative/address-policy.ts';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;

export const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  cRLNumber: '2.5.29.20',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const bin = (b: Uint8Array) => Buffer.from(b).toString('binary');

/** ASN.1 node builders. */
export const der = {
  seq: (items: Asn1[]) => asn1.create(U, T.SEQUENCE, true, items),
  set: (items: Asn1[]) => asn1.create(U, T.SET, true, items),
  oid: (oid: string) => asn1.create(U, T.OID, false, asn1.oidToDer(oid).getBytes()),
  /** A non-negative INTEGER from big-endian bytes. */
  uint: (bytes: Uint8Array) => {
    let b = Buffer.from(bytes);
    while (b.length > 1 && b[0] === 0 && ((b[1] ?? 0) & 0x80) === 0) b = b.subarray(1);
    if (((b[0] ?? 0) & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
    return asn1.create(U, T.INTEGER, false, bin(b));
  },
  small: (n: number) => asn1.create(U, T.INTEGER, false, asn1.integerToDer(n).getBytes()),
  bool: (b: boolean) => asn1.create(U, T.BOOLEAN, false, b ? '\xff' : '\x00'),
  utf8: (s: string) => asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(s)),
  octets: (b: Uint8Array) => asn1.create(U, T.OCTETSTRING, false, bin(b)),
  bits: (b: Uint8Array, unused = 0) =>
    asn1.create(U, T.BITSTRING, false, String.fromCharCode(unused) + bin(b)),
  /** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
  time: (d: Date) =>
    d.getUTCFullYear() < 2050
      ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d))
      : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d)),
  explicit: (tag: number, inner: Asn1) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, true, [inner]),
};

export function toDer(node: Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'binary');
}

// node-forge accepts an options object here; its type definitions only declare `strict`.
const decode = asn1.fromDer as unknown as (
  bytes: forge.util.ByteStringBuffer,
  options: { strict: boolean; decodeBitStrings: boolean },
) => Asn1;

/** Parses DER; bit strings stay raw (a signature must not be mistaken for nested ASN.1). */
export function fromDer(bytes: Uint8Array): Asn1 {
  return decode(forge.util.createBuffer(bin(bytes)), { strict: true, decodeBitStrings: false });
}

export function pemToDer(pem: string, labels: readonly string[]): Buffer | undefined {
  for (const label of labels) {
    const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
    if (m?.[1]) return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  }
  return undefined;
}

export function derToPem(bytes: Uint8Array, label: string): string {
  const b64 = Buffer.from(bytes).toString('base64');
  return `-----BEGIN ${label}-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;
}

/** A distinguished name with the attributes this CA uses. */
export interface SimpleName {
  readonly commonName?: string;
  readonly organization?: string;
}

export function nameNode(name: SimpleName): Asn1 {
  const rdn = (oid: string, value: string) => der.set([der.seq([der.oid(oid), der.utf8(value)])]);
  return der.seq([
    ...(name.organization === undefined ? [] : [rdn(OID.organizationName, name.organization)]),
    ...(name.commonName === undefined ? [] : [rdn(OID.commonName, name.commonName)]),
  ]);
}

/** The CN and O of a Name node, and how many other attributes it has. */
export function parseName(node: Asn1): SimpleName & { readonly others: number } {
  let commonName: string | undefined;
  let organization: string | undefined;
  let others = 0;
  for (const rdn of children(node))
    for (const atv of children(rdn)) {
      const [type, value] = children(atv);
      const oid = type ? asn1.derToOid(forge.util.createBuffer(String(type.value))) : '';
      const text = value ? forge.util.decodeUtf8(String(value.value)) : '';
      if (oid === OID.commonName) commonName = text;
      else if (oid === OID.organizationName) organization = text;
      else others += 1;
    }
  return {
    ...(commonName === undefined ? {} : { commonName }),
    ...(organization === undefined ? {} : { organization }),
    others,
  };
}

function children(node: Asn1 | undefined): Asn1[] {
  return node && Array.isArray(node.value) ? (node.value as Asn1[]) : [];
}

function oidOf(node: Asn1 | undefined): string {
  return node && node.type === T.OID ? asn1.derToOid(forge.util.createBuffer(String(node.value))) : '';
}

function extension(oid: string, critical: boolean, value: Asn1): Asn1 {
  return der.seq([der.oid(oid), ...(critical ? [der.bool(true)] : []), der.octets(toDer(value))]);
}

/** The subject alternative names a certificate or CSR carries. */
export interface AltNames {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

function ipBytes(ip: string): Buffer {
  const v4 = parseIpv4(ip);
  if (v4) return Buffer.from(v4);
  const v6 = parseIpv6(ip);
  if (!v6) throw new TypeError('not an IP address');
  return Buffer.from(v6.flatMap((g) => [g >> 8, g & 0xff]));
}

function ipText(bytes: string): string {
  const b = Buffer.from(bytes, 'binary');
  if (b.length === 4) return [...b].join('.');
  const groups: string[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
  // RFC 5952: the longest run of two or more zero groups becomes '::', as URL host names write it.
  let best = { at: -1, length: 1 };
  for (let i = 0; i < groups.length; ) {
    let j = i;
    while (groups[j] === '0') j += 1;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}

function altNamesNode(names: AltNames): Asn1 {
  return der.seq([
    ...names.dnsNames.map((n) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, n)),
    ...names.ipAddresses.map((ip) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, bin(ipBytes(ip)))),
  ]);
}

function parseAltNames(extnValue: string): AltNames & { readonly others: number } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  let others = 0;
  for (const gn of children(fromDer(Buffer.from(extnValue, 'binary')))) {
    if (gn.tagClass === asn1.Class.CONTEXT_SPECIFIC && gn.type === 2) dnsNames.push(String(gn.value));
    else if (gn.tagClass === asn1.Class.CONTEXT_SPECIFIC && gn.type === 7)
      ipAddresses.push(ipText(String(gn.value)));
    else others += 1;
  }
  return { dnsNames, ipAddresses, others };
}

/** What a certificate is for. */
export type CertificateUsage = 'ca' | 'server' | 'client';

/** The extensions of a certificate this CA issues. */
export function certificateExtensions(
  usage: CertificateUsage,
  keys: { readonly subjectKeyId: Uint8Array; readonly authorityKeyId: Uint8Array },
  names?: AltNames,
): Asn1 {
  const ca = usage === 'ca';
  return der.seq([
    extension(OID.basicConstraints, true, der.seq(ca ? [der.bool(true), der.small(0)] : [])),
    // digitalSignature (bit 0); a CA also keyCertSign (5) and cRLSign (6).
    extension(OID.keyUsage, true, ca ? der.bits(Uint8Array.of(0x86), 1) : der.bits(Uint8Array.of(0x80), 7)),
    ...(ca
      ? []
      : [
          extension(
            OID.extKeyUsage,
            false,
            der.seq([der.oid(usage === 'server' ? OID.serverAuth : OID.clientAuth)]),
          ),
        ]),
    ...(names && names.dnsNames.length + names.ipAddresses.length > 0
      ? [extension(OID.subjectAltName, false, altNamesNode(names))]
      : []),
    extension(OID.subjectKeyIdentifier, false, der.octets(keys.subjectKeyId)),
    extension(
      OID.authorityKeyIdentifier,
      false,
      der.seq([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, bin(keys.authorityKeyId))]),
    ),
  ]);
}

const ECDSA_SHA256 = () => der.seq([der.oid(OID.ecdsaWithSha256)]);

/** Signs a TBS structure and wraps it with the algorithm and signature (certificate, CRL and CSR alike). */
export function signed(tbs: Asn1, key: KeyObject): Buffer {
  const signature = sign('sha256', toDer(tbs), key);
  return toDer(der.seq([tbs, ECDSA_SHA256(), der.bits(signature)]));
}

/** Everything a certificate needs. */
export interface CertificateSpec {
  readonly serial: Uint8Array;
  readonly issuer: Asn1;
  readonly subject: Asn1;
  readonly spkiDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: Asn1;
}

export function certificateDer(spec: CertificateSpec, issuerKey: KeyObject): Buffer {
  const tbs = der.seq([
    der.explicit(0, der.small(2)),
    der.uint(spec.serial),
    ECDSA_SHA256(),
    spec.issuer,
    der.seq([der.time(spec.notBefore), der.time(spec.notAfter)]),
    spec.subject,
    fromDer(spec.spkiDer),
    der.explicit(3, spec.extensions),
  ]);
  return signed(tbs, issuerKey);
}

/** The subject Name node of a DER certificate (the issuer name of what it signs). */
export function certificateSubject(certDer: Uint8Array): Asn1 {
  const tbs = children(fromDer(certDer))[0];
  const subject = children(tbs)[5];
  if (!subject) throw new TypeError('not an X.509 certificate');
  return subject;
}

/** A CRL (RFC 5280 §5) listing `revoked`, signed by the CA. */
export function crlDer(
  spec: {
    readonly issuer: Asn1;
    readonly thisUpdate: Date;
    readonly nextUpdate: Date;
    readonly number: number;
    readonly authorityKeyId: Uint8Array;
    readonly revoked: readonly { readonly serialHex: string; readonly revokedAt: Date }[];
  },
  key: KeyObject,
): Buffer {
  const entries = spec.revoked.map((r) =>
    der.seq([
      der.uint(Buffer.from(r.serialHex.length % 2 ? `0${r.serialHex}` : r.serialHex, 'hex')),
      der.time(r.revokedAt),
    ]),
  );
  const tbs = der.seq([
    der.small(1),
    ECDSA_SHA256(),
    spec.issuer,
    der.time(spec.thisUpdate),
    der.time(spec.nextUpdate),
    ...(entries.length > 0 ? [der.seq(entries)] : []),
    der.explicit(
      0,
      der.seq([
        extension(OID.cRLNumber, false, der.small(spec.number)),
        extension(
          OID.authorityKeyIdentifier,
          false,
          der.seq([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, bin(spec.authorityKeyId))]),
        ),
      ]),
    ),
  ]);
  return signed(tbs, key);
}

/** A parsed and signature-checked PKCS #10 request. */
export interface ParsedCsr extends AltNames {
  readonly subject: SimpleName & { readonly others: number };
  readonly otherAltNames: number;
  readonly spkiDer: Buffer;
  readonly publicKey: KeyObject;
}

/** Why a CSR was refused; the message names the problem, never the CSR's content. */
export class CsrError extends Error {
  override readonly name = 'CsrError';
}

/**
 * Parses a PEM CSR, checks it is signed by its own key with ECDSA P-256 / SHA-256.
 * @example const csr = parseCsr(pem); csr.dnsNames // ['hpf.example.gov.cn']
 */
export function parseCsr(pem: string): ParsedCsr {
  const bytes = pemToDer(pem, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  if (!bytes) throw new CsrError('not a PEM certificate request');
  let root: Asn1;
  try {
    root = fromDer(bytes);
  } catch {
    throw new CsrError('the certificate request is not valid DER');
  }
  const [info, algorithm, signature] = children(root);
  const [, subjectNode, spkiNode, attributes] = children(info);
  if (!info || !subjectNode || !spkiNode || !signature)
    throw new CsrError('the certificate request is incomplete');
  const spkiDer = toDer(spkiNode);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } catch {
    throw new CsrError('the public key does not parse');
  }
  if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new CsrError('the key must be ECDSA P-256');
  if (oidOf(children(algorithm)[0]) !== OID.ecdsaWithSha256)
    throw new CsrError('the request must be signed with ecdsa-with-SHA256');
  const sig = Buffer.from(String(signature.value), 'binary').subarray(1);
  if (!verify('sha256', toDer(info), publicKey, sig))
    throw new CsrError('the request is not signed by its own key');
  let names: AltNames & { readonly others: number } = { dnsNames: [], ipAddresses: [], others: 0 };
  for (const attribute of children(attributes)) {
    const [type, values] = children(attribute);
    if (oidOf(type) !== OID.extensionRequest) continue;
    for (const ext of children(children(values)[0])) {
      const parts = children(ext);
      if (oidOf(parts[0]) === OID.subjectAltName) names = parseAltNames(String(parts.at(-1)?.value ?? ''));
    }
  }
  return {
    subject: parseName(subjectNode),
    dnsNames: names.dnsNames,
    ipAddresses: names.ipAddresses,
    otherAltNames: names.others,
    spkiDer,
    publicKey,
  };
}

/**
 * Writes a PEM CSR for an ECDSA P-256 key (what `egw connectors csr` gives the integrator).
 * @example createCsr(privateKey, { commonName: host, organization: agencyId }, { dnsNames: [host], ipAddresses: [] })
 */
export function createCsr(privateKey: KeyObject, subject: SimpleName, names: AltNames): string {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const request = der.seq([
    der.oid(OID.extensionRequest),
    der.set([der.seq([extension(OID.subjectAltName, false, altNamesNode(names))])]),
  ]);
  const info = der.seq([
    der.small(0),
    nameNode(subject),
    fromDer(spki),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [request]),
  ]);
  return derToPem(signed(info, privateKey), 'CERTIFICATE REQUEST');
}
