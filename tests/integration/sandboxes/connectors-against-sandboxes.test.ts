/**
 * Each built-in connector against its real sandbox over loopback: mapping, not_found,
 * batches, the request log, every fault mode, the deadline, the size cap, reachability.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type BuiltInConnectors,
  createBuiltInConnectors,
  createCivilAffairsConnector,
  createDisabilityConnector,
  createHrssConnector,
  loadFixtures,
  type Sandboxes,
  type SandboxHandle,
  startSandboxes,
  type TransportOptions,
} from '../../../connectors/index.ts';
import type { Source } from '../../../schemas/common.ts';
import type { Fixtures } from '../../../schemas/registry-records.ts';
import { nodeJws } from '../../../src/adapters/node/node-jws.ts';
import type { Connector } from '../../../src/core/ports.ts';
import { BASIC_FIXTURES, expectUnavailable, PEOPLE, PURPOSE, query, recordsOf, timed } from './helpers.ts';

const SLOW_MS = 300;
// Deadline plus this is "promptly": generous for a loaded CI machine, far below the 5 s faults.
const MARGIN_MS = 200;

let fixtures: Fixtures;
let sandboxes: Sandboxes;
let connectors: BuiltInConnectors;
const extra: Connector[] = [];

beforeAll(async () => {
  fixtures = await loadFixtures(BASIC_FIXTURES);
  // "Exactly who was asked": whole identity numbers in the request log.
  sandboxes = await startSandboxes({ fixtures, slowMs: SLOW_MS, requestLog: { maskSubjects: false } });
  connectors = createBuiltInConnectors(sandboxes.connectorConfig, nodeJws);
});

afterAll(async () => {
  await Promise.all([...Object.values(connectors), ...extra].map((c) => c.close?.()));
  await sandboxes.close();
});

beforeEach(() => {
  sandboxes.setFaults([]);
  sandboxes.clearRequestLogs();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Case {
  readonly source: Source;
  sandbox(): SandboxHandle;
  records(f: Fixtures): readonly { idNumber: string }[];
  /** A connector of this kind with other transport options or another base URL. */
  make(options: Partial<TransportOptions>, baseUrl?: string): Connector;
}

const CASES: readonly Case[] = [
  {
    source: 'civil_affairs',
    sandbox: () => sandboxes.civilAffairs,
    records: (f) => f.civilAffairs,
    make: (o, baseUrl) =>
      createCivilAffairsConnector(
        { ...sandboxes.connectorConfig.civilAffairs, ...(baseUrl ? { baseUrl } : {}) },
        o,
      ),
  },
  {
    source: 'hrss',
    sandbox: () => sandboxes.hrss,
    records: (f) => f.hrss,
    make: (o, baseUrl) =>
      createHrssConnector({ ...sandboxes.connectorConfig.hrss, ...(baseUrl ? { baseUrl } : {}) }, o),
  },
  {
    source: 'disability',
    sandbox: () => sandboxes.disability,
    records: (f) => f.disability,
    make: (o, baseUrl) =>
      createDisabilityConnector(
        { ...sandboxes.connectorConfig.disability, ...(baseUrl ? { baseUrl } : {}) },
        nodeJws,
        o,
      ),
  },
];

describe.each(CASES)('$source connector against its sandbox', (c) => {
  const connector = (): Connector => connectors[c.source];
  const everyone = Object.values(PEOPLE);
  const expected = (ids: readonly string[]) => {
    const out: Record<string, unknown[]> = {};
    for (const r of c.records(fixtures)) {
      if (ids.includes(r.idNumber)) out[r.idNumber] = [...(out[r.idNumber] ?? []), r];
    }
    return out;
  };
  const known = () => {
    const first = c.records(fixtures)[0];
    if (!first) throw new Error('the fixture must hold a record for every registry');
    return first.idNumber;
  };

  it('maps every record the registry holds to exactly the fixture record, and leaves unknown people out', async () => {
    const answer = await connector().query(query(everyone));
    const records = recordsOf(answer);
    expect(records).toEqual(expected(everyone));
    expect(Object.keys(records)).not.toContain(PEOPLE.chen);
  });

  it('answers a person it does not know with an empty answer (not_found), not a failure', async () => {
    const answer = await connector().query(query([PEOPLE.chen]));
    expect(answer).toEqual({ status: 'answered', records: new Map() });
  });

  it('answers a mixed batch with only the people it knows', async () => {
    const id = known();
    const records = recordsOf(await connector().query(query([PEOPLE.chen, id])));
    expect(Object.keys(records)).toEqual([id]);
    expect(records[id]).toEqual(expected([id])[id]);
  });

  it('asks once per batch, and the registry records purpose, consent, request id and exactly who was asked', async () => {
    // A consent reference in Chinese with markup characters must survive every dialect intact.
    const consentReference = '法援授权<2025>&0042';
    await connector().query({
      ...query([PEOPLE.wang, PEOPLE.chen, PEOPLE.wang], 3_000, 'req-log-7'),
      consentReference,
    });
    const log = c.sandbox().requestLog();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      source: c.source,
      method: 'POST',
      outcome: 'answered',
      status: 200,
      subjects: [PEOPLE.wang, PEOPLE.chen],
      subjectCount: 2,
      purpose: PURPOSE,
      consentReference,
      requestId: 'req-log-7',
    });
    expect(Number.isNaN(Date.parse(log[0]?.at ?? ''))).toBe(false);
  });

  it('sends nothing when there is no one to ask', async () => {
    const answer = await connector().query(query([]));
    expect(answer).toEqual({ status: 'answered', records: new Map() });
    expect(sandboxes.requestLog()).toEqual([]);
  });

  it('fault error: HTTP 500 becomes ERR_REGISTRY_ERROR, retryable', async () => {
    sandboxes.setFaults([{ source: c.source, mode: 'error' }]);
    expectUnavailable(await connector().query(query([PEOPLE.wang])), 'ERR_REGISTRY_ERROR', true);
    expect(c.sandbox().requestLog()).toMatchObject([{ outcome: 'error', status: 500 }]);
  });

  it('fault malformed: a body that breaks the dialect becomes ERR_REGISTRY_MALFORMED, not retryable', async () => {
    sandboxes.setFaults([{ source: c.source, mode: 'malformed' }]);
    // Also for a batch of unknown people, where no record could trip the schema.
    expectUnavailable(await connector().query(query([PEOPLE.chen])), 'ERR_REGISTRY_MALFORMED', false);
    expectUnavailable(await connector().query(query(everyone)), 'ERR_REGISTRY_MALFORMED', false);
  });

  it('fault timeout: the deadline answers ERR_REGISTRY_TIMEOUT promptly, and the connector recovers', async () => {
    sandboxes.setFaults([{ source: c.source, mode: 'timeout' }]);
    const { value, ms } = await timed(connector().query(query([PEOPLE.wang], 250)));
    expectUnavailable(value, 'ERR_REGISTRY_TIMEOUT', true);
    expect(ms).toBeGreaterThanOrEqual(200);
    expect(ms).toBeLessThan(250 + MARGIN_MS);
    expect(c.sandbox().requestLog()).toMatchObject([{ outcome: 'timeout', status: undefined }]);
    sandboxes.setFaults([]);
    expect((await connector().query(query([known()]))).status).toBe('answered');
  });

  it('fault slow: past the deadline it is a timeout; within it, the right answer arrives late', async () => {
    sandboxes.setFaults([{ source: c.source, mode: 'slow' }]);
    const late = await timed(connector().query(query([known()], 120)));
    expectUnavailable(late.value, 'ERR_REGISTRY_TIMEOUT', true);
    expect(late.ms).toBeLessThan(120 + MARGIN_MS);
    const patient = await timed(connector().query(query([known()], 3_000)));
    expect(recordsOf(patient.value)).toEqual(expected([known()]));
    expect(patient.ms).toBeGreaterThanOrEqual(SLOW_MS - 5);
  });

  it('a fault naming a person applies only when that person is asked about', async () => {
    sandboxes.setFaults([{ source: c.source, idNumber: PEOPLE.wang, mode: 'error' }]);
    expect((await connector().query(query([PEOPLE.chen]))).status).toBe('answered');
    expectUnavailable(await connector().query(query([PEOPLE.chen, PEOPLE.wang])), 'ERR_REGISTRY_ERROR');
  });

  it('ignores faults meant for another registry', async () => {
    const others = CASES.filter((o) => o.source !== c.source).map((o) => ({
      source: o.source,
      mode: 'error' as const,
    }));
    sandboxes.setFaults(others);
    expect((await connector().query(query([known()]))).status).toBe('answered');
  });

  it('cuts off a response larger than the limit: ERR_REGISTRY_MALFORMED', async () => {
    const small = c.make({ maxResponseBytes: 64 });
    extra.push(small);
    const answer = await small.query(query(everyone));
    expectUnavailable(answer, 'ERR_REGISTRY_MALFORMED', false);
    expect(answer.status === 'unavailable' && answer.detail).toBe(
      'response body exceeds the limit of 64 bytes',
    );
  });

  it('answers ping while the registry is up', async () => {
    expect(await connector().ping?.(AbortSignal.timeout(1_000))).toBe(true);
    expect(sandboxes.requestLog()).toEqual([]);
  });

  it('reports a registry nobody listens for as ERR_REGISTRY_UNREACHABLE, and ping false', async () => {
    const scheme = c.source === 'hrss' ? 'https' : 'http';
    const gone = c.make({}, `${scheme}://127.0.0.1:${await closedPort()}`);
    extra.push(gone);
    const { value, ms } = await timed(gone.query(query([PEOPLE.wang])));
    expectUnavailable(value, 'ERR_REGISTRY_UNREACHABLE', true);
    expect(value.status === 'unavailable' && value.detail).toBe('cannot connect (ECONNREFUSED)');
    expect(ms).toBeLessThan(1_000);
    expect(await gone.ping?.(AbortSignal.timeout(1_000))).toBe(false);
  });

  it('answers an already-aborted query at once, without calling the registry', async () => {
    const controller = new AbortController();
    controller.abort();
    const answer = await connector().query({ ...query([PEOPLE.wang]), signal: controller.signal });
    expectUnavailable(answer, 'ERR_REGISTRY_TIMEOUT');
    expect(sandboxes.requestLog()).toEqual([]);
  });
});
