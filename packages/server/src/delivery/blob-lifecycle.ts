// When an attachment blob goes (docs/protocol.md §2.4 "Lifecycle"): its completion fixes who
// is to fetch it (the group's other member devices at that moment) and when it expires (the
// server's retention, or the uploader's organisation's shorter one); a recipient's fetch is
// recorded; the blob goes when no recipient still in the group is left to fetch it, or at its
// expiry. Only the Store's sealed recipients count: the uploader, a device that joined later,
// a non-member or a stranger cannot make a blob go.
import { CandorError, type DeviceId, type UserId } from '@candor/protocol'
import type { BlobBinding, BlobId, BlobStore, Store } from '@candor/ports'
import type { OrgPolicies } from '../organisations/policy/org-policies.ts'

const DAY_MS = 24 * 60 * 60 * 1000

/** The retention for blobs `uploader` completes now: the server's, or their organisation's if shorter. */
export async function retentionFor(store: Store, policies: Pick<OrgPolicies, 'current'>, serverRetentionMs: number, uploader: UserId | null): Promise<number> {
  if (uploader === null) return serverRetentionMs
  const m = await store.membershipOf(uploader)
  const days = m ? (await policies.current(m.org)).attachments.retentionDays : undefined
  return days === undefined ? serverRetentionMs : Math.min(serverRetentionMs, days * DAY_MS)
}

/** At completion (and on a retried completion, which changes nothing): recipients and expiry. */
export async function sealAtCompletion(
  store: Store,
  policies: Pick<OrgPolicies, 'current'>,
  serverRetentionMs: number,
  binding: BlobBinding,
  uploaderDevice: DeviceId,
  now: number,
): Promise<void> {
  if (await store.blobDelivery(binding.blobId)) return
  const group = await store.getGroup(binding.groupId)
  const recipients = (group?.members ?? []).filter((d) => d !== uploaderDevice)
  const retention = await retentionFor(store, policies, serverRetentionMs, binding.uploader)
  await store.sealBlob(binding.blobId, recipients, now + retention)
}

/** Deletes a blob: bytes first, then the binding (what the sweep lists it by), so a crash between leaves it listed. */
export async function deleteBlob(store: Store, blobs: BlobStore, blobId: BlobId): Promise<void> {
  await blobs.delete(blobId)
  await store.unbindBlob(blobId)
}

/**
 * A member device says it has the file. Only a sealed recipient counts (else 403 forbidden,
 * nothing changes); returns whether this was the last fetch awaited, the blob then deleted.
 */
export async function recordFetch(store: Store, blobs: BlobStore, blobId: BlobId, deviceId: DeviceId, now: number): Promise<boolean> {
  const delivery = await store.blobDelivery(blobId)
  if (!delivery) throw new CandorError('blob_incomplete', 'the blob is still being uploaded')
  if (!(await store.markBlobFetched(blobId, deviceId, now))) {
    throw new CandorError('forbidden', 'this device is not one of the recipients the blob was sent to')
  }
  if ((await store.blobsFetchedByAll(1, blobId)).length === 0) return false
  await deleteBlob(store, blobs, blobId)
  return true
}
