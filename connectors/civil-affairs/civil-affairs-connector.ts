/**
 * The built-in civil affairs (民政) connector on Node: the portable client
 * (`civil-affairs-client.ts`) over the undici transport.
 */
import type { Connector } from '../../src/core/ports.ts';
import { CivilAffairsConnectorConfig, checkConfig } from '../built-in-config.ts';
import { createHttpTransport, type TransportOptions } from '../shared/http-transport.ts';
import { createCivilAffairsClient } from './civil-affairs-client.ts';

/**
 * Creates the civil affairs connector. The configuration is checked now, not at the first query.
 * @example
 * const civil = createCivilAffairsConnector(config.civilAffairs);
 * const answer = await civil.query({ subjects, purpose, consentReference, requestId, signal });
 */
export function createCivilAffairsConnector(
  config: CivilAffairsConnectorConfig,
  transport: Partial<TransportOptions> = {},
): Connector<'civil_affairs'> {
  const checked = checkConfig(CivilAffairsConnectorConfig, config, 'civil affairs');
  return createCivilAffairsClient(checked, createHttpTransport({ ...transport, baseUrl: checked.baseUrl }));
}
