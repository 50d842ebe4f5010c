// Attachment lifecycle on PostgreSQL (docs/protocol.md §2.4 "Lifecycle"): the recipients and
// expiry fixed at a blob's completion, each recipient's fetch, and the blobs that may go.
import type { DeviceId } from '@candor/protocol'
import type { BlobDelivery, BlobId } from '@candor/ports'
import { transaction, type Sql } from './connection.ts'

export async function sealBlob(sql: Sql, blobId: BlobId, recipients: readonly DeviceId[], expiresAt: number): Promise<boolean> {
  const unique = [...new Set(recipients)]
  return transaction(sql, async (tx) => {
    const set = await tx`
      UPDATE blob_bindings SET expires_at = ${expiresAt}, recipients = ${unique.length}
      WHERE blob_id = ${blobId} AND expires_at IS NULL`
    if (set.count !== 1) return false
    if (unique.length > 0) {
      await tx`
        INSERT INTO blob_recipients (blob_id, device_id, fetched_at)
        SELECT ${blobId}, d, NULL FROM unnest(${tx.array(unique)}::text[]) AS d ON CONFLICT DO NOTHING`
    }
    return true
  })
}

export async function blobDelivery(sql: Sql, blobId: BlobId): Promise<BlobDelivery | null> {
  const [b] = await sql<{ expires_at: string; recipients: number }[]>`
    SELECT expires_at, recipients FROM blob_bindings WHERE blob_id = ${blobId} AND expires_at IS NOT NULL`
  if (!b) return null
  const rows = await sql<{ device_id: DeviceId; fetched_at: string | null }[]>`
    SELECT device_id, fetched_at FROM blob_recipients WHERE blob_id = ${blobId} ORDER BY device_id`
  return {
    expiresAt: Number(b.expires_at),
    count: Number(b.recipients),
    recipients: rows.map((r) => ({ deviceId: r.device_id, fetchedAt: r.fetched_at === null ? null : Number(r.fetched_at) })),
  }
}

export async function markBlobFetched(sql: Sql, blobId: BlobId, deviceId: DeviceId, at: number): Promise<boolean> {
  const [r] = await sql<{ fetched_at: string }[]>`
    UPDATE blob_recipients SET fetched_at = coalesce(fetched_at, ${at})
    WHERE blob_id = ${blobId} AND device_id = ${deviceId} RETURNING fetched_at`
  return r !== undefined
}

export async function blobsFetchedByAll(sql: Sql, limit: number, only?: BlobId): Promise<BlobId[]> {
  const rows = await sql<{ blob_id: BlobId }[]>`
    SELECT b.blob_id FROM blob_bindings b
    WHERE ${only === undefined ? sql`TRUE` : sql`b.blob_id = ${only}`}
      AND b.expires_at IS NOT NULL AND b.recipients > 0
      AND NOT EXISTS (
        SELECT 1 FROM blob_recipients r JOIN group_members m ON m.group_id = b.group_id AND m.device_id = r.device_id
        WHERE r.blob_id = b.blob_id AND r.fetched_at IS NULL)
    ORDER BY b.bound_at LIMIT ${Math.max(0, limit)}`
  return rows.map((r) => r.blob_id)
}

export async function blobsExpired(sql: Sql, now: number, limit: number): Promise<BlobId[]> {
  const rows = await sql<{ blob_id: BlobId }[]>`
    SELECT blob_id FROM blob_bindings WHERE expires_at IS NOT NULL AND expires_at <= ${now}
    ORDER BY expires_at, blob_id LIMIT ${Math.max(0, limit)}`
  return rows.map((r) => r.blob_id)
}
