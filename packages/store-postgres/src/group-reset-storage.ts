// Conversation resets on PostgreSQL (docs/protocol.md §5.4): the new group and the record that it
// replaced the previous one, written together; each group is reset at most once, even when
// several nodes reset it at once (the primary key on previous_group decides).
import type { DeviceId, GroupId } from '@candor/protocol'
import type { GroupReset, ResetResult } from '@candor/ports'
import { transaction, type Sql } from './connection.ts'

interface Row {
  previous_group: GroupId
  group_id: GroupId
  conversation_id: GroupId
  epoch: number
  reset_by: DeviceId
  reset_at: number
}

function toReset(r: Row | undefined): GroupReset | null {
  if (!r) return null
  return { conversationId: r.conversation_id, previousGroup: r.previous_group, groupId: r.group_id, epoch: Number(r.epoch), resetBy: r.reset_by, resetAt: Number(r.reset_at) }
}

class Taken extends Error {}

export async function resetGroup(sql: Sql, r: GroupReset, groupInfo?: Uint8Array): Promise<ResetResult> {
  try {
    return await transaction(sql, async (tx): Promise<ResetResult> => {
      const claimed = await tx`
        INSERT INTO group_resets (previous_group, group_id, conversation_id, epoch, reset_by, reset_at)
        VALUES (${r.previousGroup}, ${r.groupId}, ${r.conversationId}, ${r.epoch}, ${r.resetBy}, ${r.resetAt})
        ON CONFLICT DO NOTHING RETURNING 1`
      if (claimed.length === 0) throw new Taken()
      const made = await tx`
        INSERT INTO groups (group_id, epoch, created_at, group_info) VALUES (${r.groupId}, 0, ${r.resetAt}, ${groupInfo ? Buffer.from(groupInfo) : null})
        ON CONFLICT DO NOTHING RETURNING 1`
      if (made.length === 0) throw new Taken()
      await tx`INSERT INTO group_members (group_id, device_id) VALUES (${r.groupId}, ${r.resetBy})`
      return { reset: true }
    })
  } catch (e) {
    if (!(e instanceof Taken)) throw e
    // Rolled back: either the previous group was reset already, or the new id is taken.
    const [existing] = await sql<Row[]>`SELECT * FROM group_resets WHERE previous_group = ${r.previousGroup}`
    return { reset: false, existing: toReset(existing) }
  }
}

export async function groupResets(sql: Sql, groupId: GroupId): Promise<{ from: GroupReset | null; to: GroupReset | null }> {
  const [from] = await sql<Row[]>`SELECT * FROM group_resets WHERE group_id = ${groupId}`
  const [to] = await sql<Row[]>`SELECT * FROM group_resets WHERE previous_group = ${groupId}`
  return { from: toReset(from), to: toReset(to) }
}
