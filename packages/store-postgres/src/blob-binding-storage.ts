// Which group each attachment blob belongs to, and its uploader, on PostgreSQL (docs/protocol.md §2.4).
import type { GroupId, UserId } from '@candor/protocol'
import type { BlobBinding, BlobId } from '@candor/ports'
import type { Sql } from './connection.ts'

interface Row {
  blob_id: BlobId
  group_id: GroupId
  uploader: UserId | null
  size: number
  bound_at: number
}

function toBinding(r: Row): BlobBinding {
  return { blobId: r.blob_id, groupId: r.group_id, uploader: r.uploader, size: Number(r.size), boundAt: Number(r.bound_at) }
}

export async function bindBlob(sql: Sql, b: BlobBinding): Promise<boolean> {
  const r = await sql`
    INSERT INTO blob_bindings (blob_id, group_id, uploader, size, bound_at)
    VALUES (${b.blobId}, ${b.groupId}, ${b.uploader}, ${b.size}, ${b.boundAt}) ON CONFLICT DO NOTHING`
  return r.count === 1
}

export async function blobGroup(sql: Sql, blobId: BlobId): Promise<BlobBinding | null> {
  const [r] = await sql<Row[]>`SELECT * FROM blob_bindings WHERE blob_id = ${blobId}`
  return r ? toBinding(r) : null
}

export async function unbindBlob(sql: Sql, blobId: BlobId): Promise<boolean> {
  await sql`DELETE FROM blob_recipients WHERE blob_id = ${blobId}`
  return (await sql`DELETE FROM blob_bindings WHERE blob_id = ${blobId}`).count === 1
}

export async function blobBytesOf(sql: Sql, uploader: UserId): Promise<number> {
  const [r] = await sql<{ n: number }[]>`SELECT coalesce(sum(size), 0)::int8 AS n FROM blob_bindings WHERE uploader = ${uploader}`
  return Number(r?.n ?? 0)
}

export async function blobsOf(sql: Sql, uploader: UserId, limit: number): Promise<BlobBinding[]> {
  return (await sql<Row[]>`SELECT * FROM blob_bindings WHERE uploader = ${uploader} ORDER BY bound_at, blob_id LIMIT ${Math.max(0, limit)}`).map(toBinding)
}

export async function blobsWithoutMembers(sql: Sql, limit: number): Promise<BlobId[]> {
  const rows = await sql<{ blob_id: BlobId }[]>`
    SELECT blob_id FROM blob_bindings b
    WHERE NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = b.group_id)
    ORDER BY bound_at LIMIT ${Math.max(0, limit)}`
  return rows.map((r) => r.blob_id)
}
