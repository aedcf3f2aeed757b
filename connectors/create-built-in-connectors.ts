/** The three built-in connectors from one configuration. */
import type { Source } from '../schemas/common.ts';
import type { JwsSignerFactory } from '../src/core/jws.ts';
import type { Connector } from '../src/core/ports.ts';
import { BuiltInConnectorConfig, checkConfig } from './built-in-config.ts';
import { createCivilAffairsConnector } from './civil-affairs/civil-affairs-connector.ts';
import { createDisabilityConnector } from './disability/disability-connector.ts';
import { createHrssConnector } from './hrss/hrss-connector.ts';
import type { TransportOptions } from './shared/http-transport.ts';

/** One connector per registry, keyed by source (and nothing else, so it can be iterated). */
export type BuiltInConnectors = { readonly [S in Source]: Connector<S> };

/**
 * Creates the civil affairs, HRSS and disability federation connectors. The whole
 * configuration is checked before any connector is built.
 * @example
 * const connectors = createBuiltInConnectors(sandboxes.connectorConfig, nodeJws);
 * const answer = await connectors.hrss.query({ subjects, purpose, consentReference, requestId, signal });
 */
export function createBuiltInConnectors(
  config: BuiltInConnectorConfig,
  signWith: JwsSignerFactory,
  transport: Partial<TransportOptions> = {},
): BuiltInConnectors {
  const checked = checkConfig(BuiltInConnectorConfig, config, 'built-in');
  return {
    civil_affairs: createCivilAffairsConnector(checked.civilAffairs, transport),
    hrss: createHrssConnector(checked.hrss, transport),
    disability: createDisabilityConnector(checked.disability, signWith, transport),
  };
}
