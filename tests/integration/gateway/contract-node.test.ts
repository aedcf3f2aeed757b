/**
 * The runtime-agnostic HTTP contract suites (tests/contract) against the Node gateway with
 * real sandboxes; then every problem body they received is scanned for personal data.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import type { CollectedProblem, ContractTarget } from '../../contract/index.ts';
import {
  assistedRequest,
  describeGatewayContract,
  findPersonalData,
  withAssistedPerson,
} from '../../contract/index.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { nodeContractTarget } from '../../support/node-contract-target.ts';
import { requestFor } from '../../support/requests.ts';
import { testResolver } from '../../support/webhook-receiver.ts';

const fixtures = withAssistedPerson(generatePopulation({ seed: 'contract-node', size: 40 }));
const requests = [0, 1, 2, 3].map((i) => requestFor(fixtures, i * 7));
const problems: CollectedProblem[] = [];
let gw: InProcessGateway;
let target: ContractTarget;

beforeAll(async () => {
  // A generous deadline: these suites test the contract, not registry latency on a loaded host.
  // Webhook URLs of the contract (`*.example.org`) resolve without a network; none is reached.
  gw = await startInProcess({
    fixtures,
    deadlineMs: 10_000,
    connectors: { allowedHosts: [], resolver: testResolver },
  });
  target = nodeContractTarget(gw, fixtures, requests, problems, {
    request: assistedRequest(fixtures, (i) => requestFor(fixtures, i)),
    setFaults: async (faults) => gw.sandboxes.setFaults(faults),
  });
});
afterAll(() => gw.close());

describeGatewayContract(() => target);

describe('problem bodies of the whole contract run', () => {
  it('carry no synthetic identity number or name', () => {
    // Every status the contract names was provoked at least once.
    expect(new Set(problems.map((p) => p.status))).toEqual(
      new Set([400, 401, 403, 404, 405, 409, 413, 415, 422]),
    );
    expect(findPersonalData(problems.map((p) => p.text).join('\n'), fixtures.persons)).toEqual([]);
  });
});

describe('the contract suites stay runtime-agnostic', () => {
  it('import no node: module, no driver, no child process and no Buffer (a Workers run reuses them)', () => {
    const dir = new URL('../../contract/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      const code = readFileSync(new URL(file, dir), 'utf8')
        .split('\n')
        .filter((l) => !/^\s*(?:\*|\/\/|\/\*)/.test(l))
        .join('\n');
      expect({
        file,
        hits: code.match(
          /from '(?:node:[^']+|better-sqlite3|undici|drizzle-orm[^']*)'|\bBuffer\b|\bprocess\./g,
        ),
      }).toEqual({
        file,
        hits: null,
      });
    }
  });
});
