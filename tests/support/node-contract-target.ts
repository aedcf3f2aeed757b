/** The Node gateway of the test harness as a ContractTarget for the runtime-agnostic suites. */
import type { Fixtures, VerificationRequest } from '../../schemas/index.ts';
import type { CollectedProblem, ContractTarget } from '../contract/contract-target.ts';
import type { InProcessGateway } from './gateway-harness.ts';
import { mintDevToken } from './tokens.ts';

/**
 * @example
 * const target = nodeContractTarget(gw, fixtures, requests, problems);
 */
export function nodeContractTarget(
  gw: Pick<InProcessGateway, 'url' | 'dataDir'>,
  fixtures: Pick<Fixtures, 'persons'>,
  requests: readonly VerificationRequest[],
  problems: CollectedProblem[],
  lifecycle?: ContractTarget['lifecycle'],
): ContractTarget {
  return {
    ...(lifecycle ? { lifecycle } : {}),
    baseUrl: gw.url,
    mintToken: (scopes, clientId, options) => mintDevToken(gw.dataDir, scopes, clientId, options),
    requests,
    people: fixtures.persons,
    onProblem: (problem) => problems.push(problem),
  };
}
