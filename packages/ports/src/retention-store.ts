// Retention timers (data ownership): how long a group's ciphertext may be kept. Part of the Store.
import type { GroupId } from '@candor/protocol'

/** Retention timers (part of Store). */
export interface RetentionStore {
  /** Sets (or with null clears) how long the group's ciphertext may be kept after it was sent. */
  setRetention(groupId: GroupId, retentionMs: number | null): Promise<void>
  getRetention(groupId: GroupId): Promise<number | null>
  /**
   * Deletes every application message (and its queue entries) of a group with a timer that ran
   * out by `now`. Handshake messages (commits, welcomes) are kept until delivered.
   */
  expireMessages(now: number): Promise<number>
}
