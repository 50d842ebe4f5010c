// Attachment blobs as the Store sees them (docs/protocol.md §2.4): which group a blob belongs to
// and who uploaded it, and its lifecycle (recipients, fetches, expiry). The bytes are BlobStore's
// (blob-store.ts).
import type { DeviceId, GroupId, UserId } from '@candor/protocol'
import type { BlobId } from './blob-store.ts'

/** Blob bindings and their lifecycle (part of Store). */
export interface BlobBindingStore {
  // ---- attachment blobs (docs/protocol.md §2.4): which group a blob belongs to ----
  /**
   * Records the group a blob was uploaded to and who uploaded it (for the members-only check,
   * the uploader's quota and export). False, changing nothing, when the blob is bound already.
   */
  bindBlob(b: BlobBinding): Promise<boolean>
  /** The blob's binding, or null. */
  blobGroup(blobId: BlobId): Promise<BlobBinding | null>
  /** Removes the binding (the blob is being deleted); false if there was none. */
  unbindBlob(blobId: BlobId): Promise<boolean>
  /** Total declared size of the blobs the user uploaded that are still bound: their quota use. */
  blobBytesOf(uploader: UserId): Promise<number>
  /** The user's bound uploads, oldest first, at most `limit` (account export). */
  blobsOf(uploader: UserId, limit: number): Promise<BlobBinding[]>
  /** Blobs bound to groups that have no members left, at most `limit`: the sweep deletes them. */
  blobsWithoutMembers(limit: number): Promise<BlobId[]>

  // ---- attachment lifecycle (docs/protocol.md §2.4 "Lifecycle") ----
  /**
   * At completion: fixes the blob's recipient devices and its expiry. Only once: false,
   * changing nothing, when they are fixed already or the blob is not bound.
   */
  sealBlob(blobId: BlobId, recipients: readonly DeviceId[], expiresAt: number): Promise<boolean>
  /** The blob's expiry and its recipients (each with when it fetched, or null); null when not bound or not sealed. */
  blobDelivery(blobId: BlobId): Promise<BlobDelivery | null>
  /**
   * Records a recipient's fetch (the first time counts; later ones keep it). False, changing
   * nothing, when the device is not one of the blob's recipients.
   */
  markBlobFetched(blobId: BlobId, deviceId: DeviceId, at: number): Promise<boolean>
  /**
   * Sealed blobs that had recipients and none left to wait for: every recipient still a member
   * of the group has fetched it. With `only`, just that blob if it qualifies. At most `limit`.
   */
  blobsFetchedByAll(limit: number, only?: BlobId): Promise<BlobId[]>
  /** Sealed blobs whose expiry is ≤ `now`, soonest first, at most `limit`. */
  blobsExpired(now: number, limit: number): Promise<BlobId[]>
}

/** A completed blob's recipients and expiry (blobDelivery). */
export interface BlobDelivery {
  expiresAt: number
  /** How many recipients were fixed at completion (erased accounts' entries leave `recipients`). */
  count: number
  recipients: Array<{ deviceId: DeviceId; fetchedAt: number | null }>
}

/**
 * A blob's place: the group it was uploaded to (only that group's member devices may read it)
 * and the user who uploaded it — null once that account was erased (eraseUser).
 */
export interface BlobBinding {
  blobId: BlobId
  groupId: GroupId
  uploader: UserId | null
  /** The blob's declared size in bytes (what counts against the uploader's quota). */
  size: number
  boundAt: number
}
