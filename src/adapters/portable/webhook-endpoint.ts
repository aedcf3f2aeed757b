/**
 * Which webhook URLs a client may register: the partner connectors' address guards
 * (connectors/declarative/address-policy.ts) on the same operator settings. https only, except
 * plain http to a loopback host where the operator allows loopback (a receiver on the same
 * machine); no credentials in the URL; no loopback, private, link-local, metadata or reserved
 * address unless allowed. Intake systems are not partner registries, so the host allowlist
 * does not apply: their hosts are known to the operator through the token's client, not a list.
 */
import {
  addressRefusal,
  classifyAddress,
  type EndpointPolicy,
  normalizeHost,
} from '../../../connectors/declarative/address-policy.ts';

/** The settings of the partner connector policy that apply to webhooks. */
export type WebhookAddressPolicy = Pick<EndpointPolicy, 'allowLoopback' | 'allowPrivate'>;

/**
 * Everything wrong with a webhook URL before any DNS (empty: allowed).
 * @example webhookUrlRefusals('https://169.254.169.254/hook', {}) // ['a metadata address (169.254.169.254) is not allowed']
 */
export function webhookUrlRefusals(url: string, policy: WebhookAddressPolicy): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return ['is not a URL'];
  }
  const host = normalizeHost(parsed.hostname);
  const kind = host === 'localhost' || host.endsWith('.localhost') ? 'loopback' : classifyAddress(host);
  const reasons: string[] = [];
  const loopbackHttp = parsed.protocol === 'http:' && kind === 'loopback' && policy.allowLoopback === true;
  if (parsed.protocol !== 'https:' && !loopbackHttp) reasons.push('https required');
  if (parsed.username !== '' || parsed.password !== '') reasons.push('must not carry credentials');
  if (kind === 'loopback' && policy.allowLoopback !== true)
    reasons.push(`a loopback address (${host.slice(0, 64)}) is not allowed`);
  else if (kind !== undefined && kind !== 'loopback') {
    const refused = addressRefusal(host, { allowedHosts: [], ...policy });
    if (refused !== undefined) reasons.push(refused);
  }
  return reasons;
}
