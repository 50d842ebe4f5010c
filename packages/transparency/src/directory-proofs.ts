// The shapes the key directory hands to clients. Every proof is against one epoch: the latest
// one in the checkpoint the client verified, whose log entry is the checkpoint's last leaf, or
// for a past lookup an earlier epoch, whose log entry is proven at its index in that checkpoint.
import type { PrefixProof } from './prefix-proof.ts'

/** A (label, version) pair's VRF proof and its prefix-tree search result. */
export interface VersionProof {
  readonly version: number
  /** ECVRF proof (80 bytes) for VrfInput(label, version); its output is the search key. */
  readonly vrfProof: Uint8Array
  readonly prefixProof: PrefixProof
}

/** A version proved present, with the commitment and, unless tombstoned, its opening. */
export interface OpenedVersionProof extends VersionProof {
  readonly commitment: Uint8Array
  readonly value: Uint8Array | null
  readonly opening: Uint8Array | null
}

export interface HistoryVersionProof extends OpenedVersionProof {
  /** The epoch in which the server says this version was published. Informational, not proven. */
  readonly addedInEpoch: number
}

/** Ties an epoch's prefix-tree root to a checkpoint: the epoch is leaf treeSize-1 of the log. */
export interface EpochProof {
  readonly treeSize: number
  /** LogEntry.timestamp, milliseconds since the Unix epoch. */
  readonly timestamp: number
  readonly prefixRoot: Uint8Array
  /** RFC 9162 inclusion proof of the LogEntry leaf in the checkpoint's tree. */
  readonly logProof: readonly Uint8Array[]
}

export interface LookupProof extends EpochProof {
  /** The greatest version, or null when the label has none. */
  readonly latest: OpenedVersionProof | null
  /** Non-inclusion of the next version (latest.version + 1, or 1). */
  readonly absent: VersionProof
}

/**
 * A lookup as of an earlier epoch: what `LookupProof` proves of the latest epoch, proven of epoch
 * `epoch` instead. `prefixRoot` and `timestamp` are that epoch's log entry, and `logProof` its
 * inclusion at index `epoch` in the checkpoint of size `treeSize` (any later checkpoint the client
 * trusts), so no checkpoint of the old size is needed.
 */
export interface PastLookupProof extends LookupProof {
  /** The epoch the lookup is as of: tree size epoch + 1; less than treeSize. */
  readonly epoch: number
}

export interface HistoryProof extends EpochProof {
  /** Every version 1..n, in order. */
  readonly versions: readonly HistoryVersionProof[]
  /** Non-inclusion of version n + 1. */
  readonly absent: VersionProof
}

export interface VerifiedLookup {
  readonly version: number
  /** Null when the label has no versions or the latest one was tombstoned. */
  readonly value: Uint8Array | null
  readonly tombstoned: boolean
  readonly epoch: number
  readonly timestamp: number
}

export interface VerifiedVersion {
  readonly version: number
  readonly value: Uint8Array | null
  readonly tombstoned: boolean
  readonly addedInEpoch: number
}

export interface VerifiedHistory {
  readonly versions: readonly VerifiedVersion[]
  readonly epoch: number
  readonly timestamp: number
}
