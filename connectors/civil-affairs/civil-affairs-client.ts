/**
 * The civil affairs (民政) connector over any `HttpTransport`: batch lookups of assistance
 * programmes, signed with the agency's app key and HMAC-SHA256, mapped to
 * `CivilAffairsRecord`. No runtime imports: Node wraps it with the undici transport
 * (`createCivilAffairsConnector`), Workers with the fetch transport.
 */
import { CivilAffairsRecord } from '../../schemas/registry-records.ts';
import type { Connector, RegistryAnswer, RegistryQuery } from '../../src/core/ports.ts';
import { CivilAffairsConnectorConfig, checkConfig } from '../built-in-config.ts';
import { answerOf, guardQuery, queryInBatches } from '../shared/query-guard.ts';
import type { HttpTransport, OutboundRequest } from '../shared/transport.ts';
import {
  CIVIL_AFFAIRS_HEADERS,
  CIVIL_AFFAIRS_LOOKUP_PATH,
  CIVIL_AFFAIRS_MAX_BATCH,
  CIVIL_AFFAIRS_PING_PATH,
  type CivilAffairsLookup,
  decodeAnswer,
  sign,
} from './civil-affairs-dialect.ts';

/**
 * The civil affairs connector on a transport the runtime chose. The configuration is checked now.
 * @example
 * const civil = createCivilAffairsClient(config.civilAffairs, createFetchTransport({ baseUrl: config.civilAffairs.baseUrl }));
 */
export function createCivilAffairsClient(
  config: CivilAffairsConnectorConfig,
  transport: HttpTransport,
): Connector<'civil_affairs'> {
  return new CivilAffairsConnectorImpl(
    checkConfig(CivilAffairsConnectorConfig, config, 'civil affairs'),
    transport,
  );
}

class CivilAffairsConnectorImpl implements Connector<'civil_affairs'> {
  readonly id = 'builtin-civil-affairs';
  readonly source = 'civil_affairs' as const;
  readonly #config: CivilAffairsConnectorConfig;
  readonly #transport: HttpTransport;

  constructor(config: CivilAffairsConnectorConfig, transport: HttpTransport) {
    this.#config = config;
    this.#transport = transport;
  }

  query(query: RegistryQuery): Promise<RegistryAnswer<CivilAffairsRecord>> {
    return guardQuery(query.signal, () =>
      queryInBatches(query.subjects, CIVIL_AFFAIRS_MAX_BATCH, (batch) => this.#lookUp(batch, query)),
    );
  }

  async #lookUp(batch: readonly string[], query: RegistryQuery): Promise<RegistryAnswer<CivilAffairsRecord>> {
    const lookup: CivilAffairsLookup = {
      cxmd: query.purpose,
      sqbh: query.consentReference,
      qqlsh: query.requestId,
      zjhmList: [...batch],
    };
    const body = JSON.stringify(lookup);
    const result = await this.#transport.send(() => this.#signed('POST', CIVIL_AFFAIRS_LOOKUP_PATH, body), {
      signal: query.signal,
      idempotent: true,
    });
    return answerOf(result, decodeAnswer, CivilAffairsRecord, batch);
  }

  #signed(method: 'GET' | 'POST', path: string, body: string): OutboundRequest {
    // Fresh timestamp and nonce per attempt: the registry refuses a replayed nonce.
    const timestamp = String(Date.now());
    const nonce = crypto.randomUUID();
    const fullPath = this.#transport.basePath + path;
    const signature = sign(this.#config.appSecret, { method, path: fullPath, timestamp, nonce, body });
    return {
      method,
      path,
      headers: {
        ...(method === 'POST' ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        accept: 'application/json',
        [CIVIL_AFFAIRS_HEADERS.appKey]: this.#config.appKey,
        [CIVIL_AFFAIRS_HEADERS.timestamp]: timestamp,
        [CIVIL_AFFAIRS_HEADERS.nonce]: nonce,
        [CIVIL_AFFAIRS_HEADERS.signature]: signature,
      },
      ...(method === 'POST' ? { body } : {}),
    };
  }

  async ping(signal: AbortSignal): Promise<boolean> {
    const result = await this.#transport.send(() => this.#signed('GET', CIVIL_AFFAIRS_PING_PATH, ''), {
      signal,
      idempotent: true,
    });
    return result.ok && result.response.status === 200;
  }

  close(): Promise<void> {
    return this.#transport.close();
  }
}
