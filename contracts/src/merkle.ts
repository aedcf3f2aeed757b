/**
 * RFC 9162 Merkle hashing and consistency proofs for the chaincode. The mathematics are
 * the gateway's own `src/core/log` (rfc9162.ts, verify.ts), compiled into this package's
 * build: one implementation, so the chaincode cannot drift from the log it anchors.
 * This file is the chaincode's boundary to it: `LogProofError` becomes `ERR_MALFORMED`
 * or `ERR_INCONSISTENT`, and a refusal names both roots in base64, as checkpoints
 * write them. test/merkle.test.ts checks it against a naive tree built from the RFC's
 * definitions, test/vectors.test.ts against the shared and upstream vectors.
 */
import { LogProofError } from '../../src/core/log/log-proof-error.js';
import { verifyConsistency as verifyCore } from '../../src/core/log/verify.js';
import { toBase64 } from './encoding.js';
import { AnchorError, fromCoreError } from './errors.js';

export { emptyRoot, HASH_SIZE, leafHash, nodeHash } from '../../src/core/log/rfc9162.js';

/**
 * Throws unless the tree (`size2`, `root2`) is an append-only extension of the tree
 * (`size1`, `root1`) by `proof`.
 * - `ERR_MALFORMED`: a size is not a safe non-negative integer, `size1 > size2`,
 *   `size1 === 0` (RFC 9162 defines no proof from the empty tree: it would prove
 *   nothing), or a hash is not 32 bytes.
 * - `ERR_INCONSISTENT`: the proof has the wrong length for the sizes or does not lead
 *   to both roots; the message names the offered and the anchored root (base64), `facts`
 *   carries them too.
 * `size1 === size2` needs an empty proof and equal roots. Parameters are the core's:
 * `(size1, size2, proof, root1, root2)`.
 * @example
 * verifyConsistency(7, 12, proofHashes, anchoredRoot, newRoot);
 */
export function verifyConsistency(...args: Parameters<typeof verifyCore>): void {
  try {
    verifyCore(...args);
  } catch (err) {
    const [size1, size2, , root1, root2] = args;
    const converted = fromCoreError(err);
    if (!(err instanceof LogProofError && converted instanceof AnchorError)) throw converted;
    if (converted.code !== 'ERR_INCONSISTENT') throw converted;
    // Both roots are 32 bytes here: the core checks lengths before it hashes.
    const [old, offered] = [toBase64(root1), toBase64(root2)];
    throw new AnchorError(
      'ERR_INCONSISTENT',
      `size ${size2} root ${offered} does not extend size ${size1} root ${old}: ${err.message}`,
      { size1, size2, root1: old, root2: offered },
    );
  }
}
