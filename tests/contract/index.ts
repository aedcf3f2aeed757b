/**
 * The runtime-agnostic HTTP contract of the gateway (CONTRACT.md), as suites any runtime's
 * test file runs against its own deployment:
 * @example
 * import { describeGatewayContract } from '../../contract/index.ts';
 * describeGatewayContract(() => target); // target: a ContractTarget built in beforeAll
 */
import { describeAuthContract } from './auth-contract.ts';
import { describeChangeFeedContract } from './change-feed-contract.ts';
import type { TargetSource } from './contract-target.ts';
import { describeDecisionContract } from './decision-contract.ts';
import { describeIdempotencyContract } from './idempotency-contract.ts';
import { describeIndicatorsContract } from './indicators-contract.ts';
import { describeRequestContract } from './request-contract.ts';
import { describeReverificationContract } from './reverification-contract.ts';
import { describeReviewContract } from './review-contract.ts';
import { describeWebhookContract } from './webhook-contract.ts';

export { describeAuthContract } from './auth-contract.ts';
export { describeChangeFeedContract } from './change-feed-contract.ts';
export {
  type ContractClient,
  contractClient,
  expectDecision,
  expectProblem,
  freshKey,
  hasChinese,
  type Language,
} from './contract-client.ts';
export type {
  CollectedProblem,
  ContractPerson,
  ContractTarget,
  FetchLike,
  MintTokenOptions,
  TargetSource,
} from './contract-target.ts';
export { describeDecisionContract } from './decision-contract.ts';
export { describeIdempotencyContract } from './idempotency-contract.ts';
export { describeIndicatorsContract } from './indicators-contract.ts';
export { findPersonalData, type PersonalDataHit, secretsOf } from './personal-data.ts';
export { describeRequestContract } from './request-contract.ts';
export {
  assistedRequest,
  describeReverificationContract,
  withAssistedPerson,
} from './reverification-contract.ts';
export { describeReviewContract } from './review-contract.ts';
export { signedPart, type VerifiedDecision, verifyDecision } from './verify-decision.ts';
export { CONTRACT_WEBHOOK_URL, describeWebhookContract } from './webhook-contract.ts';

/** Every contract suite, in one call. */
export function describeGatewayContract(source: TargetSource): void {
  describeDecisionContract(source);
  describeIdempotencyContract(source);
  describeAuthContract(source);
  describeRequestContract(source);
  describeReviewContract(source);
  describeReverificationContract(source);
  describeWebhookContract(source);
  describeChangeFeedContract(source);
  describeIndicatorsContract(source);
}
