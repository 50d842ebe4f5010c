// A person's recovery key (docs/protocol.md §4.2) and the sealed history archives their devices
// upload (history transfers to a new device, the backup under the recovery key). The server keeps
// the recovery key's public half with the device statement that set it, and of an archive only
// who sent it to whom and its size: its bytes are ciphertext in the BlobStore. Reached through
// Store.accountRecovery(); the contract suite runs it on every adapter.
import type { DeviceId, UserId } from '@candor/protocol'

export interface RecoveryKeyRecord {
  userId: UserId
  /** Ed25519 public key of the recovery key. */
  publicKey: Uint8Array
  /** The key it replaced, null for the person's first. */
  previous: Uint8Array | null
  /** The active device whose signature set it, and that device's key. */
  setBy: DeviceId
  setByKey: Uint8Array
  /** The device's signature over recoveryKeyStatement. */
  signature: Uint8Array
  setAt: number
}

/** Who an archive is sealed to: one device of the person, or their recovery key (the backup). */
export type ArchiveRecipient = DeviceId | 'recovery'

export interface ArchiveRecord {
  /** Also the id of its bytes in the BlobStore. */
  archiveId: string
  userId: UserId
  recipient: ArchiveRecipient
  sender: DeviceId
  size: number
  createdAt: number
}

export interface AccountRecoveryStorage {
  /**
   * Sets the person's recovery key if their current one is `r.previous` (none: null), keeping
   * the old ones, and records a directory update for them (Store.directoryBacklog), in one
   * transaction. False, and nothing changed, when the current key is another.
   */
  setRecoveryKey(r: RecoveryKeyRecord): Promise<boolean>
  /** Every recovery key the person had, oldest first (the last is the current one). */
  recoveryKeys(userId: UserId): Promise<RecoveryKeyRecord[]>
  /**
   * Records an archive and returns the ids of the person's archives to the same recipient it
   * replaces (their bytes are the caller's to delete): one archive per person and recipient.
   */
  putArchive(a: ArchiveRecord): Promise<string[]>
  getArchive(archiveId: string): Promise<ArchiveRecord | null>
  /** The person's archives, oldest first. */
  archivesOf(userId: UserId): Promise<ArchiveRecord[]>
  /** False when there was none. */
  deleteArchive(archiveId: string): Promise<boolean>
}
