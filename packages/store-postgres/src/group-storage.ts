// Groups on PostgreSQL: creating one, its epoch, delivery roster and public GroupInfo, and
// accepting a commit (epoch bump, roster change and the commit's and welcome's deliveries in one
// transaction). Resets are in group-reset-storage.ts, the sweep of old state in group-state-sweep.ts.
import { CandorError, type DeviceId, type GroupId, type MessageId } from '@candor/protocol'
import type { CommitInput, CommitResult, GroupRecord, NewMessage } from '@candor/ports'
import { transaction, type Db, type Sql } from './connection.ts'
import { appendIn } from './message-writes.ts'

export async function createGroup(sql: Sql, groupId: GroupId, creator: DeviceId, createdAt: number, groupInfo?: Uint8Array): Promise<boolean> {
  return transaction(sql, async (tx) => {
    const r = await tx`
      INSERT INTO groups (group_id, epoch, created_at, group_info) VALUES (${groupId}, 0, ${createdAt}, ${groupInfo ? Buffer.from(groupInfo) : null})
      ON CONFLICT DO NOTHING RETURNING 1`
    if (r.length === 0) return false
    await tx`INSERT INTO group_members (group_id, device_id) VALUES (${groupId}, ${creator})`
    return true
  })
}

export async function getGroup(sql: Sql, groupId: GroupId): Promise<GroupRecord | null> {
  return (await groups(sql, [groupId]))[0] ?? null
}

export async function groupInfo(sql: Sql, groupId: GroupId): Promise<Uint8Array | null> {
  const [row] = await sql<{ group_info: Buffer | null }[]>`SELECT group_info FROM groups WHERE group_id = ${groupId}`
  return row?.group_info ? new Uint8Array(row.group_info) : null
}

export async function listGroups(sql: Sql, deviceId: DeviceId): Promise<GroupRecord[]> {
  const ids = await sql<{ group_id: GroupId }[]>`SELECT group_id FROM group_members WHERE device_id = ${deviceId}`
  return groups(sql, ids.map((r) => r.group_id))
}

export async function removeMember(sql: Sql, groupId: GroupId, deviceId: DeviceId): Promise<void> {
  await sql`DELETE FROM group_members WHERE group_id = ${groupId} AND device_id = ${deviceId}`
}

export async function acceptCommit(sql: Sql, c: CommitInput): Promise<CommitResult> {
  return transaction(sql, async (tx): Promise<CommitResult> => {
    // The row lock taken here orders concurrent commits; a loser re-reads the new epoch
    // and matches nothing.
    const [bumped] = await tx<{ epoch: number }[]>`
      UPDATE groups SET epoch = epoch + 1, group_info = ${Buffer.from(c.groupInfo)} WHERE group_id = ${c.groupId} AND epoch = ${c.epoch} RETURNING epoch`
    if (!bumped) {
      const [current] = await tx<{ epoch: number }[]>`SELECT epoch FROM groups WHERE group_id = ${c.groupId}`
      if (!current) throw new CandorError('unknown_group', 'no such group')
      return { accepted: false, epoch: current.epoch }
    }
    await tx`INSERT INTO group_commits (group_id, epoch, message_id) VALUES (${c.groupId}, ${c.epoch}, ${c.messageId})`
    const old = await tx<{ device_id: DeviceId }[]>`SELECT device_id FROM group_members WHERE group_id = ${c.groupId}`
    if (c.removed.length > 0) {
      await tx`DELETE FROM group_members WHERE group_id = ${c.groupId} AND device_id = ANY(${tx.array([...c.removed])}::text[])`
    }
    if (c.added.length > 0) {
      await tx`
        INSERT INTO group_members (group_id, device_id) SELECT ${c.groupId}, unnest(${tx.array([...c.added])}::text[])
        ON CONFLICT DO NOTHING`
    }
    const added = new Set(c.added)
    const base = { messageId: c.messageId, groupId: c.groupId, sender: c.sender, sentAt: c.sentAt }
    const messages: NewMessage[] = [
      { ...base, kind: 1, payload: c.commit, recipients: old.map((r) => r.device_id).filter((d) => d !== c.sender && !added.has(d)) },
    ]
    // The welcome shares the commit's id; (sender, id, kind) keeps them apart.
    if (c.welcome && c.added.length > 0) messages.push({ ...base, kind: 2, payload: c.welcome, recipients: c.added })
    const results = await appendIn(tx, messages)
    return { accepted: true, epoch: bumped.epoch, sentAt: c.sentAt, deliveries: results.flatMap((r) => r.deliveries) }
  })
}

export async function acceptedCommit(sql: Sql, groupId: GroupId, epoch: number): Promise<MessageId | null> {
  const [row] = await sql<{ message_id: MessageId }[]>`SELECT message_id FROM group_commits WHERE group_id = ${groupId} AND epoch = ${epoch}`
  return row?.message_id ?? null
}

/** The groups with these ids, members in byte order, groups in id order. */
async function groups(db: Db, ids: readonly GroupId[]): Promise<GroupRecord[]> {
  if (ids.length === 0) return []
  const rows = await db<{ group_id: GroupId; epoch: number; members: DeviceId[] }[]>`
    SELECT g.group_id, g.epoch,
      coalesce(array_agg(m.device_id ORDER BY m.device_id) FILTER (WHERE m.device_id IS NOT NULL), '{}') AS members
    FROM groups g LEFT JOIN group_members m ON m.group_id = g.group_id
    WHERE g.group_id = ANY(${db.array([...ids])}::text[])
    GROUP BY g.group_id, g.epoch ORDER BY g.group_id`
  return rows.map((r) => ({ groupId: r.group_id, epoch: r.epoch, members: r.members }))
}
