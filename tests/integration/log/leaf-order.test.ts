/**
 * A decision writes its access leaves in the fixed source order (civil affairs, HRSS,
 * disability), whatever order the registries answer in. Civil affairs is made slow, so it
 * answers last; the leaves must still start with it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import { SOURCES } from '../../../schemas/common.ts';
import type { Decision } from '../../../schemas/index.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';
import { latestCheckpoint, logKey, readEntries, subjectLeaf } from './log-helpers.ts';

const fixtures = generatePopulation({ seed: 'leaf-order', size: 4 });
let gw: InProcessGateway;

beforeAll(async () => {
  gw = await startInProcess({ fixtures, slowMs: 150, deadlineMs: 2000 });
});
afterAll(() => gw.close());

it('orders access leaves by source, not by arrival', async () => {
  gw.sandboxes.setFaults([{ source: 'civil_affairs', mode: 'slow' }]);
  const response = await gw.verify(requestFor(fixtures, 0), { token: await gw.token() });
  expect(response.status).toBe(201);
  const decision = (await response.json()) as Decision;

  const answered = gw.sandboxes
    .requestLog()
    .filter((r) => r.requestId === decision.id)
    .map((r) => r.source);
  expect(answered).toContain('civil_affairs'); // it was asked, and answered after its 150 ms

  const head = await latestCheckpoint(gw.url, await logKey(gw.url));
  const leaves = (await readEntries(gw.url, head.size)).map(subjectLeaf);
  const accessSources = leaves
    .filter((l) => l.decisionId === decision.id && l.kind === 'access')
    .map((l) => (l as { source: string }).source);
  expect(accessSources).toEqual(SOURCES.filter((s) => accessSources.includes(s)));
  expect(accessSources[0]).toBe('civil_affairs');
  expect(leaves.at(-1)).toMatchObject({ kind: 'decision', decisionId: decision.id });
});
