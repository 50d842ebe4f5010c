// Client-side verification of key-directory proofs against a checkpoint the client has already
// opened (openCheckpoint with the directory's verifier key, ideally with witness cosignatures).
// Pure functions: null on any failure or malformed input, never an exception.
import { equalBytes, isBytes, isHash, isSafeIndex } from './bytes.ts'
import { OPENING_SIZE, verifyCommitment } from './commitment.ts'
import { encodeLabelVersion, labelBytes, logEntryLeafHash, MAX_VERSION, searchKey } from './directory-encoding.ts'
import type {
  EpochProof,
  HistoryProof,
  LookupProof,
  OpenedVersionProof,
  PastLookupProof,
  VerifiedHistory,
  VerifiedLookup,
  VerifiedVersion,
  VersionProof,
} from './directory-proofs.ts'
import { vrfVerify } from './ecvrf.ts'
import { verifyInclusion } from './merkle-verify.ts'
import { prefixRootFromProof } from './prefix-proof.ts'
import type { Checkpoint } from './tlog-checkpoint.ts'

/**
 * The proof's epoch must be log entry `epoch` of the checkpoint's tree: its last one for a lookup
 * or history, an earlier one for a past lookup.
 */
function verifyEpoch(proof: EpochProof, checkpoint: Checkpoint, epoch = proof.treeSize - 1): boolean {
  if (typeof checkpoint !== 'object' || checkpoint === null || !isHash(checkpoint.rootHash)) return false
  const { treeSize, timestamp, prefixRoot, logProof } = proof
  if (!isSafeIndex(treeSize) || treeSize === 0 || treeSize !== checkpoint.size) return false
  if (!isSafeIndex(epoch) || epoch >= treeSize) return false
  if (!isSafeIndex(timestamp) || !isHash(prefixRoot) || !Array.isArray(logProof)) return false
  const leaf = logEntryLeafHash(timestamp, prefixRoot)
  return verifyInclusion(epoch, treeSize, leaf, [...logProof], checkpoint.rootHash)
}

/**
 * Checks the VRF proof for (label, version) and the prefix-tree search for its output: found with
 * `commitment` when one is given, absent when it is null.
 */
function verifyVersion(
  vp: VersionProof,
  version: number,
  lb: Uint8Array,
  vrfPublicKey: Uint8Array,
  prefixRoot: Uint8Array,
  commitment: Uint8Array | null,
): boolean {
  if (typeof vp !== 'object' || vp === null || vp.version !== version || version > MAX_VERSION) return false
  const beta = vrfVerify(vrfPublicKey, encodeLabelVersion(lb, version), vp.vrfProof)
  if (beta === null) return false
  const proof = vp.prefixProof
  if (typeof proof !== 'object' || proof === null) return false
  if ((proof.kind === 'inclusion') !== (commitment !== null)) return false
  const root = prefixRootFromProof(searchKey(beta), proof, commitment)
  return root !== null && equalBytes(root, prefixRoot)
}

/** Checks the opening if there is one; both value and opening null means tombstoned. */
function openVersion(op: OpenedVersionProof, lb: Uint8Array): { value: Uint8Array | null; tombstoned: boolean } | null {
  if (!isHash(op.commitment)) return null
  if (op.value === null && op.opening === null) return { value: null, tombstoned: true }
  if (!isBytes(op.value) || !isBytes(op.opening, OPENING_SIZE)) return null
  if (!verifyCommitment(op.commitment, op.opening, lb, op.version, op.value)) return null
  return { value: op.value, tombstoned: false }
}

function verifyOpenedVersion(
  op: OpenedVersionProof,
  version: number,
  lb: Uint8Array,
  vrfPublicKey: Uint8Array,
  prefixRoot: Uint8Array,
): { value: Uint8Array | null; tombstoned: boolean } | null {
  if (typeof op !== 'object' || op === null) return null
  const opened = openVersion(op, lb)
  if (opened === null) return null
  return verifyVersion(op, version, lb, vrfPublicKey, prefixRoot, op.commitment) ? opened : null
}

/**
 * Verifies a lookup of `label`: the greatest version is included with the value it opens to, and
 * the next version is absent, in the prefix tree of the checkpoint's latest epoch.
 */
export function verifyLookup(
  label: string,
  proof: LookupProof,
  checkpoint: Checkpoint,
  vrfPublicKey: Uint8Array,
): VerifiedLookup | null {
  return verifyLookupIn(label, proof, checkpoint, vrfPublicKey, null)
}

/**
 * Verifies a lookup of `label` as of `epoch` (a checkpoint of size epoch + 1 that the client
 * need not have): the epoch's log entry is included in `checkpoint` — one the client already
 * trusts, at least that large — and the version returned is the greatest one in that epoch's
 * prefix tree, with the value it opens to. Null if the proof is for any other epoch, or the
 * checkpoint is older than the epoch.
 */
export function verifyPastLookup(
  label: string,
  proof: PastLookupProof,
  checkpoint: Checkpoint,
  vrfPublicKey: Uint8Array,
  epoch: number,
): VerifiedLookup | null {
  if (typeof proof !== 'object' || proof === null || !isSafeIndex(epoch) || proof.epoch !== epoch) return null
  return verifyLookupIn(label, proof, checkpoint, vrfPublicKey, epoch)
}

/** `epoch` null: the checkpoint's latest. */
function verifyLookupIn(
  label: string,
  proof: LookupProof,
  checkpoint: Checkpoint,
  vrfPublicKey: Uint8Array,
  epoch: number | null,
): VerifiedLookup | null {
  try {
    const lb = labelBytes(label)
    if (lb === null || !isBytes(vrfPublicKey, 32) || typeof proof !== 'object' || proof === null) return null
    const at = epoch ?? proof.treeSize - 1
    if (!verifyEpoch(proof, checkpoint, at)) return null
    const { latest, absent, prefixRoot, timestamp } = proof
    let version = 0
    let value: Uint8Array | null = null
    let tombstoned = false
    if (latest !== null) {
      if (typeof latest !== 'object' || !isSafeIndex(latest.version) || latest.version < 1) return null
      version = latest.version
      const opened = verifyOpenedVersion(latest, version, lb, vrfPublicKey, prefixRoot)
      if (opened === null) return null
      ;({ value, tombstoned } = opened)
    }
    if (!verifyVersion(absent, version + 1, lb, vrfPublicKey, prefixRoot, null)) return null
    return { version, value, tombstoned, epoch: at, timestamp }
  } catch {
    return null
  }
}

/**
 * Verifies a label's full history for its owner: versions 1..n all present, in order, each
 * opening checked, and version n + 1 absent, in the checkpoint's latest epoch.
 */
export function verifyHistory(
  label: string,
  proof: HistoryProof,
  checkpoint: Checkpoint,
  vrfPublicKey: Uint8Array,
): VerifiedHistory | null {
  try {
    const lb = labelBytes(label)
    if (lb === null || !isBytes(vrfPublicKey, 32) || typeof proof !== 'object' || proof === null) return null
    if (!verifyEpoch(proof, checkpoint) || !Array.isArray(proof.versions)) return null
    const { prefixRoot, treeSize } = proof
    const versions: VerifiedVersion[] = []
    let lastEpoch = 0
    for (const [i, vp] of proof.versions.entries()) {
      const opened = verifyOpenedVersion(vp, i + 1, lb, vrfPublicKey, prefixRoot)
      if (opened === null) return null
      const { addedInEpoch } = vp
      if (!isSafeIndex(addedInEpoch) || addedInEpoch < lastEpoch || addedInEpoch >= treeSize) return null
      lastEpoch = addedInEpoch
      versions.push({ version: i + 1, ...opened, addedInEpoch })
    }
    if (!verifyVersion(proof.absent, versions.length + 1, lb, vrfPublicKey, prefixRoot, null)) return null
    return { versions, epoch: treeSize - 1, timestamp: proof.timestamp }
  } catch {
    return null
  }
}
