// The message queue on SQLite: the hot path of delivery. A message for one recipient (a 1:1
// conversation between single devices) lives inline in its queue row; one for several recipients
// is stored once in `messages` and each queue row points at it, counting down as recipients
// acknowledge. Message writes and acks of one event-loop turn share one transaction (group
// commit), and the fsync that makes it durable runs off the event loop (wal-sync.ts).
import type Database from 'better-sqlite3'
import type { DeviceId, GroupId, MessageId, MessageKind } from '@candor/protocol'
import type { AppendResult, Delivery, NewMessage, QueuedMessage } from '@candor/ports'
import type { WalSync } from './wal-sync.ts'
import { RecentSends } from './recent-sends.ts'

export { RECENT_SENDS_MS } from './recent-sends.ts'

/** A queue row as the fetch statement selects it. */
interface QueueRow {
  seq: number
  message_id: string
  group_id: string
  sender: string
  kind: number
  sent_at: number
  payload: Uint8Array
}

function toQueuedMessage(r: QueueRow): QueuedMessage {
  return {
    seq: r.seq,
    messageId: r.message_id as MessageId,
    groupId: r.group_id as GroupId,
    sender: r.sender as DeviceId,
    kind: r.kind as MessageKind,
    sentAt: r.sent_at,
    // A Buffer from the driver becomes a plain view on the same memory.
    payload: new Uint8Array(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength),
  }
}

interface PendingWrite {
  fn: () => unknown
  /** Must survive power loss before its caller hears back (message writes); acks need not. */
  durable: boolean
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

type Outcome = { value: unknown } | { error: unknown }

/** Answers each write of a committed batch; if the flush that makes it durable failed, the durable ones fail. */
function settle(batch: readonly PendingWrite[], outcomes: readonly Outcome[], flushError: Error | null): void {
  batch.forEach((w, i) => {
    const o = outcomes[i]!
    if ('error' in o) w.reject(o.error)
    else if (flushError && w.durable) w.reject(flushError)
    else w.resolve(o.value)
  })
}

const SEQ_BLOCK = 10_000
/** Seqs of one ack deleted per statement at most. */
const ACK_CHUNK = 16
/** Queue rows of a shared message are inserted this many per statement, then one by one. */
const CHUNKS = [32, 8] as const

export class SqliteQueue {
  readonly #db: Database.Database
  readonly #s
  /** The last queue seq handed out, and the highest one meta allows before it must be raised. */
  #seq: number
  #reservedSeq: number
  /** Acknowledged recipients per shared message in the current transaction (see #applyReleases). */
  readonly #releases = new Map<number, number>()
  /** Sends remembered in the current transaction (as many expired ones are forgotten, twice over). */
  #remembered = 0
  readonly #recent: RecentSends
  #writes: PendingWrite[] = []
  /** DELETE … seq IN (k placeholders) by k, prepared when first needed. */
  readonly #dequeueIn: Array<Database.Statement | undefined> = []
  /** A commit of #writes is scheduled (setImmediate); #heldOnce: acks alone already waited a turn. */
  #scheduled = false
  #heldOnce = false
  /** The configured synchronous level: what any transaction that must survive power loss uses. */
  readonly #synchronous: 'FULL' | 'NORMAL'
  /** Flushes the WAL file in the thread pool (file databases); undefined in memory. */
  readonly #walSync: WalSync | undefined
  /** The transaction wrapper, made once (db.transaction builds four wrappers per call). */
  readonly #tx: (fn: () => unknown) => unknown

  constructor(db: Database.Database, synchronous: 'FULL' | 'NORMAL', walSync: WalSync | undefined) {
    this.#db = db
    this.#synchronous = synchronous
    this.#walSync = walSync
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      getSeq: p(`SELECT value FROM meta WHERE key = 'queue_seq'`).pluck(),
      saveSeq: p(`INSERT INTO meta (key, value) VALUES ('queue_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
      queueRowsOf: p('SELECT seq FROM queue WHERE device_id = ?').pluck(),
      findMessage: p('SELECT sent_at FROM messages WHERE sender = ? AND message_id = ? AND kind = ?').pluck(),
      insertMessage: p(
        'INSERT OR IGNORE INTO messages (sender, message_id, group_id, kind, sent_at, payload, remaining) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      enqueue: p('INSERT INTO queue (seq, device_id, message) VALUES (?, ?, ?)'),
      /** Several queue rows of one shared message per statement (a statement per row costs ~1 µs more). */
      enqueueMany: CHUNKS.map((n) => p(`INSERT INTO queue (seq, device_id, message) VALUES ${Array(n).fill('(?, ?, ?)').join(', ')}`)),
      enqueueInline: p('INSERT INTO queue (seq, device_id, sender, message_id, group_id, kind, sent_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      fetch: p(
        `SELECT q.seq, COALESCE(q.message_id, m.message_id) AS message_id, COALESCE(q.group_id, m.group_id) AS group_id,
                COALESCE(q.sender, m.sender) AS sender, COALESCE(q.kind, m.kind) AS kind,
                COALESCE(q.sent_at, m.sent_at) AS sent_at, COALESCE(q.payload, m.payload) AS payload
         FROM queue q LEFT JOIN messages m ON m.id = q.message
         WHERE q.device_id = ? AND q.seq > ? ORDER BY q.seq LIMIT ?`,
      ),
      dequeue: p('DELETE FROM queue WHERE seq = ? AND device_id = ? RETURNING message').pluck(),
      release: p('UPDATE messages SET remaining = remaining - ? WHERE id = ? RETURNING remaining').pluck(),
      deleteMessage: p('DELETE FROM messages WHERE id = ?'),
      pending: p('SELECT COUNT(*) FROM queue WHERE device_id = ?').pluck(),
      messageOf: p('SELECT id FROM messages WHERE sender = ? AND message_id = ? AND kind = ?').pluck(),
      addRecipient: p('UPDATE messages SET remaining = remaining + 1 WHERE id = ?'),
      // Prepared once: db.pragma() prepares its statement on every call, twice per turn here.
      syncNormal: p('PRAGMA synchronous = NORMAL'),
      syncFull: p('PRAGMA synchronous = FULL'),
    }
    this.#recent = new RecentSends(db)
    this.#tx = db.transaction((fn: () => unknown) => {
      this.#releases.clear()
      this.#remembered = 0
        this.#recent.write()
      const v = fn()
        this.#recent.write()
      this.#applyReleases()
      this.#persistSeq()
      if (this.#remembered > 0) this.#recent.forget(2 * this.#remembered + 16)
      return v
    })
    const saved = Number(this.#s.getSeq.get() ?? 0)
    const highest = (db.prepare('SELECT MAX(seq) FROM queue').pluck().get() as number | null) ?? 0
    this.#seq = this.#reservedSeq = Math.max(saved, highest)
  }

  /** Stores one message inside the caller's queue transaction (see transaction). */
  store(m: NewMessage): AppendResult {
    const recipients = m.recipients
    // Nobody to deliver to (the sender is alone in the group): nothing is kept.
    if (recipients.length === 0) return { duplicate: false, sentAt: m.sentAt, deliveries: [] }
    // Sent before, within RECENT_SENDS_MS: a duplicate, also when every copy was acknowledged
    // since (a sender retrying after a lost `accepted`). Older rows are checked below as well.
    const prior = this.#recent.remember(m.sender, m.messageId, m.kind, m.sentAt)
    if (prior !== undefined) return { duplicate: true, sentAt: prior, deliveries: [] }
    this.#remembered++
    // Dedup is recent_sends' job (above): a retry is caught there for RECENT_SENDS_MS, which is
    // what docs/protocol.md §6 promises; the queue keeps no index of its own for it (a retry later
    // than that is stored and delivered again, and the devices drop it by id).
    if (recipients.length === 1) {
      const deviceId = recipients[0]!
      const seq = ++this.#seq
      this.#s.enqueueInline.run(seq, deviceId, m.sender, m.messageId, m.groupId, m.kind, m.sentAt, m.payload)
      return { duplicate: false, sentAt: m.sentAt, deliveries: [{ deviceId, seq }] }
    }
    const { changes, lastInsertRowid } = this.#s.insertMessage.run(m.sender, m.messageId, m.groupId, m.kind, m.sentAt, m.payload, recipients.length)
    if (changes === 0) {
      const prior = this.#s.findMessage.get(m.sender, m.messageId, m.kind) as number
      return { duplicate: true, sentAt: prior, deliveries: [] }
    }
    const deliveries: Delivery[] = []
    let i = 0
    CHUNKS.forEach((n, c) => {
      if (i + n > recipients.length) return
      const args: unknown[] = new Array(n * 3)
      for (; i + n <= recipients.length; i += n) {
        for (let k = 0; k < n; k++) {
          const deviceId = recipients[i + k]!
          const seq = ++this.#seq
          args[k * 3] = seq
          args[k * 3 + 1] = deviceId
          args[k * 3 + 2] = lastInsertRowid
          deliveries.push({ deviceId, seq })
        }
        this.#s.enqueueMany[c]!.run(args)
      }
    })
    for (; i < recipients.length; i++) {
      const deviceId = recipients[i]!
      const seq = ++this.#seq
      this.#s.enqueue.run(seq, deviceId, lastInsertRowid)
      deliveries.push({ deviceId, seq })
    }
    return { duplicate: false, sentAt: m.sentAt, deliveries }
  }

  /**
   * Queues a copy of a message for one more device inside the caller's queue transaction (a
   * delivery held for a contact request, released on acceptance): it joins the stored message if
   * one is kept under (sender, id, kind), else is stored anew. Never a duplicate: the sender sent
   * it once, to everyone else. Returns the queue seq.
   */
  storeFor(m: Omit<NewMessage, 'recipients'>, deviceId: DeviceId): number {
    let message = this.#s.messageOf.get(m.sender, m.messageId, m.kind) as number | undefined
    if (message === undefined) {
      message = Number(this.#s.insertMessage.run(m.sender, m.messageId, m.groupId, m.kind, m.sentAt, m.payload, 1).lastInsertRowid)
    } else {
      this.#s.addRecipient.run(message)
    }
    const seq = ++this.#seq
    this.#s.enqueue.run(seq, deviceId, message)
    return seq
  }

  /**
   * The caller has batched already (the delivery service's turn), so the transaction runs now,
   * taking along the acks queued so far this turn (see #write).
   */
  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    const stored = this.#write(() => batch.map((m) => this.store(m)), true)
    this.#flushWrites()
    return stored
  }

  /**
   * A small write of another table (an auth nonce, a last-seen day) joins the turn's transaction
   * instead of committing on its own: a durable one is answered once the WAL is flushed in the
   * thread pool (as a message write is), not by an fsync on the event loop.
   */
  batched<T>(fn: () => T, durable: boolean): Promise<T> {
    return this.#write(fn, durable)
  }

  fetch(deviceId: DeviceId, afterSeq: number, limit: number): QueuedMessage[] {
    this.#commitQueued()
    return (this.#s.fetch.all(deviceId, afterSeq, limit) as QueueRow[]).map(toQueuedMessage)
  }

  pending(deviceId: DeviceId): number {
    this.#commitQueued()
    return this.#s.pending.get(deviceId) as number
  }

  /**
   * An ack needs no reply, so it shares the turn's transaction. Nor does it need an fsync of its
   * own: an ack lost to a power cut only means the message is delivered again, and the device
   * drops it by id. A turn with only acks commits without one (see #flushWrites).
   */
  ack(deviceId: DeviceId, seqs: readonly number[]): Promise<number> {
    return this.#write(() => this.#dequeueAll(deviceId, seqs), false)
  }

  /** Drops everything queued for a device (it was revoked), inside the caller's transaction. */
  dropAllOf(deviceId: DeviceId): void {
    this.#releases.clear()
    for (const seq of this.#s.queueRowsOf.all(deviceId) as number[]) this.#dequeue(deviceId, seq)
    this.#applyReleases()
  }

  /**
   * Deletes the queue rows of `seqs` (an ack frame's), up to ACK_CHUNK per statement: one
   * statement per seq cost a call into the driver each. Returns how many rows existed.
   */
  #dequeueAll(deviceId: DeviceId, seqs: readonly number[]): number {
    if (seqs.length === 1) return this.#dequeue(deviceId, seqs[0]!) ? 1 : 0
    let n = 0
    for (let i = 0; i < seqs.length; i += ACK_CHUNK) {
      const k = Math.min(ACK_CHUNK, seqs.length - i)
      const stmt = (this.#dequeueIn[k] ??= this.#db.prepare(`DELETE FROM queue WHERE device_id = ? AND seq IN (${Array(k).fill('?').join(', ')}) RETURNING message`).pluck())
      const args: unknown[] = [deviceId]
      for (let j = i; j < i + k; j++) args.push(seqs[j])
      for (const message of stmt.all(args) as Array<number | null>) {
        n++
        if (message !== null) this.#releases.set(message, (this.#releases.get(message) ?? 0) + 1)
      }
    }
    return n
  }

  #dequeue(deviceId: DeviceId, seq: number): boolean {
    const message = this.#s.dequeue.get(seq, deviceId) as number | null | undefined
    if (message === undefined) return false
    if (message !== null) this.#releases.set(message, (this.#releases.get(message) ?? 0) + 1)
    return true
  }

  /**
   * A shared message counts down once per message per transaction, not once per recipient's
   * ack (a group's acks for one message tend to arrive together); the last one deletes it.
   */
  #applyReleases(): void {
    if (this.#releases.size === 0) return
    for (const [message, n] of this.#releases) {
      const left = this.#s.release.get(n, message) as number | undefined
      if (left !== undefined && left <= 0) this.#s.deleteMessage.run(message)
    }
    this.#releases.clear()
  }

  /**
   * Seqs are reserved in blocks: meta records a ceiling above every seq handed out, raised in
   * the same transaction that first goes past it, so seqs never repeat after a restart (which
   * resumes above the ceiling) while most commits leave the meta page alone.
   */
  #persistSeq(): void {
    if (this.#seq <= this.#reservedSeq) return
    this.#reservedSeq = this.#seq + SEQ_BLOCK
    this.#s.saveSeq.run(String(this.#reservedSeq))
  }

  /**
   * Group commit: the message writes and acks of one event-loop turn, from every connection,
   * run in one transaction, so one fsync covers them all. Each caller learns its own outcome.
   */
  #write<T>(fn: () => T, durable: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#writes.push({ fn, durable, resolve: resolve as (v: unknown) => void, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(this.#endOfTurn)
      }
    })
  }

  /**
   * Commits the turn's writes. Writes that need no flush (acks) wait one turn more when nothing
   * durable came with them: the delivery service's flush of the same turn, often scheduled after
   * them, takes them along (appendMessages), so a turn commits once rather than once for its acks
   * and again for its messages — each commit writes every page it dirtied to the WAL.
   */
  readonly #endOfTurn = (): void => {
    this.#scheduled = false
    if (this.#writes.length === 0) return
    if (!this.#heldOnce && !this.#writes.some((w) => w.durable)) {
      this.#heldOnce = true
      this.#scheduled = true
      setImmediate(this.#endOfTurn)
      return
    }
    this.#flushWrites()
  }

  /**
   * A read sees every write asked for before it: writes still waiting for their turn's commit
   * (acks held for the delivery service's, see #endOfTurn) commit first. Inside a transaction the
   * caller's own writes are there already.
   */
  #commitQueued(): void {
    if (this.#writes.length > 0 && !this.#db.inTransaction) this.#flushWrites()
  }

  /** The store is closing: the writes still waiting for their turn commit now, not after it closed. */
  commitQueued(): void {
    this.#commitQueued()
  }

  #flushWrites(): void {
    const batch = this.#writes
    this.#heldOnce = false
    if (batch.length === 0) return
    this.#writes = []
    // Commit without an fsync (WAL with synchronous=NORMAL): the event loop does not wait on the
    // disk. A batch that must survive power loss is answered once the WAL is flushed in the thread
    // pool (see WalSync); acks need no flush of their own, as a later one covers their frames too
    // and the WAL keeps commit order. Without a WAL file to flush (in memory), FULL commits stay.
    const full = this.#synchronous === 'FULL'
    const durable = full && batch.some((w) => w.durable)
    const deferSync = full && (this.#walSync !== undefined || !durable)
    if (deferSync) this.#s.syncNormal.run()
    let outcomes: Outcome[]
    try {
      outcomes = this.#runWrites(batch)
    } finally {
      if (deferSync) this.#s.syncFull.run()
    }
    if (durable && this.#walSync) this.#walSync.afterCommit((error) => settle(batch, outcomes, error))
    else settle(batch, outcomes, null)
  }

  #runWrites(batch: readonly PendingWrite[]): Outcome[] {
    try {
      const values = this.transaction(() => batch.map((w) => w.fn()))
      return values.map((value) => ({ value }))
    } catch {
      // Something in the batch failed and the whole transaction rolled back: redo each write in
      // its own transaction, so only the failing one fails.
      return batch.map((w) => {
        try {
          return { value: this.transaction(w.fn) }
        } catch (error) {
          return { error }
        }
      })
    }
  }

  /**
   * One transaction of queue work: shared messages count down and the seq reservation settles
   * inside it; if it rolls back, the in-memory reservation is re-read, so it never runs ahead of
   * the file.
   */
  transaction<T>(fn: () => T): T {
    try {
      return this.#tx(fn) as T
    } catch (e) {
      this.#recent.discard()
      this.#reservedSeq = Number(this.#s.getSeq.get() ?? 0)
      throw e
    }
  }
}
