/**
 * What the gateway needs to talk to the three built-in registries: a plain, serialisable
 * object (it can be written to a file, passed to a worker, or produced by
 * `startSandboxes`). It holds secrets: keep it out of logs.
 */
import { z } from 'zod';

const HttpUrl = z.url({ protocol: /^https?$/ });
const Pem = (label: string) =>
  z.string().regex(new RegExp(`-----BEGIN ${label}-----`), `must be a PEM ${label}`);

/** Civil affairs: REST/JSON signed with an app key and HMAC-SHA256. */
export const CivilAffairsConnectorConfig = z.strictObject({
  baseUrl: HttpUrl,
  appKey: z.string().min(1).max(64),
  appSecret: z.string().min(16).max(256),
});
export type CivilAffairsConnectorConfig = z.infer<typeof CivilAffairsConnectorConfig>;

/** HRSS: SOAP 1.1 over mutual TLS. */
export const HrssConnectorConfig = z.strictObject({
  baseUrl: z.url({ protocol: /^https$/ }),
  caPem: Pem('CERTIFICATE'),
  clientCertPem: Pem('CERTIFICATE'),
  clientKeyPem: z.string().regex(/-----BEGIN (RSA |EC )?PRIVATE KEY-----/, 'must be a PEM private key'),
  servername: z.string().min(1).optional(),
});
export type HrssConnectorConfig = z.infer<typeof HrssConnectorConfig>;

/** The agency-issued private key, as a JWK (EC P-256, ES256). */
export const Es256PrivateJwk = z.looseObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
});
export type Es256PrivateJwk = z.infer<typeof Es256PrivateJwk>;

/** Disability federation: REST/JSON with an ES256 JWT bearer signed with the agency-issued key. */
export const DisabilityConnectorConfig = z.strictObject({
  baseUrl: HttpUrl,
  issuer: z.string().min(1),
  audience: z.string().min(1),
  kid: z.string().min(1),
  privateJwk: Es256PrivateJwk,
});
export type DisabilityConnectorConfig = z.infer<typeof DisabilityConnectorConfig>;

/**
 * The three connectors' configuration.
 * @example BuiltInConnectorConfig.parse(JSON.parse(readFileSync('connectors.json', 'utf8')))
 */
export const BuiltInConnectorConfig = z.strictObject({
  civilAffairs: CivilAffairsConnectorConfig,
  hrss: HrssConnectorConfig,
  disability: DisabilityConnectorConfig,
});
export type BuiltInConnectorConfig = z.infer<typeof BuiltInConnectorConfig>;

/**
 * Parses a configuration eagerly, with an error that lists the paths at fault (never the values).
 * @example const config = checkConfig(CivilAffairsConnectorConfig, input, 'civil affairs');
 */
export function checkConfig<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const paths = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  throw new TypeError(`invalid ${what} connector configuration: ${paths.join('; ')}`);
}
