/**
 * The built-in HRSS (人社) connector on Node: the portable client (`hrss-client.ts`) over
 * the undici transport, presenting the gateway's client certificate (mutual TLS).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Connector } from '../../src/core/ports.ts';
import { checkConfig, HrssConnectorConfig } from '../built-in-config.ts';
import { createHttpTransport, type TransportOptions } from '../shared/http-transport.ts';
import { createHrssClient } from './hrss-client.ts';

/**
 * Creates the HRSS connector. Certificates and key are parsed now, so a broken PEM fails
 * at start-up rather than as a TLS error at the first query.
 * @example const hrss = createHrssConnector(config.hrss, { headersTimeoutMs: 3_000 });
 */
export function createHrssConnector(
  config: HrssConnectorConfig,
  transport: Partial<TransportOptions> = {},
): Connector<'hrss'> {
  const checked = checkConfig(HrssConnectorConfig, config, 'HRSS');
  try {
    new X509Certificate(checked.caPem);
    new X509Certificate(checked.clientCertPem);
    createPrivateKey(checked.clientKeyPem);
  } catch {
    throw new TypeError(
      'invalid HRSS connector configuration: caPem, clientCertPem or clientKeyPem does not parse',
    );
  }
  return createHrssClient(
    createHttpTransport({
      ...transport,
      baseUrl: checked.baseUrl,
      tls: {
        caPem: checked.caPem,
        certPem: checked.clientCertPem,
        keyPem: checked.clientKeyPem,
        ...(checked.servername === undefined ? {} : { servername: checked.servername }),
      },
    }),
  );
}
