/**
 * The gateway on local workerd as a ContractTarget for the shared, runtime-agnostic suites
 * (tests/contract). Requests leave HRSS out of the consent: `wrangler dev --local` cannot
 * present the HRSS client certificate (the mTLS binding works only remotely), and the
 * contract's requests must be decided without a registry fault.
 */
import { inject } from 'vitest';
import type { VerificationRequest } from '../../../schemas/index.ts';
import { assistedRequest, type CollectedProblem, type ContractTarget } from '../../contract/index.ts';
import { requestFor } from '../../support/requests.ts';
import { mintDevToken } from '../../support/tokens.ts';
import { workersFixtures } from './workers-stack.ts';

export const WORKERS_SCOPES = ['civil_affairs', 'disability'] as const;

/** A request about person `index` of the Workers population, HRSS out of scope. */
export function workersRequest(
  index: number,
  overrides: Partial<VerificationRequest> = {},
): VerificationRequest {
  const base = requestFor(workersFixtures(), index);
  return { ...base, consent: { ...base.consent, scopes: [...WORKERS_SCOPES] }, ...overrides };
}

/** @example const target = workersContractTarget(problems); */
export function workersContractTarget(problems: CollectedProblem[]): ContractTarget {
  const dataDir = inject('workersDataDir');
  return {
    baseUrl: inject('workersUrl'),
    mintToken: (scopes, clientId, options) => mintDevToken(dataDir, scopes, clientId, options),
    requests: [0, 1, 2, 3].map((i) => workersRequest(i * 7)),
    people: workersFixtures().persons,
    onProblem: (problem) => problems.push(problem),
    lifecycle: {
      request: assistedRequest(workersFixtures(), (i) => workersRequest(i)),
      async setFaults(faults) {
        const response = await fetch(inject('workersFaultsUrl'), {
          method: 'POST',
          body: JSON.stringify(faults),
        });
        if (response.status !== 204) throw new Error(`setting faults answered ${response.status}`);
      },
    },
  };
}
