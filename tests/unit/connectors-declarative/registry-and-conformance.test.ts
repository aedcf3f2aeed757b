import { describe, expect, it } from 'vitest';
import { runConformance } from '../../../connectors/declarative/conformance.ts';
import { asBuiltInConnector, servesRegion } from '../../../connectors/declarative/declarative-connector.ts';
import { createConnectorRegistry } from '../../../src/core/connector-registry.ts';
import type {
  Connector,
  PartnerConnector,
  PartnerRecord,
  RegistryAnswer,
  RegistryQuery,
} from '../../../src/core/ports.ts';
import { DEPOSITOR, NOBODY, restManifest } from './manifests.ts';

/** A partner connector answering from a table, with a gate to hold queries in flight. */
function fake(
  id: string,
  version: number,
  table: Record<string, Record<string, string | number | boolean>>,
  options: { kind?: string; regions?: string[]; gate?: Promise<void>; unavailable?: boolean } = {},
) {
  const state = { closed: false, queries: 0 };
  const connector: PartnerConnector = {
    id,
    kind: options.kind ?? 'housing_fund',
    version,
    serves: (region) => servesRegion(options.regions ?? ['320100'], region),
    async query(q: RegistryQuery): Promise<RegistryAnswer<PartnerRecord>> {
      state.queries += 1;
      await options.gate;
      if (options.unavailable)
        return { status: 'unavailable', code: 'ERR_REGISTRY_TIMEOUT', retryable: true, detail: 'slow' };
      const records = new Map<string, PartnerRecord[]>();
      for (const s of q.subjects) {
        const facts = table[s];
        if (facts) records.set(s, [{ idNumber: s, facts }]);
      }
      return { status: 'answered', records };
    },
    async close() {
      state.closed = true;
    },
  };
  return { connector, state };
}

const query = (subjects: string[]): RegistryQuery => ({
  subjects,
  purpose: 'legal_aid_eligibility',
  consentReference: 'c',
  requestId: 'r',
  signal: AbortSignal.timeout(1000),
});

describe('the mutable connector registry', () => {
  it('swaps a new version in atomically; a query in flight finishes on the old one, which is then closed', async () => {
    const registry = createConnectorRegistry({});
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const v1 = fake('hpf', 1, { [DEPOSITOR]: { accountStatus: 'active' } }, { gate });
    const v2 = fake('hpf', 2, { [DEPOSITOR]: { accountStatus: 'sealed' } });
    registry.install({ partner: v1.connector });
    const [held] = registry.partners('320105');
    const inFlight = held?.query(query([DEPOSITOR]));
    registry.install({ partner: v2.connector });
    expect(registry.partners('320105').map((p) => p.version)).toEqual([2]);
    expect(v1.state.closed).toBe(false);
    release();
    const answer = await inFlight;
    expect(answer?.status === 'answered' && answer.records.get(DEPOSITOR)?.[0]?.facts).toEqual({
      accountStatus: 'active',
    });
    expect(v1.state.closed).toBe(true);
    expect(registry.installed()).toEqual([{ id: 'hpf', kind: 'housing_fund', version: 2 }]);
  });

  it('serves partners by region, removes them, and closes an idle one at once', async () => {
    const registry = createConnectorRegistry({});
    const nanjing = fake('hpf', 1, {}, { regions: ['320100'] });
    registry.install({ partner: nanjing.connector });
    expect(registry.partners('320102')).toHaveLength(1);
    expect(registry.partners('320500')).toHaveLength(0);
    expect(registry.remove('hpf')).toBe(true);
    expect(registry.remove('hpf')).toBe(false);
    expect(registry.partners('320102')).toEqual([]);
    await Promise.resolve();
    expect(nanjing.state.closed).toBe(true);
  });

  it('lets a partner of a built-in kind serve that source in its regions only', async () => {
    const builtIn: Connector<'hrss'> = {
      id: 'builtin-hrss',
      source: 'hrss',
      query: async () => ({ status: 'answered', records: new Map() }),
    };
    const registry = createConnectorRegistry({ hrss: builtIn });
    const district = fake(
      'gulou-hrss',
      1,
      { [DEPOSITOR]: { employment: 'employed', asOf: '2025-06-01' } },
      { kind: 'hrss', regions: ['320106'] },
    );
    registry.install({
      partner: district.connector,
      builtIn: asBuiltInConnector(district.connector, 'hrss'),
    });
    expect(registry.get('hrss', '320102')?.id).toBe('builtin-hrss');
    const served = registry.get('hrss', '320106');
    expect(served?.id).toBe('gulou-hrss');
    const answer = await served?.query(query([DEPOSITOR]));
    expect(answer?.status === 'answered' && answer.records.get(DEPOSITOR)).toEqual([
      { idNumber: DEPOSITOR, employment: 'employed', asOf: '2025-06-01' },
    ]);
    expect(registry.partners('320106')).toEqual([]);
    expect(() => asBuiltInConnector(fake('x', 1, {}).connector, 'hrss')).toThrow(TypeError);
  });
});

describe('conformance', () => {
  const cases = restManifest(8443).conformance.cases;
  const run = (c: PartnerConnector) =>
    runConformance(c, cases, { requestId: 'conf', timeoutMs: 1000, now: new Date(0), version: 3 });

  it('passes when every case answers as declared', async () => {
    const ok = fake('hpf', 3, {
      [DEPOSITOR]: { accountStatus: 'active', monthlyDeposit: 1234.5, lastDepositDate: '2025-06-15' },
    });
    const report = await run(ok.connector);
    expect(report).toMatchObject({
      passed: true,
      version: 3,
      failures: [],
      ranAt: '1970-01-01T00:00:00.000Z',
    });
    expect(report.cases.map((c) => c.case)).toEqual(['active_depositor', 'no_account']);
  });

  it('says which case, which subject and which fact differed, with both values', async () => {
    const wrong = fake('hpf', 3, {
      [DEPOSITOR]: { accountStatus: 'active', monthlyDeposit: 123450, lastDepositDate: '2025-06-15' },
      [NOBODY]: { accountStatus: 'closed' },
    });
    const report = await run(wrong.connector);
    expect(report.passed).toBe(false);
    expect(report.failures).toEqual([
      {
        case: 'active_depositor',
        subject: DEPOSITOR,
        fact: 'monthlyDeposit',
        expected: 1234.5,
        actual: 123450,
      },
      { case: 'no_account', subject: NOBODY, expected: 'not_found', actual: 'found' },
    ]);
  });

  it('reports a missing record and an unavailable registry per case', async () => {
    const empty = await run(fake('hpf', 3, {}).connector);
    expect(empty.failures).toEqual([
      { case: 'active_depositor', subject: DEPOSITOR, expected: 'found', actual: 'not_found' },
    ]);
    const down = await run(fake('hpf', 3, {}, { unavailable: true }).connector);
    expect(down.failures.map((f) => [f.case, f.actual, f.detail])).toEqual([
      ['active_depositor', 'unavailable', 'ERR_REGISTRY_TIMEOUT: slow'],
      ['no_account', 'unavailable', 'ERR_REGISTRY_TIMEOUT: slow'],
    ]);
  });
});
