// The access log (data ownership): append-only leaves, each receipt kept beside its leaf for its
// subject, and each subject's tally of receipts. Part of the Store.
import type { UserId } from '@candor/protocol'

/** The access log (part of Store). */
export interface AccessLogStore {
  /**
   * Appends one access-log leaf and returns its index: 0, 1, 2, … with no gaps, even when
   * several nodes append at once. The receipt's subject is kept beside it (never in the leaf)
   * so the subject can be handed their receipts.
   */
  appendAccessLeaf(leaf: NewAccessLeaf): Promise<number>
  /** Leaf hashes from `fromIndex` on, in index order, at most `limit`. */
  accessLeafHashes(fromIndex: number, limit: number): Promise<Uint8Array[]>
  /**
   * The subject's leaves readable at `now` (visibleAt <= now) or already tallied (a clock
   * behind the one that tallied them must not hide them), oldest first.
   */
  accessLeavesOf(subject: UserId, now: number): Promise<AccessLeaf[]>
  /**
   * Gives each of the subject's leaves that is readable at `now` and not yet tallied the next
   * position in the subject's tally (1, 2, … in index order), atomically even when several nodes
   * tally at once, and returns the tally: the highest position and that leaf's hash. Leaves
   * whose envelope is gone are tallied too: the tally counts what was logged for the subject.
   */
  tallyAccessReceipts(subject: UserId, now: number): Promise<ReceiptTally>
  /** Subjects with a leaf readable at `now` that is not yet tallied (a delayed notice whose date came), at most `limit`. */
  untalliedAccessSubjects(now: number, limit: number): Promise<UserId[]>
}

export interface NewAccessLeaf {
  /** Null for leaves no one fetches from the server (a deletion receipt, an erased account). */
  subject: UserId | null
  leafHash: Uint8Array
  /** The sealed receipt the leaf hash commits to; null when the server keeps no copy. */
  envelope: Uint8Array | null
  loggedAt: number
  /** When the subject may read it (a delayed notice); loggedAt otherwise. */
  visibleAt: number
}

export interface AccessLeaf extends NewAccessLeaf {
  index: number
  subject: UserId
  envelope: Uint8Array
  /**
   * Its place in the subject's tally, which their key-directory entry commits to (1, 2, …);
   * null until it is tallied.
   */
  position: number | null
}

/** What a subject's key-directory entry commits to: how many receipts were tallied, and the last one. */
export interface ReceiptTally {
  count: number
  /** The leaf hash at position `count`; null when count is 0. */
  last: Uint8Array | null
}
