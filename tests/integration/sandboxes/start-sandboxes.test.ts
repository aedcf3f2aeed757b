/** startSandboxes end to end: fixture faults, the serialisable connector config, logs, close, generated populations. */
import { describe, expect, it } from 'vitest';
import {
  BuiltInConnectorConfig,
  createBuiltInConnectors,
  generatePopulation,
  loadFixtures,
  startSandboxes,
} from '../../../connectors/index.ts';
import { maskIdNumber } from '../../../connectors/sandbox/sandbox-server.ts';
import { nodeJws } from '../../../src/adapters/node/node-jws.ts';
import { BASIC_FIXTURES, expectUnavailable, PEOPLE, PURPOSE, query, recordsOf } from './helpers.ts';

describe('startSandboxes', () => {
  it('keeps a bounded request log, oldest first out, and whole numbers only when asked to', async () => {
    const fixtures = await loadFixtures(BASIC_FIXTURES);
    const sandboxes = await startSandboxes({ fixtures, requestLog: { limit: 20, maskSubjects: false } });
    try {
      const connectors = createBuiltInConnectors(sandboxes.connectorConfig, nodeJws);
      for (let i = 0; i < 50; i++) await connectors.hrss.query(query([PEOPLE.zhao]));
      const log = sandboxes.hrss.requestLog();
      expect(log.length).toBeLessThanOrEqual(20);
      expect(log.length).toBeGreaterThan(0);
      expect(log.at(-1)?.subjects).toEqual([PEOPLE.zhao]);
    } finally {
      await sandboxes.close();
    }
  });

  it('starts three distinct loopback registries whose serialisable config drives the built-in connectors', async () => {
    const fixtures = await loadFixtures(BASIC_FIXTURES);
    const sandboxes = await startSandboxes({ fixtures, slowMs: 100 });
    try {
      expect(sandboxes.civilAffairs.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sandboxes.hrss.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(sandboxes.disability.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(new Set([sandboxes.civilAffairs.url, sandboxes.hrss.url, sandboxes.disability.url]).size).toBe(
        3,
      );

      // What `egw start` would write to disk and read back.
      const roundTripped = BuiltInConnectorConfig.parse(
        JSON.parse(JSON.stringify(sandboxes.connectorConfig)),
      );
      expect(roundTripped).toEqual(sandboxes.connectorConfig);
      const connectors = createBuiltInConnectors(roundTripped, nodeJws);
      expect(Object.keys(connectors)).toEqual(['civil_affairs', 'hrss', 'disability']);
      for (const [source, c] of Object.entries(connectors)) expect(c.source).toBe(source);

      // The fixture's own fault: civil affairs fails whenever zhao is asked about, and only then.
      expectUnavailable(
        await connectors.civil_affairs.query(query([PEOPLE.wang, PEOPLE.zhao])),
        'ERR_REGISTRY_ERROR',
      );
      expect(recordsOf(await connectors.civil_affairs.query(query([PEOPLE.wang])))[PEOPLE.wang]).toHaveLength(
        1,
      );
      expect((await connectors.hrss.query(query([PEOPLE.zhao]))).status).toBe('answered');

      // Consent covering civil affairs only: the other registries never hear of anyone.
      // Masked by default: a demo's memory holds no whole identity number (issue 11).
      expect(sandboxes.hrss.requestLog().map((e) => e.subjects)).toEqual([[maskIdNumber(PEOPLE.zhao)]]);
      expect(JSON.stringify(sandboxes.requestLog())).not.toContain(PEOPLE.zhao);
      expect(sandboxes.disability.requestLog()).toEqual([]);
      expect(sandboxes.requestLog().map((e) => [e.source, e.outcome, e.purpose])).toEqual([
        ['civil_affairs', 'error', PURPOSE],
        ['civil_affairs', 'answered', PURPOSE],
        ['hrss', 'answered', PURPOSE],
      ]);
      sandboxes.clearRequestLogs();
      expect(sandboxes.requestLog()).toEqual([]);

      await Promise.all(Object.values(connectors).map((c) => c.close?.()));
    } finally {
      await sandboxes.close();
    }
    // Closed means closed: a fresh connector finds nobody listening, and a second close is harmless.
    const after = createBuiltInConnectors(sandboxes.connectorConfig, nodeJws);
    expectUnavailable(await after.disability.query(query([PEOPLE.li], 1_000)), 'ERR_REGISTRY_UNREACHABLE');
    await Promise.all(Object.values(after).map((c) => c.close?.()));
    await sandboxes.close();
  });

  it('closes promptly even with a request held open by the timeout fault', async () => {
    const fixtures = await loadFixtures(BASIC_FIXTURES);
    const sandboxes = await startSandboxes({
      fixtures: { ...fixtures, faults: [{ source: 'hrss', mode: 'timeout' }] },
    });
    const connectors = createBuiltInConnectors(sandboxes.connectorConfig, nodeJws);
    const pending = connectors.hrss.query(query([PEOPLE.wang], 10_000));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sandboxes.hrss.requestLog()).toMatchObject([{ outcome: 'timeout', status: undefined }]);
    const started = performance.now();
    await sandboxes.close();
    expect(performance.now() - started).toBeLessThan(500);
    // The connection dropped under the connector; it answers rather than waiting out its deadline.
    expect((await pending).status).toBe('unavailable');
    await Promise.all(Object.values(connectors).map((c) => c.close?.()));
  });

  it('serves a generated population', async () => {
    const fixtures = generatePopulation({ seed: 'integration', size: 3_000 });
    const person = fixtures.civilAffairs.find((r) =>
      fixtures.hrss.some((h) => h.idNumber === r.idNumber),
    )?.idNumber;
    const certified = fixtures.disability[0]?.idNumber;
    expect(person).toBeDefined();
    expect(certified).toBeDefined();
    if (!person || !certified) return;
    const sandboxes = await startSandboxes({ fixtures });
    const connectors = createBuiltInConnectors(sandboxes.connectorConfig, nodeJws);
    try {
      const [civil, hrss, disability] = await Promise.all([
        connectors.civil_affairs.query(query([person])),
        connectors.hrss.query(query([person])),
        connectors.disability.query(query([certified])),
      ]);
      expect(recordsOf(civil)[person]).toEqual(fixtures.civilAffairs.filter((r) => r.idNumber === person));
      expect(recordsOf(hrss)[person]).toEqual(fixtures.hrss.filter((r) => r.idNumber === person));
      expect(recordsOf(disability)[certified]).toEqual(
        fixtures.disability.filter((r) => r.idNumber === certified),
      );
    } finally {
      await Promise.all(Object.values(connectors).map((c) => c.close?.()));
      await sandboxes.close();
    }
  });
});
