/**
 * The transparency log's mathematics, pure: RFC 9162 hashing, proof building from
 * stored perfect nodes, compact ranges, the verifier, and C2SP checkpoints.
 *
 * Verifier side (readable alone): rfc9162, verify, log-proof-error; base64-std,
 * note-key, signed-note, checkpoint, checkpoint-error.
 * Writer side: tree-nodes, proof, compact-range.
 *
 * The Fabric chaincode (contracts/) compiles the verifier side and ../canonical-json.ts
 * into its own build, so a change there changes what every endorsing peer accepts: run
 * the chaincode's tests (`cd contracts && npm test`) and redeploy it.
 */
export { decodeBase64Std, encodeBase64Std } from './base64-std.ts';
export {
  type Checkpoint,
  formatCheckpoint,
  type OpenCheckpointOptions,
  type OpenedCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from './checkpoint.ts';
export { CheckpointError, type CheckpointErrorCode, type CheckpointFacts } from './checkpoint-error.ts';
export {
  type AppendResult,
  appendLeaf,
  type CompactRange,
  compactRangeNodes,
  EMPTY_COMPACT_RANGE,
  readCompactRange,
  rootAt,
  rootFromCompactRange,
} from './compact-range.ts';
export { LogProofError, type LogProofErrorCode, type LogProofFacts, toHex } from './log-proof-error.ts';
export {
  generateNoteKey,
  isValidKeyName,
  type NoteKeyPair,
  type NoteSigner,
  type NoteVerifier,
  noteKeyFromSeed,
  noteKeyHash,
  parseSignerKey,
  parseVerifierKey,
} from './note-key.ts';
export {
  assembleProof,
  consistencyProof,
  inclusionProof,
  type ProofPlan,
  planConsistency,
  planInclusion,
  planNodes,
} from './proof.ts';
export { emptyRoot, HASH_SIZE, leafHash, nodeHash } from './rfc9162.ts';
export {
  type NoteLine,
  type NoteSignature,
  type OpenedNote,
  openNote,
  type ParsedNote,
  parseNote,
  signNote,
} from './signed-note.ts';
export { foldRight, type NodeId, type NodeReader, type PerfectNode, rangeNodes } from './tree-nodes.ts';
export {
  consistencyProofSize,
  inclusionProofSize,
  rootFromConsistencyProof,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './verify.ts';
