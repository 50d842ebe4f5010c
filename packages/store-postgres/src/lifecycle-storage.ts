// The device lifecycle's bookkeeping on PostgreSQL: reserved user ids of erased accounts, and the
// key directory's backlog — a row per user whose entry must be published again, written inside
// the transaction that changed the user's devices, so a crash before publication loses nothing.
import { CandorError, erasedUserIdDigest, type DeviceId, type GroupId, type UserId } from '@candor/protocol'
import type { DeviceRecord, DirectoryBacklogEntry } from '@candor/ports'
import { transaction, type Sql, type Tx } from './connection.ts'
import { releaseMessages } from './message-writes.ts'

/**
 * Inside the caller's transaction, after it inserted the users row: an erasure of the same id
 * running concurrently holds that row until it commits, so its reservation is seen here.
 */
export async function refuseReserved(tx: Tx, userId: UserId): Promise<void> {
  const r = await tx`SELECT 1 FROM erased_user_ids WHERE digest = ${erasedUserIdDigest(userId)}`
  if (r.length > 0) throw new CandorError('user_id_reserved', `the user id ${userId} belonged to an erased account and is never given out again`)
}

export async function reserveUserId(tx: Tx, userId: UserId): Promise<void> {
  await tx`INSERT INTO erased_user_ids (digest) VALUES (${erasedUserIdDigest(userId)}) ON CONFLICT DO NOTHING`
}

export async function recordDirectoryUpdate(tx: Tx, userId: UserId, erased = false): Promise<void> {
  await tx`INSERT INTO directory_backlog (user_id, erased) VALUES (${userId}, ${erased})`
}

export async function revokeDevice(
  sql: Sql,
  deviceId: DeviceId,
  userId: UserId,
  toDevice: (row: never) => DeviceRecord,
): Promise<{ device: DeviceRecord; groups: GroupId[] } | null> {
  return transaction(sql, async (tx) => {
    const [row] = await tx`SELECT * FROM devices WHERE device_id = ${deviceId} AND user_id = ${userId} FOR UPDATE`
    if (!row) return null
    const device = toDevice(row as never)
    if (device.status === 'revoked') return { device, groups: [] }
    await tx`UPDATE devices SET status = 'revoked' WHERE device_id = ${deviceId}`
    await tx`DELETE FROM key_packages WHERE device_id = ${deviceId}`
    await tx`DELETE FROM push_subscriptions WHERE device_id = ${deviceId}`
    const gone = await tx<{ message: number | null }[]>`DELETE FROM queue WHERE device_id = ${deviceId} RETURNING message`
    await releaseMessages(tx, gone.map((r) => r.message))
    const left = await tx<{ group_id: string }[]>`DELETE FROM group_members WHERE device_id = ${deviceId} RETURNING group_id`
    if (left.length > 0) {
      await tx`INSERT INTO revoked_memberships (user_id, group_id) SELECT ${userId}, unnest(${tx.array(left.map((r) => r.group_id))}::text[]) ON CONFLICT DO NOTHING`
    }
    await recordDirectoryUpdate(tx, userId)
    return { device, groups: left.map((r) => r.group_id as GroupId).sort() }
  })
}

export async function directoryBacklog(sql: Sql, limit: number): Promise<DirectoryBacklogEntry[]> {
  const rows = await sql<{ seq: number; user_id: string; erased: boolean }[]>`
    SELECT seq, user_id, erased FROM directory_backlog ORDER BY seq LIMIT ${limit}`
  return rows.map((r) => ({ seq: Number(r.seq), userId: r.user_id as UserId, erased: r.erased }))
}

export async function clearDirectoryBacklog(sql: Sql, seqs: readonly number[]): Promise<void> {
  if (seqs.length === 0) return
  await sql`DELETE FROM directory_backlog WHERE seq = ANY(${sql.array([...seqs])}::bigint[])`
}

/** Groups devices of this user left by their revocation (Store.formerGroups). */
export async function formerGroups(sql: Sql, userId: UserId): Promise<GroupId[]> {
  const rows = await sql<{ group_id: string }[]>`SELECT group_id FROM revoked_memberships WHERE user_id = ${userId} ORDER BY group_id`
  return rows.map((r) => r.group_id as GroupId)
}
