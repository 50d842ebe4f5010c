// Retention timers on PostgreSQL (data ownership): how long a group's ciphertext may be kept, and
// the deletion of application messages whose timer ran out.
import type { GroupId } from '@candor/protocol'
import { transaction, type Sql } from './connection.ts'

export async function setRetention(sql: Sql, groupId: GroupId, retentionMs: number | null): Promise<void> {
  if (retentionMs === null) await sql`DELETE FROM group_retention WHERE group_id = ${groupId}`
  else {
    await sql`
      INSERT INTO group_retention (group_id, retention_ms) VALUES (${groupId}, ${retentionMs})
      ON CONFLICT (group_id) DO UPDATE SET retention_ms = EXCLUDED.retention_ms`
  }
}

export async function getRetention(sql: Sql, groupId: GroupId): Promise<number | null> {
  const [r] = await sql<{ retention_ms: number }[]>`SELECT retention_ms FROM group_retention WHERE group_id = ${groupId}`
  return r?.retention_ms ?? null
}

/** Application messages only: commits and welcomes carry no content and keep the group followable. */
export async function expireMessages(sql: Sql, now: number): Promise<number> {
  return transaction(sql, async (tx) => {
    if ((await tx`SELECT 1 FROM group_retention LIMIT 1`).length === 0) return 0
    // Inline (one-recipient) messages: one pass over the queue, which has no index by group
    // (it holds only what is not yet acknowledged), as the SQLite store does.
    const inline = await tx`
      DELETE FROM queue q USING group_retention r
      WHERE q.message IS NULL AND q.kind = 0 AND r.group_id = q.group_id AND q.sent_at + r.retention_ms <= ${now}`
    const ids = (await tx<{ id: number }[]>`
      SELECT m.id FROM messages m JOIN group_retention r ON r.group_id = m.group_id
      WHERE m.kind = 0 AND m.sent_at + r.retention_ms <= ${now} ORDER BY m.id FOR UPDATE OF m`).map((r) => r.id)
    if (ids.length === 0) return inline.count
    await tx`DELETE FROM queue WHERE message = ANY(${tx.array(ids)}::bigint[])`
    const gone = await tx`DELETE FROM messages WHERE id = ANY(${tx.array(ids)}::bigint[])`
    return inline.count + gone.count
  })
}
