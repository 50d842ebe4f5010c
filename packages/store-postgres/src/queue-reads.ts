// Reading a device's queue on PostgreSQL: inline rows (one recipient) carry the message
// themselves, the others point at a shared messages row. Writes are in message-writes.ts,
// acknowledgements in ack-batcher.ts.
import type { DeviceId, GroupId, MessageId, MessageKind } from '@candor/protocol'
import type { QueuedMessage } from '@candor/ports'
import { bytes, type Sql } from './connection.ts'

/** A queue row as fetchQueue selects it. */
interface QueueRow {
  seq: number
  message_id: string
  group_id: string
  sender: string
  kind: number
  sent_at: number
  payload: Buffer
}

function toQueuedMessage(r: QueueRow): QueuedMessage {
  return {
    seq: r.seq,
    messageId: r.message_id as MessageId,
    groupId: r.group_id as GroupId,
    sender: r.sender as DeviceId,
    kind: r.kind as MessageKind,
    sentAt: r.sent_at,
    payload: bytes(r.payload),
  }
}

export async function fetchQueue(sql: Sql, deviceId: DeviceId, afterSeq: number, limit: number): Promise<QueuedMessage[]> {
  const rows = await sql<
    QueueRow[]
  >`
    SELECT q.seq, coalesce(q.message_id, m.message_id) AS message_id, coalesce(q.group_id, m.group_id) AS group_id,
      coalesce(q.sender, m.sender) AS sender, coalesce(q.kind, m.kind) AS kind, coalesce(q.sent_at, m.sent_at) AS sent_at,
      coalesce(q.payload, m.payload) AS payload
    FROM queue q LEFT JOIN messages m ON m.id = q.message
    WHERE q.device_id = ${deviceId} AND q.seq > ${afterSeq}
    ORDER BY q.seq LIMIT ${limit}`
  return rows.map(toQueuedMessage)
}

export async function pendingCount(sql: Sql, deviceId: DeviceId): Promise<number> {
  const [r] = await sql<{ n: number }[]>`SELECT count(*) AS n FROM queue WHERE device_id = ${deviceId}`
  return r?.n ?? 0
}
