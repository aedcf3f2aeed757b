/**
 * `egw connectors …`: what a partner agency's integrator runs. `init` writes a manifest
 * skeleton, `validate` checks one offline (every path at fault), `csr` makes the endpoint's
 * ECDSA P-256 key and CSR (and submits it when given a gateway), `register` / `version`
 * send a manifest, `test` runs conformance, `activate` / `deactivate` switch it, `status`
 * shows it. Gateway commands take `--gateway URL` and `--token T` (or EGW_TOKEN).
 */
import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { ConnectorManifest, MANIFEST_MAX_BYTES } from '../../schemas/connector-manifest.ts';
import { makeIdNumber } from '../../schemas/id-number.ts';
import { DEFAULT_AUDIENCE, DEV_ISSUER, loadDevIssuerKey } from '../adapters/node/key-files.ts';
import { createCsr } from '../adapters/node/x509-der.ts';
import { toLowS } from '../core/ecdsa-low-s.ts';
import { zodIssuesToErrors } from '../http/problems.ts';
import { CommandError, fetchOrExplain, UsageError } from './cli-errors.ts';
import { startDemoEndpoint } from './demo-endpoint.ts';
import { defineEgwCommand, defineEgwGroup } from './egw-command.ts';
import { callGateway } from './gateway-call.ts';
import { dataOption, existingFile, flag, newFile, numberOption, text, urlOption } from './options.ts';
import { onStopSignal } from './signals.ts';

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
/** An expected failure: one line, exit 1 (details already printed above it). */
const fail = (text: string): never => {
  throw new CommandError(text);
};

const gatewayArgs = {
  gateway: urlOption({ description: 'Gateway base URL', default: 'http://127.0.0.1:8080' }),
  token: text({
    description:
      'Bearer token (connectors:register with your agency, or connectors:admin); default $EGW_TOKEN',
  }),
} as const;

const manifestFile = (description = 'Manifest JSON file') =>
  existingFile({ description, positional: true, required: true });

/** The manifest in a file, checked; problems are printed and undefined returned. */
function readManifest(file: string): ConnectorManifest | undefined {
  if (!existsSync(file)) {
    return fail(`${file}: no such file`);
  }
  const text = readFileSync(file, 'utf8');
  if (Buffer.byteLength(text) > MANIFEST_MAX_BYTES) {
    return fail(`${file}: larger than ${MANIFEST_MAX_BYTES} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(`${file}: not valid JSON`);
  }
  const parsed = ConnectorManifest.safeParse(json);
  if (parsed.success) return parsed.data;
  for (const e of zodIssuesToErrors(parsed.error.issues))
    process.stderr.write(`  ${e.path || '/'}: ${e.message}\n`);
  return fail(`${file}: ${parsed.error.issues.length} problem(s)`);
}

async function printJson(res: Response | undefined): Promise<unknown> {
  if (!res) return undefined;
  const json = (await res.json()) as unknown;
  out(JSON.stringify(json, null, 2));
  return json;
}

/** A manifest skeleton that validates as is: edit every value before registering. */
export function manifestSkeleton(options: {
  id: string;
  agency: string;
  kind: string;
  url: string;
}): ConnectorManifest {
  return ConnectorManifest.parse({
    manifestVersion: 1,
    id: options.id,
    version: '1.0.0',
    agency: { id: options.agency, name: 'Agency name', contact: 'integration@example.gov.cn' },
    registry: {
      kind: options.kind,
      name: 'Registry name',
      facts: {
        accountStatus: {
          type: 'string',
          values: ['active', 'sealed', 'closed'],
          description: 'edit: your facts',
        },
        monthlyDeposit: { type: 'number', description: 'yuan' },
      },
    },
    endpoint: { url: options.url, protocol: 'rest_json' },
    request: {
      method: 'POST',
      path: '/query',
      body: {
        requestId: '{{requestId}}',
        purpose: '{{purpose}}',
        consent: '{{consentReference}}',
        ids: '{{subjects}}',
      },
    },
    authentication: { type: 'mtls' },
    mapping: {
      records: '/data/records',
      subject: '/idNumber',
      facts: {
        accountStatus: { path: '/status', values: { '01': 'active', '02': 'sealed', '03': 'closed' } },
        monthlyDeposit: { path: '/monthlyDepositFen', divideBy: 100 },
      },
    },
    dataCategories: ['account_status'],
    purposes: ['legal_aid_eligibility'],
    timeoutMs: 2000,
    quota: { requestsPerMinute: 600 },
    regions: ['320100'],
    conformance: {
      cases: [
        {
          name: 'known_subject',
          subject: makeIdNumber('320102', '1985-03-14', 17),
          expect: 'found',
          facts: { accountStatus: 'active', monthlyDeposit: 1234.5 },
        },
        { name: 'unknown_subject', subject: makeIdNumber('320106', '1990-01-09', 31), expect: 'not_found' },
      ],
    },
  });
}

const init = defineEgwCommand({
  name: 'init',
  description:
    'Write a manifest skeleton (valid as is; edit every value). With --demo-port, one that egw connectors demo-endpoint serves on loopback',
  options: {
    id: text({ description: 'Connector id', default: 'my-registry' }),
    agency: text({ description: 'Your agency id (your token’s agency claim)', default: 'my-agency' }),
    kind: text({ description: 'Evidence kind, e.g. housing_fund', default: 'housing_fund' }),
    url: text({ description: 'Endpoint URL (https)' }),
    'demo-port': numberOption({
      description: 'Point the endpoint at https://localhost:PORT/api, where demo-endpoint listens',
      min: 1,
      max: 65_535,
    }),
    out: newFile({ description: 'Write to this file (never overwritten) instead of stdout' }),
  },
  run(o) {
    if (o.url && o['demo-port'] !== undefined) throw new UsageError('give --url or --demo-port, not both');
    const url =
      o.url ??
      (o['demo-port'] === undefined
        ? 'https://registry.example.gov.cn/api'
        : `https://localhost:${o['demo-port']}/api`);
    let manifest: ConnectorManifest;
    try {
      manifest = manifestSkeleton({ id: o.id, agency: o.agency, kind: o.kind, url });
    } catch (error) {
      const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues ?? [];
      const where = issues.map((i) => `/${i.path.map(String).join('/')}: ${i.message}`).join('; ');
      throw new UsageError(
        `--id, --agency, --kind or --url is not valid: ${where || 'see egw connectors validate'}`,
      );
    }
    const text = `${JSON.stringify(manifest, null, 2)}\n`;
    if (!o.out) {
      out(text);
      return 0;
    }
    if (existsSync(o.out)) throw new CommandError(`${o.out} already exists (not overwritten)`);
    writeFileSync(o.out, text, { flag: 'wx' });
    out(`wrote ${o.out}`);
    return 0;
  },
});

const validate = defineEgwCommand({
  name: 'validate',
  description: 'Check a manifest offline; prints every path at fault',
  options: { file: manifestFile() },
  run(o) {
    const manifest = readManifest(o.file);
    if (manifest)
      out(`${o.file}: valid (${manifest.id} ${manifest.version}, kind ${manifest.registry.kind})`);
    return undefined;
  },
});

const csr = defineEgwCommand({
  name: 'csr',
  description: 'Make the endpoint key and CSR; with --submit, get the certificate chain',
  options: {
    manifest: existingFile({
      description: 'Manifest file (the CSR names its endpoint host and agency)',
      required: true,
    }),
    key: newFile({
      description: 'Private key file: used if it exists, else created (0600)',
      default: 'endpoint-key.pem',
    }),
    out: newFile({ description: 'CSR file', default: 'endpoint.csr.pem' }),
    submit: flag({ description: 'Send it to the gateway and write the chain' }),
    chain: newFile({
      description: 'Where the certificate chain goes with --submit',
      default: 'endpoint-chain.pem',
    }),
    ...gatewayArgs,
  },
  async run(o) {
    const manifest = readManifest(o.manifest);
    if (!manifest) return 1;
    const host = new URL(manifest.endpoint.url).hostname.replace(/^\[|\]$/g, '');
    let keyPem: string;
    if (existsSync(o.key)) keyPem = readFileSync(o.key, 'utf8');
    else {
      keyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString();
      writeFileSync(o.key, keyPem, { mode: 0o600 });
    }
    const ip = /^[\d.]+$/.test(host) || host.includes(':');
    let key: ReturnType<typeof createPrivateKey>;
    try {
      key = createPrivateKey(keyPem);
    } catch {
      throw new UsageError(`--key ${o.key}: not a PEM private key`);
    }
    const pem = createCsr(
      key,
      { commonName: host, organization: manifest.agency.id },
      { dnsNames: ip ? [] : [host], ipAddresses: ip ? [host] : [] },
    );
    writeFileSync(o.out, pem);
    out(`wrote ${o.out} (CN=${host}, O=${manifest.agency.id}); key in ${o.key}`);
    if (!o.submit) return 0;
    const res = await callGateway(o, 'POST', `/v1/connectors/${manifest.id}/csr`, pem, 'application/pkcs10');
    if (!res) return 1;
    writeFileSync(o.chain, await res.text());
    out(`wrote ${o.chain} (serial ${res.headers.get('egw-certificate-serial') ?? '?'})`);
    return 0;
  },
});

const register = defineEgwCommand({
  name: 'register',
  description: 'Register a connector from its manifest',
  options: { file: manifestFile(), ...gatewayArgs },
  async run(o) {
    const manifest = readManifest(o.file);
    if (manifest) await printJson(await callGateway(o, 'POST', '/v1/connectors', JSON.stringify(manifest)));
    return undefined;
  },
});

const version = defineEgwCommand({
  name: 'version',
  description: 'Register a new manifest version (the active one keeps serving)',
  options: { file: manifestFile(), ...gatewayArgs },
  async run(o) {
    const manifest = readManifest(o.file);
    if (manifest)
      await printJson(
        await callGateway(o, 'POST', `/v1/connectors/${manifest.id}/versions`, JSON.stringify(manifest)),
      );
    return undefined;
  },
});

const idArg = { id: text({ description: 'Connector id', positional: true, required: true }) } as const;

const test = defineEgwCommand({
  name: 'test',
  description: 'Run conformance; exits 1 when a case fails',
  options: { ...idArg, ...gatewayArgs },
  async run(o) {
    const report = (await printJson(
      await callGateway(o, 'POST', `/v1/connectors/${encodeURIComponent(o.id)}/conformance`),
    )) as { passed?: boolean } | undefined;
    if (report && report.passed !== true) fail('conformance failed');
    return undefined;
  },
});

const status = defineEgwCommand({
  name: 'status',
  description: 'Show a connector (or all you may see)',
  options: { id: text({ description: 'Connector id', positional: true }), ...gatewayArgs },
  async run(o) {
    await printJson(
      await callGateway(o, 'GET', o.id ? `/v1/connectors/${encodeURIComponent(o.id)}` : '/v1/connectors'),
    );
    return undefined;
  },
});

const activate = defineEgwCommand({
  name: 'activate',
  description: 'Serve decisions with the conformant latest version',
  options: { ...idArg, ...gatewayArgs },
  async run(o) {
    await printJson(await callGateway(o, 'POST', `/v1/connectors/${encodeURIComponent(o.id)}/activate`));
    return undefined;
  },
});

const deactivate = defineEgwCommand({
  name: 'deactivate',
  description: 'Stop serving decisions',
  options: { ...idArg, ...gatewayArgs },
  async run(o) {
    await printJson(await callGateway(o, 'POST', `/v1/connectors/${encodeURIComponent(o.id)}/deactivate`));
    return undefined;
  },
});

const token = defineEgwCommand({
  name: 'token',
  description: 'Print a development token for an agency integrator (connectors:register + agency claim)',
  options: {
    agency: text({
      description: 'Agency id (the manifests it may register)',
      required: true,
      pattern: /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
      hint: 'an agency id (lower-case letters, digits, hyphens)',
    }),
    client: text({ description: 'Client id', default: 'agency-integrator' }),
    ttl: numberOption({
      description: 'Lifetime in seconds (at most a day)',
      default: 3600,
      min: 1,
      max: 86_400,
      unit: 's',
    }),
    data: dataOption({ mustExist: true }),
  },
  async run(o) {
    const { privateJwk, kid } = await loadDevIssuerKey(o.data);
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ scope: 'connectors:register', client_id: o.client, agency: o.agency })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEFAULT_AUDIENCE)
      .setSubject(o.client)
      .setIssuedAt(now)
      .setExpirationTime(now + o.ttl)
      .setJti(randomUUID())
      .sign(privateJwk);
    // Low-S: the gateway refuses the high-S twin of an ECDSA signature (issue 11).
    out(toLowS(jwt));
    return 0;
  },
});

const demoEndpoint = defineEgwCommand({
  name: 'demo-endpoint',
  description:
    'Serve a manifest’s conformance subjects on loopback over mutual TLS, as a partner registry would (for trying the flow)',
  options: {
    manifest: existingFile({
      description: 'Manifest file (from egw connectors init --demo-port N)',
      required: true,
    }),
    key: existingFile({
      description: 'Endpoint private key (from egw connectors csr)',
      default: 'endpoint-key.pem',
    }),
    chain: existingFile({
      description: 'Certificate chain from the gateway CA (egw connectors csr --submit)',
      default: 'endpoint-chain.pem',
    }),
    gateway: gatewayArgs.gateway,
  },
  async run(o) {
    const manifest = readManifest(o.manifest);
    if (!manifest) return 1;
    const response = await fetchOrExplain(`${o.gateway}/v1/connectors/ca`);
    if (!response.ok)
      throw new CommandError(`${o.gateway}/v1/connectors/ca answered HTTP ${response.status}`);
    const { certificate } = (await response.json()) as { certificate: string };
    const endpoint = await startDemoEndpoint({
      manifest,
      keyPem: readFileSync(o.key, 'utf8'),
      chainPem: readFileSync(o.chain, 'utf8'),
      caPem: certificate,
    });
    onStopSignal(() => endpoint.close());
    out(
      `demo endpoint for ${manifest.id} on ${endpoint.url} (mutual TLS, client certificates from the gateway CA); ${endpoint.subjects} subject(s) known. Ctrl-C stops it.`,
    );
    return 0;
  },
});

export const connectors = defineEgwGroup(
  'connectors',
  'Partner connectors: init, validate, csr, register, version, test, activate, deactivate, status, token, demo-endpoint',
  {
    init,
    validate,
    csr,
    register,
    version,
    test,
    status,
    activate,
    deactivate,
    token,
    'demo-endpoint': demoEndpoint,
  },
);
