/**
 * `egw connectors …`: what a partner agency's integrator runs. `init` writes a manifest
 * skeleton, `validate` checks one offline (every path at fault), `csr` makes the endpoint's
 * ECDSA P-256 key and CSR (and submits it when given a gateway), `register` / `version`
 * send a manifest, `test` runs conformance, `activate` / `deactivate` switch it, `status`
 * shows it. Gateway commands take `--gateway URL` and `--token T` (or EGW_TOKEN).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { defineCommand } from 'citty';
import { SignJWT } from 'jose';
import { ConnectorManifest, MANIFEST_MAX_BYTES } from '../../schemas/connector-manifest.ts';
import { makeIdNumber } from '../../schemas/id-number.ts';
import { DEFAULT_AUDIENCE, DEV_ISSUER, loadDevIssuerKey } from '../adapters/node/key-files.ts';
import { createCsr } from '../adapters/node/x509-der.ts';
import { zodIssuesToErrors } from '../http/problems.ts';

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const fail = (text: string) => {
  process.stderr.write(`egw connectors: ${text}\n`);
  process.exitCode = 1;
};

const gatewayArgs = {
  gateway: { type: 'string', description: 'Gateway base URL', default: 'http://127.0.0.1:8080' },
  token: {
    type: 'string',
    description:
      'Bearer token (connectors:register with your agency, or connectors:admin); default $EGW_TOKEN',
  },
} as const;

/** The manifest in a file, checked; problems are printed and undefined returned. */
function readManifest(file: string): ConnectorManifest | undefined {
  if (!existsSync(file)) {
    fail(`${file}: no such file`);
    return undefined;
  }
  const text = readFileSync(file, 'utf8');
  if (Buffer.byteLength(text) > MANIFEST_MAX_BYTES) {
    fail(`${file}: larger than ${MANIFEST_MAX_BYTES} bytes`);
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    fail(`${file}: not valid JSON`);
    return undefined;
  }
  const parsed = ConnectorManifest.safeParse(json);
  if (parsed.success) return parsed.data;
  for (const e of zodIssuesToErrors(parsed.error.issues))
    process.stderr.write(`  ${e.path || '/'}: ${e.message}\n`);
  fail(`${file}: ${parsed.error.issues.length} problem(s)`);
  return undefined;
}

async function callGateway(
  args: { gateway: string; token?: string },
  method: 'GET' | 'POST',
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<Response | undefined> {
  const token = args.token ?? process.env.EGW_TOKEN;
  if (!token) {
    fail('give --token or set EGW_TOKEN');
    return undefined;
  }
  const res = await fetch(`${args.gateway.replace(/\/+$/, '')}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { body }),
  });
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as {
      title?: string;
      detail?: string;
      errors?: { path: string; message: string }[];
    };
    for (const e of problem.errors ?? []) process.stderr.write(`  ${e.path || '/'}: ${e.message}\n`);
    fail(`HTTP ${res.status}: ${problem.title ?? ''}${problem.detail ? ` — ${problem.detail}` : ''}`);
    return undefined;
  }
  return res;
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

const init = defineCommand({
  meta: { name: 'init', description: 'Write a manifest skeleton (valid as is; edit every value)' },
  args: {
    id: { type: 'string', description: 'Connector id', default: 'my-registry' },
    agency: {
      type: 'string',
      description: 'Your agency id (your token’s agency claim)',
      default: 'my-agency',
    },
    kind: { type: 'string', description: 'Evidence kind, e.g. housing_fund', default: 'housing_fund' },
    url: {
      type: 'string',
      description: 'Endpoint URL (https)',
      default: 'https://registry.example.gov.cn/api',
    },
    out: { type: 'string', description: 'Write to this file instead of stdout' },
  },
  run({ args }) {
    let text: string;
    try {
      text = `${JSON.stringify(manifestSkeleton(args), null, 2)}\n`;
    } catch {
      fail('id, agency, kind or url is not valid (see egw connectors validate for the rules)');
      return;
    }
    if (args.out) {
      writeFileSync(args.out, text, { flag: 'wx' });
      out(`wrote ${args.out}`);
    } else out(text);
  },
});

const validate = defineCommand({
  meta: { name: 'validate', description: 'Check a manifest offline; prints every path at fault' },
  args: { file: { type: 'positional', description: 'Manifest JSON file', required: true } },
  run({ args }) {
    const manifest = readManifest(args.file);
    if (manifest)
      out(`${args.file}: valid (${manifest.id} ${manifest.version}, kind ${manifest.registry.kind})`);
  },
});

const csr = defineCommand({
  meta: {
    name: 'csr',
    description: 'Make the endpoint key and CSR; with --submit, get the certificate chain',
  },
  args: {
    manifest: {
      type: 'string',
      description: 'Manifest file (the CSR names its endpoint host and agency)',
      required: true,
    },
    key: {
      type: 'string',
      description: 'Private key file: used if it exists, else created (0600)',
      default: 'endpoint-key.pem',
    },
    out: { type: 'string', description: 'CSR file', default: 'endpoint.csr.pem' },
    submit: { type: 'boolean', description: 'Send it to the gateway and write the chain' },
    chain: {
      type: 'string',
      description: 'Where the certificate chain goes with --submit',
      default: 'endpoint-chain.pem',
    },
    ...gatewayArgs,
  },
  async run({ args }) {
    const manifest = readManifest(args.manifest);
    if (!manifest) return;
    const host = new URL(manifest.endpoint.url).hostname.replace(/^\[|\]$/g, '');
    let keyPem: string;
    if (existsSync(args.key)) keyPem = readFileSync(args.key, 'utf8');
    else {
      keyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString();
      writeFileSync(args.key, keyPem, { mode: 0o600 });
    }
    const { createPrivateKey } = await import('node:crypto');
    const ip = /^[\d.]+$/.test(host) || host.includes(':');
    const pem = createCsr(
      createPrivateKey(keyPem),
      { commonName: host, organization: manifest.agency.id },
      { dnsNames: ip ? [] : [host], ipAddresses: ip ? [host] : [] },
    );
    writeFileSync(args.out, pem);
    out(`wrote ${args.out} (CN=${host}, O=${manifest.agency.id}); key in ${args.key}`);
    if (!args.submit) return;
    const res = await callGateway(
      args,
      'POST',
      `/v1/connectors/${manifest.id}/csr`,
      pem,
      'application/pkcs10',
    );
    if (!res) return;
    writeFileSync(args.chain, await res.text());
    out(`wrote ${args.chain} (serial ${res.headers.get('egw-certificate-serial') ?? '?'})`);
  },
});

const register = defineCommand({
  meta: { name: 'register', description: 'Register a connector from its manifest' },
  args: { file: { type: 'positional', description: 'Manifest JSON file', required: true }, ...gatewayArgs },
  async run({ args }) {
    const manifest = readManifest(args.file);
    if (manifest)
      await printJson(await callGateway(args, 'POST', '/v1/connectors', JSON.stringify(manifest)));
  },
});

const version = defineCommand({
  meta: { name: 'version', description: 'Register a new manifest version (the active one keeps serving)' },
  args: { file: { type: 'positional', description: 'Manifest JSON file', required: true }, ...gatewayArgs },
  async run({ args }) {
    const manifest = readManifest(args.file);
    if (manifest)
      await printJson(
        await callGateway(args, 'POST', `/v1/connectors/${manifest.id}/versions`, JSON.stringify(manifest)),
      );
  },
});

const idArg = { id: { type: 'positional', description: 'Connector id', required: true } } as const;

const test = defineCommand({
  meta: { name: 'test', description: 'Run conformance; exits 1 when a case fails' },
  args: { ...idArg, ...gatewayArgs },
  async run({ args }) {
    const report = (await printJson(
      await callGateway(args, 'POST', `/v1/connectors/${encodeURIComponent(args.id)}/conformance`),
    )) as { passed?: boolean } | undefined;
    if (report && report.passed !== true) fail('conformance failed');
  },
});

const status = defineCommand({
  meta: { name: 'status', description: 'Show a connector (or all you may see)' },
  args: { id: { type: 'positional', description: 'Connector id', required: false }, ...gatewayArgs },
  async run({ args }) {
    await printJson(
      await callGateway(
        args,
        'GET',
        args.id ? `/v1/connectors/${encodeURIComponent(args.id)}` : '/v1/connectors',
      ),
    );
  },
});

const activate = defineCommand({
  meta: { name: 'activate', description: 'Serve decisions with the conformant latest version' },
  args: { ...idArg, ...gatewayArgs },
  async run({ args }) {
    await printJson(
      await callGateway(args, 'POST', `/v1/connectors/${encodeURIComponent(args.id)}/activate`),
    );
  },
});

const deactivate = defineCommand({
  meta: { name: 'deactivate', description: 'Stop serving decisions' },
  args: { ...idArg, ...gatewayArgs },
  async run({ args }) {
    await printJson(
      await callGateway(args, 'POST', `/v1/connectors/${encodeURIComponent(args.id)}/deactivate`),
    );
  },
});

const token = defineCommand({
  meta: {
    name: 'token',
    description: 'Print a development token for an agency integrator (connectors:register + agency claim)',
  },
  args: {
    agency: { type: 'string', description: 'Agency id (the manifests it may register)', required: true },
    client: { type: 'string', description: 'Client id', default: 'agency-integrator' },
    ttl: { type: 'string', description: 'Lifetime in seconds (at most a day)', default: '3600' },
    data: {
      type: 'string',
      description: 'Data directory of the gateway (development issuer)',
      default: './data',
    },
  },
  async run({ args }) {
    const ttl = Number(args.ttl);
    if (
      !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(args.agency) ||
      !Number.isInteger(ttl) ||
      ttl <= 0 ||
      ttl > 86_400
    ) {
      fail('agency must be an agency id (lower-case letters, digits, hyphens) and ttl 1 … 86400');
      return;
    }
    const { privateJwk, kid } = await loadDevIssuerKey(args.data);
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({
      scope: 'connectors:register',
      client_id: args.client,
      agency: args.agency,
    })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEFAULT_AUDIENCE)
      .setSubject(args.client)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(privateJwk);
    out(jwt);
  },
});

export const connectors = defineCommand({
  meta: {
    name: 'connectors',
    description:
      'Partner connectors: init, validate, csr, register, version, test, activate, deactivate, status, token',
  },
  subCommands: { init, validate, csr, register, version, test, status, activate, deactivate, token },
});
