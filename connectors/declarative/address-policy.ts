/**
 * Which network destinations a partner connector may reach (SSRF defence). A partner
 * manifest names its own endpoint, so the gateway must never let it point the gateway at
 * itself, at the operator's private network or at a cloud metadata service. Checked twice:
 * when a manifest is registered (URL and DNS answers) and on every connection (the DNS
 * answers the socket actually uses), so a name that later resolves elsewhere (DNS
 * rebinding) is refused before a byte is sent. Pure: no runtime module.
 */

/** What kind of address an IP is. Only `public` is reachable without an operator setting. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

/** The operator's settings for partner endpoints. */
export interface EndpointPolicy {
  /**
   * Hosts partner endpoints may use: exact names (`hpf.nanjing.gov.cn`), wildcards for
   * subdomains (`*.nanjing.gov.cn`) or IP literals. Empty allows nothing.
   */
  readonly allowedHosts: readonly string[];
  /** Loopback addresses (127.0.0.0/8, ::1). Only for sandboxes on the same machine. */
  readonly allowLoopback?: boolean;
  /** Private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7): a registry on the operator's network. */
  readonly allowPrivate?: boolean;
}

// Cloud metadata services: AWS/GCP/Azure/OpenStack, Alibaba Cloud, Tencent Cloud, AWS IPv6.
const METADATA_V4 = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', '169.254.0.23']);
const METADATA_V6 = new Set(['fd00:ec2:0:0:0:0:0:254']);

/** The four bytes of a dotted-quad IPv4 address, or undefined. */
export function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

/** The eight 16-bit groups of an IPv6 address (brackets and zone allowed), or undefined. */
export function parseIpv6(text: string): number[] | undefined {
  let t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  t = t.split('%')[0] ?? '';
  if (!t.includes(':')) return undefined;
  const lastColon = t.lastIndexOf(':');
  const last = t.slice(lastColon + 1);
  if (last.includes('.')) {
    // An embedded IPv4 tail (::ffff:127.0.0.1) is two groups written in dotted form.
    const [a = 0, b = 0, c = 0, d = 0] = parseIpv4(last) ?? [-1];
    if (a < 0) return undefined;
    t = `${t.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const group = (s: string) => (s === '' ? [] : s.split(':'));
  const head = group(halves[0] ?? '');
  const rest = halves.length === 2 ? group(halves[1] ?? '') : [];
  const parsed = [...head, ...rest].map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? Number.parseInt(g, 16) : -1));
  if (parsed.some((g) => g < 0)) return undefined;
  if (halves.length === 1) return parsed.length === 8 ? parsed : undefined;
  if (parsed.length > 7) return undefined;
  const zeros = new Array<number>(8 - parsed.length).fill(0);
  return [...parsed.slice(0, head.length), ...zeros, ...parsed.slice(head.length)];
}

function classifyV4(b: readonly number[]): AddressClass {
  const [a = 0, c = 0, d = 0, e = 0] = b;
  const dotted = `${a}.${c}.${d}.${e}`;
  if (METADATA_V4.has(dotted)) return 'metadata';
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && c >= 16 && c <= 31) || (a === 192 && c === 168)) return 'private';
  if (a === 100 && c >= 64 && c <= 127) return 'private';
  if (a === 169 && c === 254) return 'link_local';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved';
  if (a === 192 && c === 0 && (d === 0 || d === 2)) return 'reserved';
  if (a === 198 && (c === 18 || c === 19)) return 'reserved';
  if ((a === 198 && c === 51 && d === 100) || (a === 203 && c === 0 && d === 113)) return 'reserved';
  return 'public';
}

/** An embedded IPv4 address's class, except that public becomes reserved: the wrapper is not. */
function nonPublic(kind: AddressClass): AddressClass {
  return kind === 'public' ? 'reserved' : kind;
}

function classifyV6(g: readonly number[]): AddressClass {
  const canonical = g.map((x) => x.toString(16)).join(':');
  if (METADATA_V6.has(canonical)) return 'metadata';
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const v4 = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (upperZero && g5 === 0xffff) return classifyV4(v4); // IPv4-mapped
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyV4(v4); // NAT64
  if (g0 === 0x2002) return classifyV4([g1 >> 8, g1 & 0xff, g2 >> 8, g2 & 0xff]); // 6to4
  // Local-use NAT64 (RFC 8215, 64:ff9b:1::/48): translated by the operator's own NAT64, so
  // never a public destination. Its IPv4 sits last in the /96 form; other prefix lengths hide it.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1)
    return g3 === 0 && g4 === 0 && g5 === 0 ? nonPublic(classifyV4(v4)) : 'reserved';
  // Teredo (RFC 4380, 2001::/32): a tunnel to the client whose IPv4 is the last 32 bits,
  // inverted; whatever that address is, the tunnel is not a public endpoint.
  if (g0 === 0x2001 && g1 === 0) return nonPublic(classifyV4(v4.map((b) => b ^ 0xff)));
  if (upperZero && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
  if (upperZero && g5 === 0 && g6 === 0 && g7 === 0) return 'unspecified';
  if (upperZero && g5 === 0) return 'reserved'; // IPv4-compatible (deprecated)
  if ((g0 & 0xfe00) === 0xfc00) return 'private';
  if ((g0 & 0xffc0) === 0xfe80) return 'link_local';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g1 === 0xdb8) return 'reserved';
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved'; // discard-only
  return 'public';
}

/**
 * The class of an IP address (v4 dotted quad or v6, brackets allowed), or undefined when the
 * text is not an IP address (a host name).
 * @example classifyAddress('169.254.169.254') // 'metadata'
 */
export function classifyAddress(text: string): AddressClass | undefined {
  const v4 = parseIpv4(text);
  if (v4) return classifyV4(v4);
  const v6 = parseIpv6(text);
  return v6 ? classifyV6(v6) : undefined;
}

/**
 * Why the policy refuses to connect to `address`, or undefined when it may.
 * @example addressRefusal('10.0.0.7', { allowedHosts: [] }) // 'a private address (10.0.0.7) is not allowed'
 */
export function addressRefusal(address: string, policy: EndpointPolicy): string | undefined {
  const kind = classifyAddress(address);
  if (kind === undefined) return `${address.slice(0, 64)} is not an IP address`;
  if (kind === 'public') return undefined;
  if (kind === 'loopback' && policy.allowLoopback) return undefined;
  if (kind === 'private' && policy.allowPrivate) return undefined;
  return `a ${kind.replace('_', '-')} address (${address.slice(0, 64)}) is not allowed`;
}

/** Lower case, no trailing dot, no IPv6 brackets. */
export function normalizeHost(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/**
 * Why the operator's allowlist refuses `host`, or undefined when it lists it.
 * @example hostRefusal('hpf.nanjing.gov.cn', { allowedHosts: ['*.nanjing.gov.cn'] }) // undefined
 */
export function hostRefusal(host: string, policy: EndpointPolicy): string | undefined {
  const h = normalizeHost(host);
  const listed = policy.allowedHosts.some((pattern) => {
    const p = normalizeHost(pattern);
    if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
    return h === p;
  });
  return listed
    ? undefined
    : `host ${h.slice(0, 64)} is not on the operator's allowlist (allowedHosts in <data>/connector-policy.json)`;
}

/**
 * Everything wrong with an endpoint URL before any DNS: scheme, credentials, allowlist,
 * and the address class of an IP-literal host.
 * @example endpointRefusals('https://169.254.169.254/', policy) // ['a metadata address …']
 */
export function endpointRefusals(url: string, policy: EndpointPolicy): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return ['is not a URL'];
  }
  const reasons: string[] = [];
  if (parsed.protocol !== 'https:') reasons.push('https required');
  if (parsed.username !== '' || parsed.password !== '') reasons.push('must not carry credentials');
  const host = normalizeHost(parsed.hostname);
  const listed = hostRefusal(host, policy);
  if (listed) reasons.push(listed);
  if (classifyAddress(host) !== undefined) {
    const refused = addressRefusal(host, policy);
    if (refused) reasons.push(refused);
  }
  return reasons;
}
