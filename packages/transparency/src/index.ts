export { EMPTY_ROOT, merkleLeafHash, merkleNodeHash } from './merkle-hash.ts'
export { merkleConsistencyProof, merkleInclusionProof, merkleRoot } from './merkle-proofs.ts'
export { MerkleLog } from './merkle-log.ts'
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './merkle-verify.ts'
export {
  addNoteSignatures,
  formatNote,
  isValidKeyName,
  MAX_NOTE_SIGNATURES,
  openNote,
  parseNote,
  signNote,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
  type ParsedNote,
} from './signed-note.ts'
export { ed25519NoteSigner, ed25519NoteVerifier, noteKeyId, SIG_TYPE_COSIGNATURE_V1, SIG_TYPE_ED25519 } from './note-ed25519.ts'
export { formatVerifierKey, noteVerifierFromKey, parseVerifierKey, type VerifierKey } from './note-verifier-key.ts'
export {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  type Checkpoint,
  type OpenedCheckpoint,
} from './tlog-checkpoint.ts'
export {
  cosignatureKeyId,
  cosignatureMessage,
  cosignatureTimestamp,
  cosignatureVerifier,
  cosigner,
} from './tlog-cosignature.ts'
export { fromBase64, toBase64 } from './base64.ts'
export {
  VRF_OUTPUT_SIZE,
  VRF_PROOF_SIZE,
  vrfProofToHash,
  vrfProve,
  vrfPublicKey,
  vrfSecretKey,
  vrfVerify,
  vrfVerifyReference,
  vrfVerifyStats,
  clearVrfVerified,
  type FixedKeyMultiplier,
  type FixedKeyMultiplierFactory,
  type VrfSecretKey,
} from './ecvrf.ts'
export { commit, newOpening, OPENING_SIZE, verifyCommitment } from './commitment.ts'
export { encodeLabelVersion, encodeLogEntry, labelBytes, logEntryLeafHash, MAX_LABEL_BYTES, MAX_VALUE_BYTES } from './directory-encoding.ts'
export {
  decodePrefixProof,
  encodePrefixProof,
  prefixLeafHash,
  prefixParentHash,
  prefixRootFromProof,
  type PrefixProof,
} from './prefix-proof.ts'
export { PrefixTree } from './prefix-tree.ts'
export type {
  EpochProof,
  HistoryProof,
  HistoryVersionProof,
  LookupProof,
  OpenedVersionProof,
  PastLookupProof,
  VerifiedHistory,
  VerifiedLookup,
  VerifiedVersion,
  VersionProof,
} from './directory-proofs.ts'
export { MemoryDirectoryStorage, type DirectoryChanges, type DirectoryStorage, type EntryRow, type EpochRow, type StorageHead, type TombstoneRow } from './directory-storage.ts'
export { KeyDirectory, type KeyDirectoryConfig } from './key-directory.ts'
export type { UpdateRequest, VrfEvaluator } from './update-queue.ts'
export { verifyHistory, verifyLookup, verifyPastLookup } from './directory-verify.ts'
export {
  decodeHistoryProof,
  decodeLookupProof,
  decodePastLookupProof,
  encodeHistoryProof,
  encodeLookupProof,
  encodePastLookupProof,
} from './directory-codec.ts'
export { COMPACT_LOOKUP_MEDIA_TYPE, decodeCompactLookup, encodeCompactLookup, type CompactLookup, type ValueCodec } from './directory-compact.ts'
