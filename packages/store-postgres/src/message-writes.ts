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
 * Remember each (sender, messageId, kind) in recent_sends (one already there is a duplicate),
 * store a message for several recipients (or none) in messages (one stored before, past the
 * recent_sends window, is a duplicate too), reserve a contiguous seq range per recipient device
 * with one upsert of its counter row (held locked to commit, so a device's seqs become visible
 * in order), queue one row per recipient: pointing at the messages row, or holding the message
 * itself when it has one recipient (the 1:1 hot path; see migrations). Only when the batch held
 * messages stored before does a second statement read their original sentAt.
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
  // batch order (row_number over the flattened recipients). Rows come back as numbers only:
  // the message's ordinal in `unique`, and per queue row its recipient ordinal and seq.
  // The payloads travel as one bytea and are cut apart by offset and length: the driver sends
  // parameters as text, and a bytea[] literal costs a per-element escape here and a
  // character-by-character array parse in PostgreSQL, while one hex string decodes in bulk.
  const offsets: number[] = []
  let at = 1
  for (const m of unique) {
    offsets.push(at)
    at += m.payload.byteLength
  }
  const payloads = Buffer.concat(unique.map((m) => m.payload))
  const rows = unique.length === 0 ? [] : await db<{ ord: number; rord: number | null; seq: number | null }[]>`
    WITH input AS (
      SELECT t.sender, t.message_id, t.group_id, t.kind, t.sent_at, substring(${payloads}::bytea FROM t.off FOR t.len) AS payload, t.remaining, t.ord
      FROM unnest(
        ${db.array(unique.map((m) => m.sender))}::text[], ${db.array(unique.map((m) => m.messageId))}::text[],
        ${db.array(unique.map((m) => m.groupId))}::text[], ${db.array(unique.map((m) => m.kind))}::smallint[],
        ${db.array(unique.map((m) => m.sentAt))}::bigint[], ${db.array(offsets)}::integer[],
        ${db.array(unique.map((m) => m.payload.byteLength))}::integer[], ${db.array(recipients.map((r) => r.length))}::integer[]
      ) WITH ORDINALITY AS t(sender, message_id, group_id, kind, sent_at, off, len, remaining, ord)
    ),
    -- Sent before within RECENT_SENDS_MS (also if every copy was acknowledged since): a duplicate.
    fresh AS (
      INSERT INTO recent_sends (sender, message_id, kind, sent_at)
      SELECT sender, message_id, kind, sent_at FROM input
      ORDER BY kind, sender COLLATE "C", message_id COLLATE "C"
      ON CONFLICT (sender, message_id, kind) DO NOTHING
      RETURNING sender, message_id, kind
    ),
    kept AS MATERIALIZED (
      SELECT t.* FROM input t
      JOIN fresh f ON f.sender = t.sender COLLATE "C" AND f.message_id = t.message_id COLLATE "C" AND f.kind = t.kind
    ),
    ins AS (
      INSERT INTO messages (sender, message_id, group_id, kind, sent_at, payload, remaining)
      SELECT sender, message_id, group_id, kind, sent_at, payload, remaining FROM kept WHERE remaining <> 1
      ORDER BY kind, sender COLLATE "C", message_id COLLATE "C"
      ON CONFLICT (sender, message_id, kind) DO NOTHING
      RETURNING id, sender, message_id, kind
    ),
    -- What is stored: one-recipient messages inline (no messages row), the others by id. The
    -- columns ride along to the queue insert (no join back to kept).
    stored AS MATERIALIZED (
      SELECT k.ord, k.remaining, NULL::bigint AS message, k.sender, k.message_id, k.group_id, k.kind, k.sent_at, k.payload
      FROM kept k WHERE k.remaining = 1
      UNION ALL
      SELECT k.ord, k.remaining, i.id, NULL, NULL, NULL, NULL, NULL, NULL FROM kept k
      JOIN ins i ON i.sender = k.sender COLLATE "C" AND i.message_id = k.message_id COLLATE "C" AND i.kind = k.kind
    ),
    rcpt AS (
      SELECT s.*, r.device_id COLLATE "C" AS device_id, r.rord
      FROM unnest(${db.array(rMsg)}::integer[], ${db.array(rDev)}::text[]) WITH ORDINALITY AS r(ord, device_id, rord)
      JOIN stored s ON s.ord = r.ord
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
    qrows AS MATERIALIZED (
      SELECT r.*, (l.m ->> r.device_id)::bigint - count(*) OVER w + row_number() OVER (w ORDER BY r.rord) AS seq
      FROM rcpt r CROSS JOIN last l
      WINDOW w AS (PARTITION BY r.device_id)
    ),
    q AS (
      INSERT INTO queue (device_id, seq, message, sender, message_id, group_id, kind, sent_at, payload)
      SELECT device_id, seq, message, sender, message_id, group_id, kind, sent_at, payload FROM qrows
    )
    SELECT ord, rord, seq FROM qrows
    UNION ALL
    SELECT ord, NULL, NULL FROM stored WHERE remaining = 0`

  // Per stored message (by ordinal in unique): its recipients' seqs.
  const stored = new Map<number, Map<DeviceId, number>>()
  for (const r of rows) {
    let seqs = stored.get(r.ord - 1)
    if (!seqs) stored.set(r.ord - 1, (seqs = new Map()))
    if (r.rord !== null && r.seq !== null) seqs.set(rDev[r.rord - 1]!, r.seq)
  }

  // Stored before (by an earlier batch or a concurrent node): report the original sentAt.
  const priorSentAt = new Map<string, number>()
  const dups = unique.filter((_, i) => !stored.has(i))
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
    const seqs = stored.get(i)
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
 * Drops one reference per id (an id may repeat; null, an inline row's, is skipped); deletes messages nobody still needs. One
 * statement: a message whose last references go is deleted outright, only the others get
 * their count lowered (an UPDATE of a row about to be deleted would write a new row version,
 * with its payload and an entry in every index, only to delete it).
 */
export async function releaseMessages(tx: Tx, queued: readonly (number | null)[]): Promise<void> {
  // Inline queue rows (null: the message was in the row itself) have nothing to release.
  const messageIds = queued.filter((id): id is number => id !== null)
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
