/**
 * `egw start` (the embedded default: gateway + SQLite + log + sandbox registries) and
 * `egw sandbox` (the three simulated registries alone).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  BuiltInConnectorConfig,
  FixturesError,
  generatePopulation,
  loadFixtures,
  startSandboxes,
} from '../../connectors/index.ts';
import { SOURCES, type Source } from '../../schemas/common.ts';
import { PeerTrustList } from '../../schemas/federation.ts';
import type { Fixtures } from '../../schemas/index.ts';
import { issueDevToken } from '../adapters/node/key-files.ts';
import { REGION_CODES } from '../core/policy/index.ts';
import type { TrustedIssuer } from '../http/auth.ts';
import { type RunningGateway, startGateway } from '../runtime/node.ts';
import { UsageError } from './cli-errors.ts';
import { defineEgwCommand } from './egw-command.ts';
import { fabricProfileOption } from './ledger-options.ts';
import {
  choice,
  converted,
  dataOption,
  existingFile,
  flag,
  jsonFile,
  numberOption,
  portOption,
  text,
} from './options.ts';
import { sampleRequest } from './sample-request.ts';
import { onStopSignal, shellQuote } from './signals.ts';

/**
 * The package root, the nearest folder with a package.json above this file (src/cli here,
 * dist/src/cli in the compiled build): `npm --prefix ROOT run -s egw` works from any folder.
 */
const PACKAGE_ROOT = (() => {
  for (let dir = import.meta.dirname; dirname(dir) !== dir; dir = dirname(dir))
    if (existsSync(join(dir, 'package.json'))) return dir;
  return resolve(import.meta.dirname, '../..');
})();

async function fixturesFrom(file: string | undefined): Promise<Fixtures> {
  if (!file) return generatePopulation({ seed: 'egw-sandbox', size: 2000 });
  try {
    return await loadFixtures(file);
  } catch (error) {
    if (!(error instanceof FixturesError)) throw error;
    const where = error.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    throw new UsageError(`--fixtures ${file}: ${where || error.message}`);
  }
}

const fixturesOption = existingFile({
  description: 'Sandbox fixture file (default: a generated synthetic population)',
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

function trustedIssuers(file: z.output<typeof IssuersFile>): TrustedIssuer[] {
  return file.map((i) => ({
    issuer: i.issuer,
    audience: i.audience,
    ...(i.jwks ? { jwks: i.jwks as unknown as TrustedIssuer['jwks'] } : {}),
    ...(i.jwksUrl ? { jwksUrl: i.jwksUrl } : {}),
  }));
}

/** `civil_affairs=50,hrss=20` → `{ civil_affairs: 50, hrss: 20 }`; throws on an unknown source or a bad rate. */
export function parseQuotas(value: string, flagName = '--quota'): Partial<Record<Source, number>> {
  const quotas: Partial<Record<Source, number>> = {};
  for (const part of value.split(',').filter((p) => p.trim() !== '')) {
    const [name = '', rate = ''] = part.split('=').map((v) => v.trim());
    const source = SOURCES.find((s) => s === name);
    const n = Number(rate);
    if (!source || !(n > 0) || n > 100_000)
      throw new UsageError(
        `${flagName}: expected source=rate with a source of ${SOURCES.join(', ')} and a rate above 0, got "${part}"`,
      );
    quotas[source] = n;
  }
  return quotas;
}

export const start = defineEgwCommand({
  name: 'start',
  description: 'Start the gateway with SQLite, the log and the sandbox registries',
  options: {
    port: portOption({ default: 8080 }),
    host: text({ description: 'Address to listen on', default: '127.0.0.1' }),
    fixtures: fixturesOption,
    registries: jsonFile({
      description:
        'Connector config JSON of registries already running (skips the sandboxes; schema: schemas/json/registries.schema.json)',
      schema: BuiltInConnectorConfig,
    }),
    'deadline-ms': numberOption({
      description: 'One deadline for all registry queries of a request, in milliseconds',
      default: 800,
      min: 50,
      max: 30_000,
      unit: 'ms',
    }),
    'reverify-interval-ms': numberOption({
      description:
        'How often the re-verification worker looks for decisions whose registries may have recovered',
      default: 30_000,
      min: 100,
      max: 3_600_000,
      unit: 'ms',
    }),
    'reverify-backoff-ms': numberOption({
      description:
        'First retry delay of a re-verification whose registry is still down (doubled per attempt, up to 6 h)',
      default: 60_000,
      min: 100,
      max: 21_600_000,
      unit: 'ms',
    }),
    quota: converted(
      {
        description:
          'Queries/s each registry grants, online before batch, e.g. civil_affairs=50,hrss=20,disability=30',
      },
      parseQuotas,
    ),
    issuers: jsonFile({
      description: 'JSON file of trusted token issuers: [{ issuer, audience, jwks | jwksUrl }]',
      schema: IssuersFile,
    }),
    'dev-issuer': flag({
      description: 'Accept tokens from the development issuer under --data (--no-dev-issuer in production)',
      default: true,
    }),
    'log-origin': text({
      description: 'The log origin (first line of every checkpoint); fixed once the log has leaves',
      pattern: /^[\x21-\x7e]{1,255}$/,
      hint: 'printable text without spaces, e.g. gateway.example.gov.cn/log',
    }),
    ledger: choice({
      description: 'Where checkpoints are anchored: embedded (no ledger) or fabric (needs --fabric-profile)',
      options: ['embedded', 'fabric'],
      default: 'embedded',
    }),
    'fabric-profile': fabricProfileOption({
      description:
        'Fabric connection profile JSON of this organisation (npm run fabric:up writes .fabric-network/profiles/justice.json)',
    }),
    region: choice({
      description:
        'The region whose policy decides here (Legal Aid Law art. 34: where the application is made): cn-320100 Nanjing, cn-320500 Suzhou',
      options: REGION_CODES,
      default: 'cn-320100',
    }),
    peers: jsonFile({
      description:
        'Trust list of peer gateways of other regions: { peers: [{ region, baseUrl, logOrigin, logKey, jwks }] } (issue 16; schemas/json/peer-trust-list.schema.json)',
      schema: PeerTrustList,
    }),
    quiet: flag({ description: 'No request log lines' }),
    data: dataOption({ create: true }),
  },
  async run(o) {
    const dataDir = o.data;
    if (o.ledger === 'fabric' && !o['fabric-profile'])
      throw new UsageError(
        '--ledger fabric needs --fabric-profile FILE (npm run fabric:up writes one per organisation)',
      );
    if (o.ledger !== 'fabric' && o['fabric-profile'])
      throw new UsageError('--fabric-profile is only used with --ledger fabric');
    const ledger = o['fabric-profile']
      ? { kind: 'fabric' as const, profile: o['fabric-profile'] }
      : undefined;
    const issuers = o.issuers ? trustedIssuers(o.issuers.value) : [];
    const trustDevIssuer = o['dev-issuer'];
    const fixtures = await fixturesFrom(o.fixtures);
    const sandboxes = o.registries ? undefined : await startSandboxes({ fixtures });
    const registries = o.registries?.value ?? (sandboxes?.connectorConfig as BuiltInConnectorConfig);
    let gateway: RunningGateway | undefined;
    onStopSignal(async () => {
      await gateway?.close();
      await sandboxes?.close();
    });
    gateway = await startGateway({
      dataDir,
      host: o.host,
      port: o.port,
      registries,
      registryDeadlineMs: o['deadline-ms'],
      region: o.region,
      ...(o.peers ? { peers: o.peers.value.peers } : {}),
      reverification: {
        intervalMs: o['reverify-interval-ms'],
        backoffBaseMs: o['reverify-backoff-ms'],
      },
      issuers,
      trustDevIssuer,
      ...(o['log-origin'] ? { logOrigin: o['log-origin'] } : {}),
      ...(ledger ? { ledger } : {}),
      ...(o.quota ? { registryQuotas: o.quota } : {}),
      ...(o.quiet
        ? {}
        : {
            logger: (line) =>
              process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`),
          }),
    });
    const token = trustDevIssuer
      ? await issueDevToken({
          dataDir,
          scopes: DEV_TOKEN_SCOPES,
          ttlSeconds: 12 * 3600,
        })
      : undefined;
    const requestFile = join(dataDir, 'sample-request.json');
    // The sample applies where this gateway decides: its region's city code.
    const sample = { ...sampleRequest(fixtures), region: o.region.slice('cn-'.length) };
    await writeFile(requestFile, `${JSON.stringify(sample, null, 2)}\n`);
    process.stdout.write(
      `Eligibility Gateway listening on ${gateway.url}
  data:        ${dataDir}
  registries:  ${sandboxes ? `sandboxes (${fixtures.persons.length} synthetic people)` : o.registries?.path}
  log:         ${gateway.url}/v1/log/checkpoint    docs: ${gateway.url}/docs
  console:     ${gateway.url}/console    (sign in with a token holding console:read${token ? ', such as the one below' : ''})

${
  token
    ? `Development token (12 h; scopes ${DEV_TOKEN_SCOPES}):\n${token}`
    : `Development issuer disabled: tokens must come from the ${issuers.length} issuer(s) in ${o.issuers?.path ?? '(none)'}.`
}

${sampleCommands({ url: gateway.url, dataDir, requestFile, devIssuer: token !== undefined })}
`,
    );
    return undefined;
  },
});

/** What the printed development token may do: the sample, reading it back, and the console. */
const DEV_TOKEN_SCOPES = 'verifications:write verifications:read subjects:read audit:read console:read';

/**
 * The copy-paste sample: absolute paths only, so it works from any folder; the token step
 * fails loudly (its one-line error, and curl does not run); curl fails on an HTTP error and
 * saves the decision; the auditor's check follows.
 */
export function sampleCommands(o: {
  readonly url: string;
  readonly dataDir: string;
  readonly requestFile: string;
  readonly devIssuer: boolean;
}): string {
  const egw = `npm --prefix ${shellQuote(PACKAGE_ROOT)} run -s egw --`;
  const tokenStep = o.devIssuer
    ? `TOKEN=$(${egw} token --data ${shellQuote(o.dataDir)} --scope verifications:write) &&`
    : '# TOKEN: an access token with verifications:write from one of your issuers';
  return `Sample request (synthetic applicant; runs from any folder, saves ./decision.json, then verifies it):
${tokenStep}
curl -sS --fail -X POST ${o.url}/v1/verifications \\
  -H "Authorization: Bearer $TOKEN" \\
  -H "Content-Type: application/json" -H "Accept-Language: zh-CN" \\
  -H "Idempotency-Key: sample-$(date +%s)" \\
  --data @${shellQuote(o.requestFile)} -o decision.json &&
${egw} audit verify decision.json --gateway ${o.url}`;
}

export const sandbox = defineEgwCommand({
  name: 'sandbox',
  description: 'Start the three simulated registries alone, on loopback',
  options: {
    fixtures: fixturesOption,
    data: dataOption({ create: true }),
  },
  async run(o) {
    const fixtures = await fixturesFrom(o.fixtures);
    const sandboxes = await startSandboxes({ fixtures });
    onStopSignal(() => sandboxes.close());
    const file = join(o.data, 'sandbox-registries.json');
    await writeFile(file, `${JSON.stringify(sandboxes.connectorConfig, null, 2)}\n`, { mode: 0o600 });
    process.stdout.write(`Sandbox registries on loopback:
  civil affairs (REST/JSON, app key + HMAC):   ${sandboxes.civilAffairs.url}
  HRSS (SOAP/XML over mutual TLS):             ${sandboxes.hrss.url}
  disability (REST/JSON, agency-signed JWT):   ${sandboxes.disability.url}
Connector config (secrets): ${file}
  use it with: egw start --registries ${file}
`);
    return undefined;
  },
});
