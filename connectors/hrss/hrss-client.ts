/**
 * The HRSS (人社) connector over any `HttpTransport`: SOAP 1.1 lookups mapped to `HrssRecord`.
 * Mutual TLS is the transport's business: the undici transport on Node presents the client
 * certificate from the configuration (`createHrssConnector`); on Workers the fetch transport
 * uses the mTLS certificate binding's `fetch`.
 */
import { HrssRecord } from '../../schemas/registry-records.ts';
import type { Connector, RegistryAnswer, RegistryQuery } from '../../src/core/ports.ts';
import { answerOf, guardQuery, queryInBatches } from '../shared/query-guard.ts';
import type { HttpTransport } from '../shared/transport.ts';
import {
  buildLookupEnvelope,
  decodeAnswerEnvelope,
  HRSS_MAX_BATCH,
  HRSS_SERVICE_PATH,
  HRSS_SOAP_ACTION,
} from './hrss-dialect.ts';

/**
 * The HRSS connector on a transport the runtime chose (which carries the client certificate).
 * @example const hrss = createHrssClient(createFetchTransport({ baseUrl, fetch: (u, i) => env.HRSS_MTLS.fetch(u, i) }));
 */
export function createHrssClient(transport: HttpTransport): Connector<'hrss'> {
  return new HrssConnectorImpl(transport);
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
    return answerOf(result, decodeAnswerEnvelope, HrssRecord, batch);
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
