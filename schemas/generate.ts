/**
 * Writes the JSON Schema (draft 2020-12) of every wire format to schemas/json/, from the zod
 * sources. `npm run schemas:generate` after changing a schema; tests/unit/schemas fails
 * when the committed files drift from the sources.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BuiltInConnectorConfig } from '../connectors/built-in-config.ts';
import { ConnectorManifest } from './connector-manifest.ts';
import { Decision, Evidence, Receipt } from './decision.ts';
import {
  FederationFacts,
  FederationFactsRequest,
  FederationFactsResponse,
  PeerTrustList,
} from './federation.ts';
import { IndicatorReport } from './indicators.ts';
import { Problem } from './problem.ts';
import { Fixtures } from './registry-records.ts';
import { ReviewRequest } from './review.ts';
import { VerificationRequest } from './verification-request.ts';
import { ChangeFeed, WebhookEvent } from './webhook.ts';

export const WIRE_SCHEMAS = {
  'verification-request': { schema: VerificationRequest, io: 'input' },
  'review-request': { schema: ReviewRequest, io: 'input' },
  decision: { schema: Decision, io: 'output' },
  evidence: { schema: Evidence, io: 'output' },
  receipt: { schema: Receipt, io: 'output' },
  problem: { schema: Problem, io: 'output' },
  // What a webhook receiver gets (issue 13), and the change feed's answer.
  'webhook-event': { schema: WebhookEvent, io: 'output' },
  'change-feed': { schema: ChangeFeed, io: 'output' },
  // The centre's performance indicators (issue 15): counts and durations only.
  indicators: { schema: IndicatorReport, io: 'output' },
  fixtures: { schema: Fixtures, io: 'input' },
  'connector-manifest': { schema: ConnectorManifest, io: 'input' },
  // The operator's `egw start --registries FILE` (secrets: never commit a filled-in one).
  registries: { schema: BuiltInConnectorConfig, io: 'input' },
  // Issue 16: the trust list (`egw start --peers FILE`) and the question and answer between gateways.
  'peer-trust-list': { schema: PeerTrustList, io: 'input' },
  'federation-facts-request': { schema: FederationFactsRequest, io: 'input' },
  'federation-facts-response': { schema: FederationFactsResponse, io: 'output' },
  'federation-facts': { schema: FederationFacts, io: 'output' },
} as const;

export const JSON_DIR = join(dirname(fileURLToPath(import.meta.url)), 'json');

/** The JSON text of one schema, exactly as committed. */
export function jsonSchemaText(name: keyof typeof WIRE_SCHEMAS): string {
  const { schema, io } = WIRE_SCHEMAS[name];
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  return `${JSON.stringify({ $id: `https://eligibility-gateway.dev/schemas/${name}.schema.json`, ...json }, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(JSON_DIR, { recursive: true });
  for (const name of Object.keys(WIRE_SCHEMAS) as (keyof typeof WIRE_SCHEMAS)[]) {
    writeFileSync(join(JSON_DIR, `${name}.schema.json`), jsonSchemaText(name));
  }
  console.log(`wrote ${Object.keys(WIRE_SCHEMAS).length} schemas to ${JSON_DIR}`);
}
