/**
 * The conformance run: the gateway asks the registry about each of the manifest's test
 * subjects through the very connector that would serve decisions, and compares what comes
 * back with the facts the agency declared. A failure names the case, its (synthetic) test
 * subject and the fact that differed, with both values, so the integrator can fix the
 * mapping or the data without guessing.
 */
import type { ConformanceCase } from '../../schemas/connector-manifest.ts';
import type {
  ConformanceCaseResult,
  ConformanceFailure,
  ConformanceReport,
} from '../../src/core/connector-ports.ts';
import type { PartnerConnector } from '../../src/core/ports.ts';

export type { ConformanceCaseResult, ConformanceFailure, ConformanceReport };

/** The purpose a conformance query declares to the registry. */
export const CONFORMANCE_PURPOSE = 'connector_conformance';

async function runCase(
  connector: PartnerConnector,
  c: ConformanceCase,
  context: { requestId: string; signal: AbortSignal },
): Promise<ConformanceCaseResult> {
  const answer = await connector.query({
    subjects: [c.subject],
    purpose: CONFORMANCE_PURPOSE,
    consentReference: `conformance:${connector.id}:${c.name}`,
    requestId: `${context.requestId}-${c.name}`,
    signal: context.signal,
  });
  const failures: ConformanceFailure[] = [];
  const base = { case: c.name, subject: c.subject };
  if (answer.status === 'unavailable') {
    failures.push({
      ...base,
      expected: c.expect,
      actual: 'unavailable',
      detail: `${answer.code}: ${answer.detail}`,
    });
  } else {
    const record = answer.records.get(c.subject)?.[0];
    if (c.expect === 'not_found' && record !== undefined)
      failures.push({ ...base, expected: 'not_found', actual: 'found' });
    else if (c.expect === 'found' && record === undefined)
      failures.push({ ...base, expected: 'found', actual: 'not_found' });
    else if (record !== undefined)
      for (const [fact, expected] of Object.entries(c.facts ?? {})) {
        const actual = record.facts[fact];
        if (actual !== expected) failures.push({ ...base, fact, expected, actual: actual ?? null });
      }
  }
  return { ...base, passed: failures.length === 0, failures };
}

/**
 * Runs every case (in parallel, under one deadline) and reports.
 * @example const report = await runConformance(connector, manifest.conformance.cases, { requestId, timeoutMs: 10_000, now });
 */
export async function runConformance(
  connector: PartnerConnector,
  cases: readonly ConformanceCase[],
  options: {
    readonly requestId: string;
    readonly timeoutMs: number;
    readonly now: Date;
    readonly version: number;
  },
): Promise<ConformanceReport> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const results = await Promise.all(
    cases.map((c) => runCase(connector, c, { requestId: options.requestId, signal })),
  );
  const failures = results.flatMap((r) => r.failures);
  return {
    passed: failures.length === 0,
    ranAt: options.now.toISOString(),
    version: options.version,
    cases: results,
    failures,
  };
}
