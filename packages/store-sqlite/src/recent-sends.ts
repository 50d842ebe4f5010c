// The sends remembered for deduplication (docs/protocol.md §6: a retry within RECENT_SENDS_MS is
// answered with the first sentAt and queues nothing). On disk they are an append-only log in
// rowid order, so remembering a send writes at the end of one b-tree (as the ceiling relay writes
// its messages) instead of at a random place of a big index keyed by (sender, message id, kind),
// which dirtied a page per message: measured alone, ~half of the write path's CPU and ~85 % of
// its bytes written. The lookup by key is an in-memory hash table of the log's row ids per
// generation, rebuilt from the log when the store opens; a hit is confirmed by reading its row,
// so a hash collision never makes a fresh send a duplicate. A generation covers RECENT_SENDS_MS;
// when a new one starts, the one before the last is forgotten, in memory at once and on disk a
// bounded range of rows per transaction. So a send is remembered from 1 to 2 × RECENT_SENDS_MS.
import { randomInt } from 'node:crypto'
import type Database from 'better-sqlite3'

/**
 * How long a stored message's (sender, message id, kind) is remembered at least after it was
 * stored, so that a retry is a duplicate even after every copy was acknowledged. The SDK retries
 * a send for at most about 2.5 minutes (6 attempts of at most 25 s); a retry later than this may
 * be stored and delivered again (the devices drop it by id).
 */
export const RECENT_SENDS_MS = 10 * 60_000

/**
 * The row ids of one generation's sends, by a 32-bit hash of their key (open addressing, at most
 * half full): 8 bytes a slot, so 16–32 bytes per send remembered. Ids are kept as offsets from
 * the last id before the generation (a generation holds fewer than 2^32 sends).
 */
class Generation {
  hashes = new Uint32Array(1024)
  /** Row id − base per slot; 0 is empty. */
  ids = new Uint32Array(1024)
  size = 0
  /** The highest row id remembered here. */
  maxId = 0

  constructor(
    readonly since: number,
    readonly base: number,
  ) {}

  add(hash: number, id: number): void {
    if (2 * (this.size + 1) > this.ids.length) this.#grow()
    this.#put(hash, id - this.base)
    this.size++
    if (id > this.maxId) this.maxId = id
  }


  #put(hash: number, offset: number): void {
    const mask = this.ids.length - 1
    let i = hash & mask
    while (this.ids[i] !== 0) i = (i + 1) & mask
    this.hashes[i] = hash
    this.ids[i] = offset
  }

  #grow(): void {
    const { hashes, ids } = this
    this.hashes = new Uint32Array(2 * hashes.length)
    this.ids = new Uint32Array(2 * ids.length)
    for (let i = 0; i < ids.length; i++) if (ids[i] !== 0) this.#put(hashes[i]!, ids[i]!)
  }
}

/** Log rows of a transaction are inserted this many per statement, the last chunk 1. */
const CHUNKS = [16, 4, 1] as const
const COLUMNS = 5

interface LogRow {
  sender: string
  message_id: string
  kind: number
  sent_at: number
}

export class RecentSends {
  readonly #s
  /** Per process: a sender cannot choose message ids that pile up under one hash. */
  readonly #seed = randomInt(2 ** 32)
  #current: Generation
  #previous: Generation | undefined
  /** The last row id handed out (never reused while the store is open, also after a rollback). */
  #lastId: number
  /** Rows up to this id are forgotten and go from the log, a bounded range per transaction. */
  #forgetUpTo: number
  #forgottenTo: number
  /**
   * The sends remembered in the caller's transaction and not yet in the log (COLUMNS values
   * each, consecutive ids from #unwrittenFrom): write() inserts them several per statement.
   */
  readonly #unwritten: unknown[] = []
  #unwrittenFrom = 0

  constructor(db: Database.Database, now = Date.now()) {
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      insert: CHUNKS.map((n) => p(`INSERT INTO recent_sends (id, sender, message_id, kind, sent_at) VALUES ${Array(n).fill('(?, ?, ?, ?, ?)').join(', ')}`)),
      row: p('SELECT sender, message_id, kind, sent_at FROM recent_sends WHERE id = ?'),
      forget: p('DELETE FROM recent_sends WHERE id > ? AND id <= ?'),
    }
    // What the log holds from before (at most two generations) counts as remembered from now.
    const before = Math.max(((p('SELECT MIN(id) FROM recent_sends').pluck().get() as number | null) ?? 1) - 1, 0)
    this.#current = new Generation(now, before)
    let last = before
    for (const r of p('SELECT id, sender, message_id, kind FROM recent_sends ORDER BY id').iterate() as Iterable<{ id: number } & LogRow>) {
      last = r.id
      this.#current.add(this.#hash(r.sender, r.message_id, r.kind), r.id)
    }
    this.#lastId = last
    this.#forgetUpTo = this.#forgottenTo = before
  }

  /**
   * Inside the caller's transaction: remembers a send and returns undefined, or returns the
   * sentAt of the same (sender, message id, kind) remembered before. The send reaches the log
   * at write(), which the caller runs before its transaction commits.
   */
  remember(sender: string, messageId: string, kind: number, sentAt: number): number | undefined {
    const hash = this.#hash(sender, messageId, kind)
    const prior = this.#find(this.#current, hash, sender, messageId, kind) ?? (this.#previous && this.#find(this.#previous, hash, sender, messageId, kind))
    if (prior !== undefined) return prior
    const now = Date.now()
    if (now - this.#current.since >= RECENT_SENDS_MS) {
      // The generation before the last is past RECENT_SENDS_MS as a whole: forgotten.
      if (this.#previous) this.#forgetUpTo = this.#previous.maxId
      this.#previous = this.#current
      this.#current = new Generation(now, this.#lastId)
    }
    const id = ++this.#lastId
    if (this.#unwritten.length === 0) this.#unwrittenFrom = id
    this.#unwritten.push(id, sender, messageId, kind, sentAt)
    this.#current.add(hash, id)
    return undefined
  }

  /** Inside the caller's transaction: writes the sends remembered since the last write(), several per statement. */
  write(): void {
    const rows = this.#unwritten
    if (rows.length === 0) return
    const count = rows.length / COLUMNS
    let at = 0
    CHUNKS.forEach((n, c) => {
      const stmt = this.#s.insert[c]!
      for (; at + n <= count; at += n) stmt.run(n === count ? rows : rows.slice(at * COLUMNS, (at + n) * COLUMNS))
    })
    rows.length = 0
  }

  /**
   * The caller's transaction rolled back: its sends are not written. Their ids stay in memory,
   * never to be answered, as a hit is confirmed by reading its row (and ids are not reused).
   */
  discard(): void {
    this.#unwritten.length = 0
  }

  /** Inside the caller's transaction: deletes up to `limit` forgotten rows from the log. */
  forget(limit: number): void {
    if (this.#forgottenTo >= this.#forgetUpTo) return
    const to = Math.min(this.#forgetUpTo, this.#forgottenTo + limit)
    this.#s.forget.run(this.#forgottenTo, to)
    this.#forgottenTo = to
  }

  /** The sentAt of the send remembered in `g` under this key: each row id under `hash` is read and compared. */
  #find(g: Generation, hash: number, sender: string, messageId: string, kind: number): number | undefined {
    const { hashes, ids, base } = g
    const mask = ids.length - 1
    for (let i = hash & mask; ids[i] !== 0; i = (i + 1) & mask) {
      if (hashes[i] !== hash) continue
      const r = this.#unwrittenRow(base + ids[i]!) ?? (this.#s.row.get(base + ids[i]!) as LogRow | undefined)
      if (r !== undefined && r.sender === sender && r.message_id === messageId && r.kind === kind) return r.sent_at
    }
    return undefined
  }

  /** The row a send remembered in this transaction will have, if `id` is one. */
  #unwrittenRow(id: number): LogRow | undefined {
    const at = (id - this.#unwrittenFrom) * COLUMNS
    const rows = this.#unwritten
    if (at < 0 || at >= rows.length) return undefined
    return { sender: rows[at + 1] as string, message_id: rows[at + 2] as string, kind: rows[at + 3] as number, sent_at: rows[at + 4] as number }
  }

  /** FNV-1a over the key's UTF-16 code units, seeded per process. */
  #hash(sender: string, messageId: string, kind: number): number {
    let h = (0x811c9dc5 ^ this.#seed) >>> 0
    for (let i = 0; i < sender.length; i++) h = Math.imul(h ^ sender.charCodeAt(i), 0x01000193)
    h = Math.imul(h ^ 0x2f, 0x01000193)
    for (let i = 0; i < messageId.length; i++) h = Math.imul(h ^ messageId.charCodeAt(i), 0x01000193)
    h = Math.imul(h ^ kind, 0x01000193)
    // A final mix, so that the low bits (the slot) depend on every input bit.
    h ^= h >>> 15
    h = Math.imul(h, 0x2c1b3c6d)
    h ^= h >>> 12
    return h >>> 0
  }
}
