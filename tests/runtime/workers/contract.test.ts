/**
 * The shared HTTP contract suites (tests/contract, the very ones the Node gateway runs)
 * against the gateway on local workerd with D1 and the Durable Object sequencer; then every
 * problem body they received is scanned for personal data.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CollectedProblem, ContractTarget } from '../../contract/index.ts';
import { describeGatewayContract, findPersonalData } from '../../contract/index.ts';
import { workersFixtures } from './workers-stack.ts';
import { workersContractTarget } from './workers-target.ts';

const problems: CollectedProblem[] = [];
let target: ContractTarget;

beforeAll(() => {
  target = workersContractTarget(problems);
});

describeGatewayContract(() => target);

describe('problem bodies of the whole contract run on workerd', () => {
  it('carry no synthetic identity number or name', () => {
    expect(new Set(problems.map((p) => p.status))).toEqual(
      new Set([400, 401, 403, 404, 405, 409, 413, 415, 422]),
    );
    expect(findPersonalData(problems.map((p) => p.text).join('\n'), workersFixtures().persons)).toEqual([]);
  });
});
