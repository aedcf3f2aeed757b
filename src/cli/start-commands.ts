/**
 * `egw start` (the embedded default: gateway + SQLite + log + sandbox registries) and
 * `egw sandbox` (the three simulated registries alone).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defineCommand } from 'citty';
import { z } from 'zod';
import {
  type BuiltInConnectorConfig,
  generatePopulation,
  loadFixtures,
  startSandboxes,
} from '../../connectors/index.ts';
import { SOURCES, type Source } from '../../schemas/common.ts';
import type { Fixtures } from '../../schemas/index.ts';
import { issueDevToken } from '../adapters/node/key-files.ts';
import { GatewayError } from '../core/errors.ts';
import type { TrustedIssuer } from '../http/auth.ts';
import { startGateway } from '../runtime/node.ts';
import { sampleRequest } from './sample-request.ts';

const dataArg = {
  type: 'string',
  description: 'Data directory (SQLite file, keys, development issuer)',
  default: './data',
} as const;

async function fixturesFrom(file: string | undefined): Promise<Fixtures> {
  return file ? loadFixtures(file) : generatePopulation({ seed: 'egw-sandbox', size: 2000 });
}

function onSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping…`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

export const start = defineCommand({
  meta: { name: 'start', description: 'Start the gateway with SQLite, the log and the sandbox registries' },
  args: {
    port: { type: 'string', description: 'Port (0 = any free port)', default: '8080' },
    host: { type: 'string', description: 'Address to listen on', default: '127.0.0.1' },
    fixtures: {
      type: 'string',
      description: 'Sandbox fixture file (default: a generated synthetic population)',
    },
    registries: {
      type: 'string',
      description: 'Connector config JSON of registries already running (skips the sandboxes)',
    },
    'deadline-ms': {
      type: 'string',
      description: 'One deadline for all registry queries of a request',
      default: '800',
    },
    quota: {
      type: 'string',
      description:
        'Queries/s each registry grants, online before batch, e.g. civil_affairs=50,hrss=20,disability=30',
    },
    issuers: {
      type: 'string',
      description: 'JSON file of trusted token issuers: [{ issuer, audience, jwks | jwksUrl }]',
    },
    'dev-issuer': {
      type: 'boolean',
      description: 'Accept tokens from the development issuer under --data (--no-dev-issuer in production)',
      default: true,
    },
    'log-origin': { type: 'string', description: 'The log origin (first line of every checkpoint)' },
    quiet: { type: 'boolean', description: 'No request log lines' },
    data: dataArg,
  },
  async run({ args }) {
    const dataDir = resolve(args.data);
    const issuers = args.issuers ? await loadIssuers(args.issuers) : [];
    const trustDevIssuer = args['dev-issuer'] !== false;
    const registryQuotas = args.quota ? parseQuotas(args.quota) : undefined;
    const fixtures = await fixturesFrom(args.fixtures);
    const sandboxes = args.registries ? undefined : await startSandboxes({ fixtures });
    const registries = args.registries
      ? (JSON.parse(await readFile(args.registries, 'utf8')) as BuiltInConnectorConfig)
      : (sandboxes?.connectorConfig as BuiltInConnectorConfig);
    const gateway = await startGateway({
      dataDir,
      host: args.host,
      port: Number(args.port),
      registries,
      registryDeadlineMs: Number(args['deadline-ms']),
      issuers,
      trustDevIssuer,
      ...(args['log-origin'] ? { logOrigin: args['log-origin'] } : {}),
      ...(registryQuotas ? { registryQuotas } : {}),
      ...(args.quiet
        ? {}
        : {
            logger: (line) =>
              process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`),
          }),
    });
    const token = trustDevIssuer
      ? await issueDevToken({
          dataDir,
          scopes: 'verifications:write verifications:read subjects:read audit:read',
          ttlSeconds: 12 * 3600,
        })
      : undefined;
    const requestFile = join(dataDir, 'sample-request.json');
    await writeFile(requestFile, `${JSON.stringify(sampleRequest(fixtures), null, 2)}\n`);
    console.log(`Eligibility Gateway listening on ${gateway.url}
  data:        ${dataDir}
  registries:  ${sandboxes ? `sandboxes (${fixtures.persons.length} synthetic people)` : args.registries}
  log:         ${gateway.url}/v1/log/checkpoint    docs: ${gateway.url}/docs

${
  token
    ? `Development token (12 h; scopes verifications:write verifications:read subjects:read audit:read):\n${token}`
    : `Development issuer disabled: tokens must come from the ${issuers.length} issuer(s) in ${args.issuers ?? '(none)'}.`
}

Sample request (synthetic applicant):
curl -sS -X POST ${gateway.url}/v1/verifications \\
  -H "Authorization: Bearer ${token ? `$(npm run -s egw -- token --data ${args.data} --scope verifications:write)` : '$TOKEN'}" \\
  -H "Content-Type: application/json" -H "Accept-Language: zh-CN" \\
  -H "Idempotency-Key: sample-$(date +%s)" \\
  --data @${requestFile}
`);
    onSignal(async () => {
      await gateway.close();
      await sandboxes?.close();
    });
  },
});

const IssuersFile = z.array(
  z
    .strictObject({
      issuer: z.string().min(1),
      audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
      jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(),
      jwksUrl: z.url().optional(),
    })
    .refine(
      (i) => (i.jwks === undefined) !== (i.jwksUrl === undefined),
      'give exactly one of jwks and jwksUrl',
    ),
);

/** The operator's trusted issuers; throws a readable error naming the file and paths. */
async function loadIssuers(file: string): Promise<TrustedIssuer[]> {
  const parsed = IssuersFile.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `/${i.path.join('/')}: ${i.message}`).join('; ');
    throw new GatewayError('ERR_VALIDATION', `--issuers ${file}: ${where}`);
  }
  return parsed.data.map((i) => ({
    issuer: i.issuer,
    audience: i.audience,
    ...(i.jwks ? { jwks: i.jwks as unknown as TrustedIssuer['jwks'] } : {}),
    ...(i.jwksUrl ? { jwksUrl: i.jwksUrl } : {}),
  }));
}

/** `civil_affairs=50,hrss=20` → `{ civil_affairs: 50, hrss: 20 }`; throws on an unknown source or a bad rate. */
export function parseQuotas(text: string): Partial<Record<Source, number>> {
  const quotas: Partial<Record<Source, number>> = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [name = '', value = ''] = part.split('=').map((v) => v.trim());
    const source = SOURCES.find((s) => s === name);
    const rate = Number(value);
    if (!source || !(rate > 0))
      throw new GatewayError('ERR_VALIDATION', `--quota: expected source=rate, got "${part}"`);
    quotas[source] = rate;
  }
  return quotas;
}

export const sandbox = defineCommand({
  meta: { name: 'sandbox', description: 'Start the three simulated registries alone, on loopback' },
  args: {
    fixtures: {
      type: 'string',
      description: 'Sandbox fixture file (default: a generated synthetic population)',
    },
    data: dataArg,
  },
  async run({ args }) {
    const sandboxes = await startSandboxes({ fixtures: await fixturesFrom(args.fixtures) });
    const file = join(resolve(args.data), 'sandbox-registries.json');
    await writeFile(file, `${JSON.stringify(sandboxes.connectorConfig, null, 2)}\n`, { mode: 0o600 });
    console.log(`Sandbox registries on loopback:
  civil affairs (REST/JSON, app key + HMAC):   ${sandboxes.civilAffairs.url}
  HRSS (SOAP/XML over mutual TLS):             ${sandboxes.hrss.url}
  disability (REST/JSON, agency-signed JWT):   ${sandboxes.disability.url}
Connector config (secrets): ${file}
  use it with: egw start --registries ${file}`);
    onSignal(() => sandboxes.close());
  },
});
