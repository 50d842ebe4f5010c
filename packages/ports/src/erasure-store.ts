// Erasure (data ownership): deleting everything stored about a user. Part of the Store.
import type { UserId } from '@candor/protocol'

/** Erasure (part of Store). */
export interface ErasureStore {
  /**
   * Deletes everything stored about a user in one transaction: the user and device records,
   * every queue entry and key package of its devices, its group memberships and admin record;
   * messages its devices sent that still wait in others' queues keep flowing under an erased
   * sender id (`ERASED_DEVICE_ID` of @candor/protocol); its access-log rows keep only their
   * leaf hashes (the log stays append-only; the subject, envelope and tally position go).
   * Pending enrolment requests for the user go too. In the same transaction the user id is
   * reserved for good (createUser refuses it; only a digest of it is kept, erasedUserIdDigest of
   * @candor/protocol) and a directory update marked `erased` is recorded (directoryBacklog): the
   * directory then publishes an empty entry and tombstones the user's entries. The resets its
   * devices made keep the erased sender id.
   */
  eraseUser(userId: UserId): Promise<ErasureCounts>
  /**
   * Pushes deletions out of older page images the engine may keep (SQLite: checkpoints and
   * truncates the WAL; deleted cells are already zeroed). PostgreSQL: nothing; dead row
   * versions go when the tables are vacuumed.
   */
  purgeDeleted(): Promise<void>
}

export interface ErasureCounts {
  devices: number
  queued: number
  keyPackages: number
  memberships: number
  sentMessages: number
  accessReceipts: number
}
