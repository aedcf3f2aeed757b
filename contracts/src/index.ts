/**
 * Chaincode entry point: fabric-shim requires `main` and starts every class in
 * `contracts`; the first is the default contract.
 */
import { LogAnchorContract } from './log-anchor-contract.js';

export { ANCHOR_ERROR_CODES, AnchorError, type AnchorErrorCode } from './errors.js';
export type { AnchorRecord, LogKeyRecord, SigningKeyRecord } from './ledger.js';
export { LogAnchorContract };

export const contracts = [LogAnchorContract];
