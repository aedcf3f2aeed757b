/**
 * What the runtime-agnostic HTTP contract suites need from a deployment under test. The
 * suites import no `node:` module and no driver: they speak HTTP through `fetch`, mint
 * tokens through the target, and verify with WebCrypto (jose) and the pure core, so the
 * same suites run against the Node gateway and a Workers (workerd) deployment.
 */
import type { Fault, VerificationRequest } from '../../schemas/index.ts';
import type { Scope } from '../../src/http/auth.ts';

/** Variations of a token the target's trusted issuer signs, for the 401 cases. */
export interface MintTokenOptions {
  /** Seconds until `exp`; negative gives an expired token. Default 3600. */
  readonly expiresInSeconds?: number;
  /** `aud` claim; default the audience the target expects. */
  readonly audience?: string;
}

/** A synthetic person the target's registries know (never a real one). */
export interface ContractPerson {
  readonly idNumber: string;
  readonly name: string;
}

/** A problem body a suite received, kept for the personal-data scan. */
export interface CollectedProblem {
  readonly status: number;
  readonly text: string;
}

/** The `fetch` the suites use: global `fetch` on Node, `SELF.fetch` under the workers pool. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * A gateway deployment under test.
 * - `requests` MUST hold at least four valid requests about different synthetic people, each
 *   decided without a registry fault (any outcome), with `decisionDate` set.
 * - `people` MUST list every synthetic person the target's registries hold (the scan looks
 *   for each identity number and name in problem bodies).
 * @example
 * const target: ContractTarget = { baseUrl: gw.url, mintToken, requests, people, onProblem };
 * describeGatewayContract(() => target);
 */
export interface ContractTarget {
  /** Origin of the gateway, without a trailing slash, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** A bearer token from an issuer the target trusts, for `clientId` with exactly `scopes`. */
  mintToken(scopes: readonly Scope[], clientId: string, options?: MintTokenOptions): Promise<string>;
  readonly requests: readonly VerificationRequest[];
  readonly people: readonly ContractPerson[];
  /** The target's body limit in bytes. Default 64 KiB. */
  readonly bodyLimitBytes?: number;
  /** Called with every problem body the suites receive. */
  readonly onProblem?: (problem: CollectedProblem) => void;
  /** Default: the global `fetch`. */
  readonly fetch?: FetchLike;
  /**
   * For the re-verification suite: a request civil affairs alone decides (see `assistedRequest`),
   * and a way to make the target's sandbox registries fail and recover.
   */
  readonly lifecycle?: {
    readonly request: VerificationRequest;
    setFaults(faults: readonly Fault[]): Promise<void>;
  };
}

/** The target as suites get it: resolved after `beforeAll` has started the deployment. */
export type TargetSource = () => ContractTarget;
