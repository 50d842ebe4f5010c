// The write path of delivery, inside a caller's transaction: store a batch of messages,
// allocate per-device queue seqs, queue them; and release messages as queue entries go.
// A batch costs a fixed number of statements whatever its size (arrays through unnest).
import type { DeviceId } from '@candor/protocol'
import type { AppendResult, Delivery, NewMessage } from '@candor/server/store'
import type { Tx } from './connection.ts'

const keyOf = (m: { sender: string; messageId: string; kind: number }): string => `${m.kind}:${m.sender}:${m.messageId}`

export async function appendIn(tx: Tx, batch: readonly NewMessage[]): Promise<AppendResult[]> {
  // First occurrence of each (sender, messageId, kind) in the batch; later ones are duplicates.
  const firstIndex = new Map<string, number>()
  const unique: NewMessage[] = []
  batch.forEach((m, i) => {
    const k = keyOf(m)
    if (firstIndex.has(k)) return
    firstIndex.set(k, i)
    unique.push(m)
  })
  const recipients = unique.map((m) => [...new Set(m.recipients)])

  // Sorted by key so that concurrent batches wait on each other's rows in one order.
  const inserted = unique.length === 0 ? [] : await tx<{ id: number; sender: string; message_id: string; kind: number }[]>`
    INSERT INTO messages (sender, message_id, group_id, kind, sent_at, payload, remaining)
    SELECT * FROM unnest(
      ${tx.array(unique.map((m) => m.sender))}::text[], ${tx.array(unique.map((m) => m.messageId))}::text[],
      ${tx.array(unique.map((m) => m.groupId))}::text[], ${tx.array(unique.map((m) => m.kind))}::smallint[],
      ${tx.array(unique.map((m) => m.sentAt))}::bigint[], ${tx.array(unique.map((m) => Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength)), 17)}::bytea[],
      ${tx.array(recipients.map((r) => r.length))}::integer[]
    ) AS t(sender, message_id, group_id, kind, sent_at, payload, remaining)
    ORDER BY kind, sender COLLATE "C", message_id COLLATE "C"
    ON CONFLICT (sender, message_id, kind) DO NOTHING
    RETURNING id, sender, message_id, kind`
  const newIds = new Map(inserted.map((r) => [keyOf({ sender: r.sender, messageId: r.message_id, kind: r.kind }), r.id]))

  // Stored before (by an earlier batch or a concurrent node): report the original sentAt.
  const priorSentAt = new Map<string, number>()
  const dups = unique.filter((m) => !newIds.has(keyOf(m)))
  if (dups.length > 0) {
    const rows = await tx<{ sender: string; message_id: string; kind: number; sent_at: number }[]>`
      SELECT m.sender, m.message_id, m.kind, m.sent_at FROM messages m
      JOIN unnest(${tx.array(dups.map((d) => d.sender))}::text[], ${tx.array(dups.map((d) => d.messageId))}::text[],
                  ${tx.array(dups.map((d) => d.kind))}::smallint[]) AS t(sender, message_id, kind)
        ON m.sender = t.sender AND m.message_id = t.message_id AND m.kind = t.kind`
    for (const r of rows) priorSentAt.set(keyOf({ sender: r.sender, messageId: r.message_id, kind: r.kind }), r.sent_at)
  }

  // Seqs: one upsert reserves a contiguous range per recipient device for the whole batch.
  const need = new Map<DeviceId, number>()
  unique.forEach((m, i) => {
    if (!newIds.has(keyOf(m))) return
    for (const d of recipients[i]!) need.set(d, (need.get(d) ?? 0) + 1)
  })
  const next = new Map<DeviceId, number>()
  if (need.size > 0) {
    const devices = [...need.keys()]
    const rows = await tx<{ device_id: DeviceId; last_seq: number }[]>`
      INSERT INTO device_seq AS s (device_id, last_seq)
      SELECT * FROM unnest(${tx.array(devices)}::text[], ${tx.array(devices.map((d) => need.get(d)!))}::bigint[]) AS t(device_id, n)
      ORDER BY device_id COLLATE "C"
      ON CONFLICT (device_id) DO UPDATE SET last_seq = s.last_seq + EXCLUDED.last_seq
      RETURNING device_id, last_seq`
    for (const r of rows) next.set(r.device_id, r.last_seq - need.get(r.device_id)! + 1)
  }

  const queue: { device: DeviceId[]; seq: number[]; message: number[] } = { device: [], seq: [], message: [] }
  const byKey = new Map<string, AppendResult>()
  unique.forEach((m, i) => {
    const k = keyOf(m)
    const id = newIds.get(k)
    if (id === undefined) {
      byKey.set(k, { duplicate: true, sentAt: priorSentAt.get(k) ?? m.sentAt, deliveries: [] })
      return
    }
    const deliveries: Delivery[] = []
    for (const deviceId of recipients[i]!) {
      const seq = next.get(deviceId)!
      next.set(deviceId, seq + 1)
      deliveries.push({ deviceId, seq })
      queue.device.push(deviceId)
      queue.seq.push(seq)
      queue.message.push(id)
    }
    byKey.set(k, { duplicate: false, sentAt: m.sentAt, deliveries })
  })
  if (queue.device.length > 0) {
    await tx`
      INSERT INTO queue (device_id, seq, message)
      SELECT * FROM unnest(${tx.array(queue.device)}::text[], ${tx.array(queue.seq)}::bigint[], ${tx.array(queue.message)}::bigint[])`
  }

  return batch.map((m, i) => {
    const r = byKey.get(keyOf(m))!
    return firstIndex.get(keyOf(m)) === i ? r : { duplicate: true, sentAt: r.sentAt, deliveries: [] }
  })
}

/** Drops one reference per id (an id may repeat); deletes messages nobody still needs. */
export async function releaseMessages(tx: Tx, messageIds: readonly number[]): Promise<void> {
  if (messageIds.length === 0) return
  // Rows are locked in id order (a materialised, ordered FOR UPDATE) so that concurrent
  // acknowledgements of overlapping messages cannot deadlock.
  const rows = await tx<{ id: number; remaining: number }[]>`
    WITH c AS (SELECT id, count(*)::integer AS n FROM unnest(${tx.array([...messageIds])}::bigint[]) AS t(id) GROUP BY id),
    locked AS MATERIALIZED (SELECT m.id FROM messages m WHERE m.id IN (SELECT id FROM c) ORDER BY m.id FOR UPDATE)
    UPDATE messages m SET remaining = m.remaining - c.n FROM c
    WHERE m.id = c.id AND m.id IN (SELECT id FROM locked)
    RETURNING m.id, m.remaining`
  const gone = rows.filter((r) => r.remaining <= 0).map((r) => r.id)
  if (gone.length > 0) await tx`DELETE FROM messages WHERE id = ANY(${tx.array(gone)}::bigint[])`
}
