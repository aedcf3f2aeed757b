/**
 * Issue 12: what a partner integrator and an operator read when an endpoint is refused. An
 * `http://` URL says "https required" (offline validation and the address policy alike); the
 * allowlist refusal names the file the operator edits.
 */
import { describe, expect, it } from 'vitest';
import { endpointRefusals, hostRefusal } from '../../../connectors/declarative/address-policy.ts';
import { ConnectorManifest } from '../../../schemas/connector-manifest.ts';
import { restManifest } from './manifests.ts';

describe('endpoint refusals an operator can act on', () => {
  it('an http:// endpoint is "https required", in the manifest check and in the policy', () => {
    const manifest = restManifest(8443);
    const parsed = ConnectorManifest.safeParse({
      ...manifest,
      endpoint: { ...manifest.endpoint, url: 'http://hpf.unit.test/api' },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('/'), i.message])).toEqual([
      ['endpoint/url', 'https required: must be an https:// URL'],
    ]);
    expect(endpointRefusals('http://hpf.unit.test/api', { allowedHosts: ['hpf.unit.test'] })).toEqual([
      'https required',
    ]);
  });

  it('the allowlist refusal names <data>/connector-policy.json', () => {
    expect(hostRefusal('elsewhere.example.org', { allowedHosts: ['hpf.unit.test'] })).toBe(
      "host elsewhere.example.org is not on the operator's allowlist (allowedHosts in <data>/connector-policy.json)",
    );
  });
});
