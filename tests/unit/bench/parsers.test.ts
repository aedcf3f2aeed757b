import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { areaOf, bucketOf, summarizeProfile } from '../../../bench/lib/cpu-profile.ts';
import { compiled, parseProcStat, ROOT } from '../../../bench/lib/processes.ts';
import { stepMeansMs, stepTotals } from '../../../bench/lib/prometheus.ts';
import { atLeast, atMost, between, metric, missBy, renderTable } from '../../../bench/lib/report.ts';
import { sampleLatency } from '../../../connectors/sandbox/latency-model.ts';

describe('parseProcStat', () => {
  it('reads utime and stime even when the command name holds spaces and parentheses', () => {
    const line = '4242 (node (a b)) S 1 4242 4242 0 -1 4194304 100 0 0 0 1234 567 0 0 20 0 11 0 1000 0 0';
    expect(parseProcStat(line)).toEqual({ userTicks: 1234, systemTicks: 567 });
  });
});

describe('stepTotals', () => {
  const text = `# HELP egw_verification_step_duration_seconds x
egw_verification_step_duration_seconds_bucket{le="0.1",step="policy"} 3
egw_verification_step_duration_seconds_sum{step="policy"} 0.5
egw_verification_step_duration_seconds_count{step="policy"} 10
egw_verification_step_duration_seconds_sum{step="commit"} 2
egw_verification_step_duration_seconds_count{step="commit"} 10
`;
  it('reads sum and count per step, ignoring buckets', () => {
    expect(stepTotals(text)).toEqual({ policy: { sum: 0.5, count: 10 }, commit: { sum: 2, count: 10 } });
  });

  it('gives mean ms per observation between two readings', () => {
    const before = { policy: { sum: 0.5, count: 10 } };
    const after = { policy: { sum: 1.5, count: 20 }, sign: { sum: 0.2, count: 4 } };
    expect(stepMeansMs(before, after)).toEqual({ policy: 100, sign: 50 });
  });
});

describe('report', () => {
  it('passes or fails a ratio against its target, n/a without a figure', () => {
    const base = {
      id: 'M',
      name: 'x',
      unit: '',
      baseline: 1,
      value: 2,
      spread: null,
      validity: { ok: true, notes: [] },
    };
    expect(metric({ ...base, ratio: 1.04, target: atMost(1.05) }).pass).toBe(true);
    expect(metric({ ...base, ratio: 1.06, target: atMost(1.05) }).pass).toBe(false);
    expect(metric({ ...base, ratio: 25, target: atLeast(20) }).pass).toBe(true);
    expect(metric({ ...base, ratio: 1.2, target: between(0.95, 1.1) }).pass).toBe(false);
    expect(metric({ ...base, ratio: null, target: atMost(1) }).pass).toBeNull();
    expect(metric({ ...base, ratio: 3 }).pass).toBeNull();
  });

  it('says by how much a target was missed', () => {
    const r = metric({
      id: 'M1',
      name: 'p99',
      unit: 'ms',
      baseline: 100,
      value: 130,
      ratio: 1.3,
      spread: 0.1,
      target: atMost(1.15),
      validity: { ok: true, notes: [] },
    });
    expect(missBy(r)).toBe('1.300 vs ≤ 1.15 (+13 %)');
    const table = renderTable([r]);
    expect(table).toContain('FAIL');
    expect(table).toContain('10%');
  });
});

describe('cpu profile', () => {
  const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
    id,
    callFrame: { functionName, url, lineNumber: 0 },
    children,
  });
  const profile = {
    nodes: [
      frame(1, '(root)', '', [2, 5, 7, 9]),
      frame(2, 'bearerJwtMiddleware', 'file:///work/main/src/http/auth.ts', [3]),
      frame(3, 'verify', 'file:///work/main/node_modules/jose/dist/jws_verify.js', [4]),
      frame(4, 'run', ''),
      // An async continuation: no project frame above, attributed by the library.
      frame(5, 'createSignature', 'file:///work/main/node_modules/jose/dist/lib/jws_sign.js', [6]),
      frame(6, 'run', ''),
      frame(7, 'integrate', 'file:///work/main/src/adapters/node/sqlite-store.ts?x=1', [8]),
      frame(8, 'run', 'file:///work/main/node_modules/better-sqlite3/lib/methods/transaction.js'),
      frame(9, '(idle)', ''),
    ],
    samples: [4, 4, 6, 8, 8, 8, 9, 9],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 5000, 5000],
  };

  it('attributes self time to the innermost project frame, else by library, and leaves idle out', () => {
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBe(6);
    expect(s.buckets).toEqual({ auth: 2, signature: 1, 'write set (store, seal, log)': 3 });
    expect(s.functions).toContainEqual({ name: 'run better-sqlite3:1', ms: 3 });
    expect(s.areas).toContainEqual({ area: '(run)', ms: 3 });
  });

  it('classifies project files and names areas', () => {
    expect(bucketOf('file:///work/main/connectors/hrss/hrss-client.ts')).toBe('fan-out (connectors)');
    expect(bucketOf('file:///work/main/src/core/policy/rules.ts')).toBe('policy');
    expect(bucketOf('file:///work/main/node_modules/hono/dist/compose.js')).toBeUndefined();
    expect(areaOf('file:///x/node_modules/@noble/curves/ed25519.js', 'f')).toBe('@noble/curves');
    expect(areaOf('node:internal/crypto/util', 'f')).toBe('node:crypto/util');
    expect(areaOf('', 'writev')).toBe('(writev)');
  });

  it('classifies the compiled build (dist/, .js) as its sources', () => {
    expect(bucketOf('file:///work/main/dist/src/http/auth.js')).toBe('auth');
    expect(bucketOf('file:///work/main/dist/src/adapters/portable/jose-signer.js')).toBe('signature');
    expect(bucketOf('file:///work/main/dist/src/core/leaves.js')).toBe('write set (store, seal, log)');
    expect(bucketOf('file:///work/main/dist/connectors/hrss/hrss-client.js')).toBe('fan-out (connectors)');
    expect(areaOf('file:///work/main/dist/src/core/encoding.js', 'f')).toBe('src/core/encoding.js');
  });
});

describe('compiled', () => {
  it('maps a source script to its place in dist/', () => {
    expect(compiled('bench/servers/gateway.ts')).toBe(join(ROOT, 'dist/bench/servers/gateway.js'));
    expect(compiled('src/cli/main.ts')).toBe(join(ROOT, 'dist/src/cli/main.js'));
  });
});

describe('sampleLatency', () => {
  it('is fixed for the fixed model', () => {
    expect(sampleLatency({ kind: 'fixed', ms: 20 }, Math.random)).toBe(20);
  });

  it('has the median it was given and a heavy tail for σ = 1', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const draws = Array.from({ length: 20_000 }, () =>
      sampleLatency({ kind: 'lognormal', medianMs: 20, sigma: 1, maxMs: 100_000 }, random),
    ).sort((a, b) => a - b);
    const p50 = draws[10_000] ?? 0;
    const p99 = draws[19_800] ?? 0;
    expect(p50).toBeGreaterThanOrEqual(18);
    expect(p50).toBeLessThanOrEqual(22);
    // e^(2.326 σ) ≈ 10.2
    expect(p99 / p50).toBeGreaterThan(8);
    expect(p99 / p50).toBeLessThan(13);
  });

  it('caps a draw at maxMs', () => {
    expect(sampleLatency({ kind: 'lognormal', medianMs: 1000, sigma: 0, maxMs: 5 }, Math.random)).toBe(5);
  });
});
