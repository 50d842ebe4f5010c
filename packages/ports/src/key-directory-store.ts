// What the key directory needs of the Store: where it keeps its entries and epochs, the backlog
// of users whose entries must be published again, the publication lock, and witnesses'
// cosignatures of its checkpoints.
import type { UserId } from '@candor/protocol'
import type { DirectoryStorage } from '@candor/transparency'

/** A witness's C2SP cosignature/v1 of the key-directory checkpoint of `size`. */
export interface WitnessCosignatureRecord {
  /** The witness's key name and key ID, as in its verifier key. */
  witness: string
  keyId: number
  size: number
  /** The cosignature's own time (POSIX seconds), also the first 8 bytes of `signature`. */
  timestamp: number
  /** The note signature after the key ID: u64 timestamp ‖ Ed25519 signature (72 bytes). */
  signature: Uint8Array
}

/** The key directory's storage, backlog, lock and witness cosignatures (part of Store). */
export interface KeyDirectoryStore {
  /**
   * Directory updates recorded by createUser, approveEnrolment, revokeDevice and eraseUser in
   * their own transactions and not yet cleared, oldest first, at most `limit`. The directory
   * publishes each user's entry as the device table has it, then clears them, so a crash between
   * a change and its publication never leaves the two disagreeing for good.
   */
  directoryBacklog(limit: number): Promise<DirectoryBacklogEntry[]>
  /** Deletes these backlog entries (once their users' entries are published). */
  clearDirectoryBacklog(seqs: readonly number[]): Promise<void>

  /** Where the key directory keeps its entries and epochs. */
  directoryStorage(): DirectoryStorage

  /**
   * Runs fn while holding the cluster-wide key-directory publication lock, so only one node at a
   * time appends an epoch (a no-op lock where the store belongs to one process).
   */
  withDirectoryLock<T>(fn: () => Promise<T>): Promise<T>

  /**
   * Keeps a witness's cosignature in place of the one held for that witness (name and key ID)
   * if it is newer: of a larger checkpoint, or of the same checkpoint at a later time; atomic
   * when several nodes store at once. Another witness's cosignature is never touched.
   * 'unchanged': one of the same checkpoint and time is held; 'older': a newer one is held.
   */
  putCosignature(c: WitnessCosignatureRecord): Promise<'stored' | 'unchanged' | 'older'>
  /** The cosignatures held for the checkpoint of this size (each witness's newest). */
  cosignaturesAt(size: number): Promise<WitnessCosignatureRecord[]>
}

/** A user whose directory entry must be published again (and, when `erased`, tombstoned). */
export interface DirectoryBacklogEntry {
  seq: number
  userId: UserId
  erased: boolean
}
