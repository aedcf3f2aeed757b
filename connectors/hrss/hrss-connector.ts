/**
 * The built-in HRSS (人社) connector: SOAP 1.1 lookups over mutual TLS, mapped to `HrssRecord`.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { HrssRecord } from '../../schemas/registry-records.ts';
import type { Connector, RegistryAnswer, RegistryQuery } from '../../src/core/ports.ts';
import { checkConfig, HrssConnectorConfig } from '../built-in-config.ts';
import { createHttpTransport, type HttpTransport, type TransportOptions } from '../shared/http-transport.ts';
import { collectRecords, guardQuery, queryInBatches } from '../shared/query-guard.ts';
import { failureForStatus, unavailable } from '../shared/registry-failure.ts';
import {
  buildLookupEnvelope,
  decodeAnswerEnvelope,
  HRSS_MAX_BATCH,
  HRSS_SERVICE_PATH,
  HRSS_SOAP_ACTION,
} from './hrss-dialect.ts';

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
  return new HrssConnectorImpl(
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

class HrssConnectorImpl implements Connector<'hrss'> {
  readonly id = 'builtin-hrss';
  readonly source = 'hrss' as const;
  readonly #transport: HttpTransport;

  constructor(transport: HttpTransport) {
    this.#transport = transport;
  }

  query(query: RegistryQuery): Promise<RegistryAnswer<HrssRecord>> {
    return guardQuery(query.signal, () =>
      queryInBatches(query.subjects, HRSS_MAX_BATCH, (batch) => this.#lookUp(batch, query)),
    );
  }

  async #lookUp(batch: readonly string[], query: RegistryQuery): Promise<RegistryAnswer<HrssRecord>> {
    const body = buildLookupEnvelope({
      purpose: query.purpose,
      consentReference: query.consentReference,
      requestId: query.requestId,
      subjects: batch,
    });
    const result = await this.#transport.send(
      () => ({
        method: 'POST',
        path: HRSS_SERVICE_PATH,
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          soapaction: HRSS_SOAP_ACTION,
          accept: 'text/xml',
        },
        body,
      }),
      { signal: query.signal, idempotent: true },
    );
    if (!result.ok) return unavailable(result.failure);
    const refused = failureForStatus(result.response.status);
    if (refused) return unavailable(refused);
    const decoded = decodeAnswerEnvelope(result.response.body);
    if (!decoded.ok) return unavailable(decoded.failure);
    return collectRecords(HrssRecord, decoded.value, new Set(batch));
  }

  async ping(signal: AbortSignal): Promise<boolean> {
    const result = await this.#transport.send(
      () => ({ method: 'GET', path: `${HRSS_SERVICE_PATH}?wsdl`, headers: {} }),
      {
        signal,
        idempotent: true,
      },
    );
    return result.ok && result.response.status === 200;
  }

  close(): Promise<void> {
    return this.#transport.close();
  }
}
