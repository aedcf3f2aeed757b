/**
 * What every connector's `query` shares around its dialect: the deadline, the promise
 * that it never rejects, batching, and validating mapped records against the gateway's
 * own schemas before anything leaves the connector.
 */
import type { z } from 'zod';
import type { RegistryAnswer } from '../../src/core/ports.ts';
import {
  type Decoded,
  failureForStatus,
  type RegistryFailure,
  registryFailure,
  timedOut,
  unavailable,
} from './registry-failure.ts';
import type { TransportResult } from './transport.ts';

/**
 * Runs `work` under the query's deadline: answers `ERR_REGISTRY_TIMEOUT` as soon as
 * `signal` aborts, and turns an unexpected throw into `ERR_INTERNAL` so `query` never rejects.
 * @example return guardQuery(query.signal, () => lookUp(query));
 */
export async function guardQuery<R>(
  signal: AbortSignal,
  work: () => Promise<RegistryAnswer<R>>,
): Promise<RegistryAnswer<R>> {
  if (signal.aborted) return unavailable(timedOut());
  let onAbort: () => void = () => {};
  const deadline = new Promise<RegistryAnswer<R>>((resolve) => {
    onAbort = () => resolve(unavailable(timedOut()));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const guarded = work().catch(() =>
    signal.aborted
      ? unavailable<R>(timedOut())
      : unavailable<R>(registryFailure('ERR_INTERNAL', 'the connector failed unexpectedly')),
  );
  try {
    return await Promise.race([guarded, deadline]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Splits the (deduplicated) subjects into batches the registry accepts, asks them in
 * parallel and merges the answers; one unavailable batch makes the whole answer
 * unavailable, because a partial answer would read as `not_found` for the rest.
 * No subjects means no call at all.
 * @example queryInBatches(query.subjects, 100, (batch) => lookUp(batch))
 */
export async function queryInBatches<R>(
  subjects: readonly string[],
  batchSize: number,
  lookUp: (batch: readonly string[]) => Promise<RegistryAnswer<R>>,
): Promise<RegistryAnswer<R>> {
  const unique = [...new Set(subjects)];
  if (unique.length === 0) return { status: 'answered', records: new Map() };
  const batches: string[][] = [];
  for (let i = 0; i < unique.length; i += batchSize) batches.push(unique.slice(i, i + batchSize));
  const answers = await Promise.all(batches.map(lookUp));
  const merged = new Map<string, readonly R[]>();
  for (const answer of answers) {
    if (answer.status === 'unavailable') return answer;
    for (const [id, records] of answer.records) merged.set(id, records);
  }
  return { status: 'answered', records: merged };
}

/**
 * Validates each mapped record with the source's schema and groups them by subject.
 * A record about someone who was not asked about is a breach of the dialect, not data
 * to keep: the whole answer is malformed. Details name positions and schema paths only.
 * @example collectRecords(CivilAffairsRecord, mapped, new Set(batch))
 */
export function collectRecords<R extends { readonly idNumber: string }>(
  schema: z.ZodType<R>,
  mapped: readonly unknown[],
  asked: ReadonlySet<string>,
): RegistryAnswer<R> {
  const records = new Map<string, R[]>();
  for (let i = 0; i < mapped.length; i++) {
    const parsed = schema.safeParse(mapped[i]);
    if (!parsed.success) return unavailable(invalidRecord(i, parsed.error));
    const record = parsed.data;
    if (!asked.has(record.idNumber)) {
      return unavailable(
        registryFailure('ERR_REGISTRY_MALFORMED', `record ${i} is about a subject that was not asked about`),
      );
    }
    const list = records.get(record.idNumber);
    if (list) list.push(record);
    else records.set(record.idNumber, [record]);
  }
  return { status: 'answered', records };
}

/**
 * The common tail of every lookup: a transport failure, a refusing status, an answer that
 * breaks its dialect or a record that breaks its schema is `unavailable`; otherwise the
 * validated records of the subjects asked about.
 * @example return answerOf(result, decodeAnswer, CivilAffairsRecord, batch);
 */
export function answerOf<R extends { readonly idNumber: string }>(
  result: TransportResult,
  decode: (body: Uint8Array) => Decoded<readonly unknown[]>,
  schema: z.ZodType<R>,
  batch: readonly string[],
): RegistryAnswer<R> {
  if (!result.ok) return unavailable(result.failure);
  const refused = failureForStatus(result.response.status);
  if (refused) return unavailable(refused);
  const decoded = decode(result.response.body);
  if (!decoded.ok) return unavailable(decoded.failure);
  return collectRecords(schema, decoded.value, new Set(batch));
}

/** A failure naming where a record broke the schema, without the offending value. */
export function invalidRecord(index: number, error: z.ZodError): RegistryFailure {
  const issue = error.issues[0];
  const path = issue ? issue.path.map(String).join('.') || '(root)' : '(root)';
  return registryFailure(
    'ERR_REGISTRY_MALFORMED',
    `record ${index} is invalid at ${path} (${issue?.code ?? 'invalid'})`,
  );
}
