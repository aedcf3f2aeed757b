import { describe, expect, it, vi } from 'vitest';
import { collectRecords, guardQuery, queryInBatches } from '../../../connectors/shared/query-guard.ts';
import {
  failureForStatus,
  registryFailure,
  unavailable,
} from '../../../connectors/shared/registry-failure.ts';
import { makeIdNumber } from '../../../schemas/id-number.ts';
import { DisabilityRecord } from '../../../schemas/registry-records.ts';
import type { RegistryAnswer } from '../../../src/core/ports.ts';

const A = makeIdNumber('320102', '1980-05-17', 123);
const B = makeIdNumber('320117', '1958-11-02', 24);
const cert = (idNumber: string, grade: unknown = 2) => ({
  idNumber,
  certificateNo: 'CDPF1',
  category: 'visual',
  grade,
  issuedAt: '2019-03-01',
  validUntil: '2029-02-28',
});

describe('guardQuery', () => {
  it('answers ERR_REGISTRY_TIMEOUT as soon as the signal aborts, however long the work takes', async () => {
    const started = performance.now();
    const answer = await guardQuery(
      AbortSignal.timeout(50),
      () => new Promise<RegistryAnswer<never>>(() => {}),
    );
    expect(answer).toEqual({
      status: 'unavailable',
      code: 'ERR_REGISTRY_TIMEOUT',
      retryable: true,
      detail: 'the request deadline passed before the registry answered',
    });
    expect(performance.now() - started).toBeLessThan(150);
  });

  it('does not start work under a signal that has already aborted', async () => {
    const work = vi.fn(
      async (): Promise<RegistryAnswer<never>> => ({ status: 'answered', records: new Map() }),
    );
    const controller = new AbortController();
    controller.abort();
    expect((await guardQuery(controller.signal, work)).status).toBe('unavailable');
    expect(work).not.toHaveBeenCalled();
  });

  it('never rejects: a throw becomes ERR_INTERNAL without the thrown message', async () => {
    const answer = await guardQuery(AbortSignal.timeout(1_000), async () => {
      throw new Error(`bug about ${A}`);
    });
    expect(answer).toEqual({
      status: 'unavailable',
      code: 'ERR_INTERNAL',
      retryable: false,
      detail: 'the connector failed unexpectedly',
    });
  });
});

describe('queryInBatches', () => {
  it('deduplicates, splits into batches of the registry maximum and merges the answers', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => makeIdNumber('320102', '1990-01-01', i));
    const seen: number[] = [];
    const answer = await queryInBatches([...ids, ids[0] as string], 100, async (batch) => {
      seen.push(batch.length);
      return { status: 'answered', records: new Map(batch.map((id) => [id, [id]])) };
    });
    expect(seen).toEqual([100, 100, 50]);
    expect(answer.status === 'answered' && answer.records.size).toBe(250);
  });

  it('makes the whole answer unavailable when one batch is', async () => {
    const ids = Array.from({ length: 3 }, (_, i) => makeIdNumber('320102', '1990-01-01', i));
    const answer = await queryInBatches(ids, 1, async (batch) =>
      batch[0] === ids[1]
        ? unavailable(registryFailure('ERR_REGISTRY_ERROR', 'x'))
        : { status: 'answered', records: new Map() },
    );
    expect(answer).toMatchObject({ status: 'unavailable', code: 'ERR_REGISTRY_ERROR' });
  });

  it('asks nothing for no subjects', async () => {
    const lookUp = vi.fn();
    expect(await queryInBatches([], 10, lookUp)).toEqual({ status: 'answered', records: new Map() });
    expect(lookUp).not.toHaveBeenCalled();
  });
});

describe('collectRecords', () => {
  it('validates and groups records by subject, in order', () => {
    const answer = collectRecords(DisabilityRecord, [cert(A), cert(B), cert(A, 4)], new Set([A, B]));
    expect(answer.status === 'answered' && Object.fromEntries(answer.records)).toEqual({
      [A]: [cert(A), cert(A, 4)],
      [B]: [cert(B)],
    });
  });

  it('calls an answer malformed when a mapped record breaks the schema, naming the path but not the value', () => {
    expect(collectRecords(DisabilityRecord, [cert(A), cert(B, 9)], new Set([A, B]))).toEqual({
      status: 'unavailable',
      code: 'ERR_REGISTRY_MALFORMED',
      retryable: false,
      detail: 'record 1 is invalid at grade (too_big)',
    });
    const badId = collectRecords(DisabilityRecord, [cert(`${A.slice(0, 17)}0`)], new Set([A]));
    expect(badId.status === 'unavailable' && badId.detail).toBe('record 0 is invalid at idNumber (custom)');
  });

  it('calls an answer malformed when it is about someone who was not asked about', () => {
    expect(collectRecords(DisabilityRecord, [cert(B)], new Set([A]))).toEqual({
      status: 'unavailable',
      code: 'ERR_REGISTRY_MALFORMED',
      retryable: false,
      detail: 'record 0 is about a subject that was not asked about',
    });
  });
});

describe('failureForStatus', () => {
  it.each([
    [200, undefined],
    [204, undefined],
    [500, { code: 'ERR_REGISTRY_ERROR', retryable: true, detail: 'registry answered HTTP 500' }],
    [503, { code: 'ERR_REGISTRY_ERROR', retryable: true, detail: 'registry answered HTTP 503' }],
    [429, { code: 'ERR_REGISTRY_ERROR', retryable: true, detail: 'registry answered HTTP 429' }],
    [408, { code: 'ERR_REGISTRY_ERROR', retryable: true, detail: 'registry answered HTTP 408' }],
    [
      401,
      {
        code: 'ERR_REGISTRY_ERROR',
        retryable: false,
        detail: "registry refused the gateway's credentials (HTTP 401)",
      },
    ],
    [
      403,
      {
        code: 'ERR_REGISTRY_ERROR',
        retryable: false,
        detail: "registry refused the gateway's credentials (HTTP 403)",
      },
    ],
    [404, { code: 'ERR_REGISTRY_ERROR', retryable: false, detail: 'registry answered HTTP 404' }],
    [302, { code: 'ERR_REGISTRY_ERROR', retryable: false, detail: 'registry answered HTTP 302' }],
  ])('maps HTTP %i', (status, failure) => {
    expect(failureForStatus(status)).toEqual(failure);
  });
});
