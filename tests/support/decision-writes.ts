/** A store-level write set for one synthetic decision, for tests that drive a store directly. */
import type { Decision, VerificationRequest } from '../../schemas/index.ts';
import type { DecisionWrite } from '../../src/core/decision-store.ts';

/** @example await store.commit(decisionWrite(requestFor(fixtures, 0), 'decision-1', { idempotencyKey: 'k' })); */
export function decisionWrite(
  request: VerificationRequest,
  id: string,
  overrides: Partial<Omit<DecisionWrite, 'decision' | 'request'>> = {},
): DecisionWrite {
  const decision: Omit<Decision, 'receipt'> = {
    id,
    outcome: 'eligible',
    provisional: false,
    greenChannel: false,
    decidedAt: '2025-06-30T01:00:00.000Z',
    decisionDate: '2025-06-30',
    region: request.region,
    basis: [],
    policy: { id: 'cn-320100', version: '2025.1', digest: 'policy-digest' },
    evidence: [],
    signature: `signature-of-${id}`,
  };
  return {
    clientId: 'intake-a',
    idempotencyKey: 'same-key',
    requestDigest: 'digest',
    request,
    decision,
    payloadDigest: `payload-of-${id}`,
    accesses: [],
    ...overrides,
  };
}
