/**
 * The built-in disability federation (残联) connector on Node: the portable client
 * (`disability-client.ts`) over the undici transport, signing its JWTs with the signing port
 * the runtime passes (node:crypto on Node).
 */
import type { JwsSignerFactory } from '../../src/core/jws.ts';
import type { Connector } from '../../src/core/ports.ts';
import { checkConfig, DisabilityConnectorConfig } from '../built-in-config.ts';
import { createHttpTransport, type TransportOptions } from '../shared/http-transport.ts';
import { createDisabilityClient } from './disability-client.ts';

/**
 * Creates the disability federation connector. The JWK is checked now.
 * @example const disability = createDisabilityConnector(config.disability, nodeJws);
 */
export function createDisabilityConnector(
  config: DisabilityConnectorConfig,
  signWith: JwsSignerFactory,
  transport: Partial<TransportOptions> = {},
): Connector<'disability'> {
  const checked = checkConfig(DisabilityConnectorConfig, config, 'disability federation');
  return createDisabilityClient(
    checked,
    createHttpTransport({ ...transport, baseUrl: checked.baseUrl }),
    signWith,
  );
}
