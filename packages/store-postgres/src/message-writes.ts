// The write path of delivery: store a batch of messages, allocate per-device queue seqs,
// queue them (one statement, on the pool or in a caller's transaction); and release messages
// as queue entries go. A batch costs a fixed number of statements whatever its size (arrays
// through unnest).
import type { DeviceId } from '@candor/protocol'
import type { AppendResult, Delivery, NewMessage } from '@candor/ports'
import type { Db, Tx } from './connection.ts'

const keyOf = (m: { sender: string; messageId: string; kind: number }): string => `${m.kind}:${m.sender}:${m.messageId}`

/**
 * Stores a batch in ONE statement (data-modifying CTEs), so that it is a single round trip:
 * on the pool it is its own transaction, inside a caller's transaction it is one step of it.
 * Insert the messages (duplicates by (sender, messageId, kind) skipped), reserve a contiguous
 * seq range per recipient device with one upsert of its counter row (held locked to commit,
 * so a device's seqs become visible in order), queue one row per recipient. Only when the
 * batch held messages stored before does a second statement read their original sentAt.
 */
export async function appendIn(db: Db, batch: readonly NewMessage[]): Promise<AppendResult[]> {
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
  // Recipients flattened in batch order: (1-based message ordinal, device).
  const rMsg: number[] = []
  const rDev: DeviceId[] = []
  recipients.forEach((r, i) => {
    for (const d of r) {
      rMsg.push(i + 1)
      rDev.push(d)
    }
  })

  // Messages are inserted sorted by key and counters upserted sorted by device, so that
  // concurrent batches wait on each other's rows in one order. A device's seqs follow the
  // batch order (row_number over the flattened recipients).
  const rows = unique.length === 0 ? [] : await db<{ sender: string; message_id: string; kind: number; device_id: DeviceId | null; seq: number | null }[]>`
    WITH input AS (
      SELECT * FROM unnest(
        ${db.array(unique.map((m) => m.sender))}::text[], ${db.array(unique.map((m) => m.messageId))}::text[],
        ${db.array(unique.map((m) => m.groupId))}::text[], ${db.array(unique.map((m) => m.kind))}::smallint[],
        ${db.array(unique.map((m) => m.sentAt))}::bigint[], ${db.array(unique.map((m) => Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength)), 17)}::bytea[],
        ${db.array(recipients.map((r) => r.length))}::integer[]
      ) WITH ORDINALITY AS t(sender, message_id, group_id, kind, sent_at, payload, remaining, ord)
    ),
    -- Sent before within RECENT_SENDS_MS (also if every copy was acknowledged since): a duplicate.
    fresh AS (
      INSERT INTO recent_sends (sender, message_id, kind, sent_at)
      SELECT sender, message_id, kind, sent_at FROM input
      ORDER BY kind, sender COLLATE "C", message_id COLLATE "C"
      ON CONFLICT (sender, message_id, kind) DO NOTHING
      RETURNING sender, message_id, kind
    ),
    ins AS (
      INSERT INTO messages (sender, message_id, group_id, kind, sent_at, payload, remaining)
      SELECT t.sender, t.message_id, t.group_id, t.kind, t.sent_at, t.payload, t.remaining FROM input t
      JOIN fresh f ON f.sender = t.sender COLLATE "C" AND f.message_id = t.message_id COLLATE "C" AND f.kind = t.kind
      ORDER BY t.kind, t.sender COLLATE "C", t.message_id COLLATE "C"
      ON CONFLICT (sender, message_id, kind) DO NOTHING
      RETURNING id, sender, message_id, kind
    ),
    rcpt AS (
      SELECT i.id AS message, r.device_id COLLATE "C" AS device_id, r.rord
      FROM unnest(${db.array(rMsg)}::integer[], ${db.array(rDev)}::text[]) WITH ORDINALITY AS r(ord, device_id, rord)
      JOIN input t ON t.ord = r.ord
      JOIN ins i ON i.sender = t.sender COLLATE "C" AND i.message_id = t.message_id COLLATE "C" AND i.kind = t.kind
    ),
    need AS (SELECT device_id, count(*)::bigint AS n FROM rcpt GROUP BY device_id),
    seqs AS (
      INSERT INTO device_seq AS s (device_id, last_seq)
      SELECT device_id, n FROM need ORDER BY device_id
      ON CONFLICT (device_id) DO UPDATE SET last_seq = s.last_seq + EXCLUDED.last_seq
      RETURNING device_id, last_seq
    ),
    -- The new counters as one jsonb map (one row): CTE scans are estimated at a row or so,
    -- and a join to seqs would be planned as a nested loop, quadratic in the batch.
    last AS MATERIALIZED (SELECT jsonb_object_agg(device_id, last_seq) AS m FROM seqs),
    q AS (
      INSERT INTO queue (device_id, seq, message)
      SELECT r.device_id, (l.m ->> r.device_id)::bigint - count(*) OVER w + row_number() OVER (w ORDER BY r.rord), r.message
      FROM rcpt r CROSS JOIN last l
      WINDOW w AS (PARTITION BY r.device_id)
      RETURNING device_id, seq, message
    )
    SELECT i.sender, i.message_id, i.kind, q.device_id, q.seq FROM ins i LEFT JOIN q ON q.message = i.id`

  // Per stored message: its recipients' seqs.
  const stored = new Map<string, Map<DeviceId, number>>()
  for (const r of rows) {
    const k = keyOf({ sender: r.sender, messageId: r.message_id, kind: r.kind })
    let seqs = stored.get(k)
    if (!seqs) stored.set(k, (seqs = new Map()))
    if (r.device_id !== null && r.seq !== null) seqs.set(r.device_id, r.seq)
  }

  // Stored before (by an earlier batch or a concurrent node): report the original sentAt.
  const priorSentAt = new Map<string, number>()
  const dups = unique.filter((m) => !stored.has(keyOf(m)))
  if (dups.length > 0) {
    const prior = await db<{ sender: string; message_id: string; kind: number; sent_at: number }[]>`
      WITH t AS (SELECT * FROM unnest(${db.array(dups.map((d) => d.sender))}::text[], ${db.array(dups.map((d) => d.messageId))}::text[],
                  ${db.array(dups.map((d) => d.kind))}::smallint[]) AS t(sender, message_id, kind))
      SELECT m.sender, m.message_id, m.kind, m.sent_at FROM messages m
        JOIN t ON m.sender = t.sender AND m.message_id = t.message_id AND m.kind = t.kind
      UNION ALL
      SELECT r.sender, r.message_id, r.kind, r.sent_at FROM recent_sends r
        JOIN t ON r.sender = t.sender AND r.message_id = t.message_id AND r.kind = t.kind`
    for (const r of prior) {
      const k = keyOf({ sender: r.sender, messageId: r.message_id, kind: r.kind })
      if (!priorSentAt.has(k)) priorSentAt.set(k, Number(r.sent_at))
    }
  }

  const byKey = new Map<string, AppendResult>()
  unique.forEach((m, i) => {
    const k = keyOf(m)
    const seqs = stored.get(k)
    if (!seqs) {
      byKey.set(k, { duplicate: true, sentAt: priorSentAt.get(k) ?? m.sentAt, deliveries: [] })
      return
    }
    const deliveries: Delivery[] = recipients[i]!.map((deviceId) => ({ deviceId, seq: seqs.get(deviceId)! }))
    byKey.set(k, { duplicate: false, sentAt: m.sentAt, deliveries })
  })

  return batch.map((m, i) => {
    const r = byKey.get(keyOf(m))!
    return firstIndex.get(keyOf(m)) === i ? r : { duplicate: true, sentAt: r.sentAt, deliveries: [] }
  })
}

/**
 * How long a stored message's (sender, message id, kind) is remembered after it was stored, so
 * that a retry is a duplicate even after every copy was acknowledged. The SDK retries a send for
 * at most about 2.5 minutes (6 attempts of at most 25 s); a retry later than this may be stored
 * and delivered again (the devices drop it by id).
 */
export const RECENT_SENDS_MS = 10 * 60_000

/** Forgets sends older than RECENT_SENDS_MS. */
export async function pruneRecentSends(db: Db, now: number): Promise<number> {
  const r = await db`DELETE FROM recent_sends WHERE sent_at < ${now - RECENT_SENDS_MS}`
  return r.count
}

/**
 * Drops one reference per id (an id may repeat); deletes messages nobody still needs. One
 * statement: a message whose last references go is deleted outright, only the others get
 * their count lowered (an UPDATE of a row about to be deleted would write a new row version,
 * with its payload and an entry in every index, only to delete it).
 */
export async function releaseMessages(tx: Tx, messageIds: readonly number[]): Promise<void> {
  if (messageIds.length === 0) return
  // Rows are locked in id order (a materialised, ordered FOR UPDATE) so that concurrent
  // acknowledgements of overlapping messages cannot deadlock; the lock also makes the count
  // read here current, so two nodes releasing a message's last two references delete it once.
  await tx`
    WITH c AS (SELECT id, count(*)::integer AS n FROM unnest(${tx.array([...messageIds])}::bigint[]) AS t(id) GROUP BY id),
    locked AS MATERIALIZED (SELECT m.id, m.remaining FROM messages m WHERE m.id IN (SELECT id FROM c) ORDER BY m.id FOR UPDATE),
    gone AS (DELETE FROM messages m USING c JOIN locked l ON l.id = c.id WHERE m.id = c.id AND l.remaining <= c.n)
    UPDATE messages m SET remaining = l.remaining - c.n FROM c JOIN locked l ON l.id = c.id
    WHERE m.id = c.id AND l.remaining > c.n`
}
