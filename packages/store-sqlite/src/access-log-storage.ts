// The access log's rows on SQLite: one row per leaf, index = row id from 0 with no gaps
// (one writer at a time, so MAX(idx) + 1 inside a transaction is safe).
import type Database from 'better-sqlite3'
import type { UserId } from '@candor/protocol'
import type { AccessLeaf, NewAccessLeaf } from '@candor/ports'

interface Row {
  idx: number
  leaf_hash: Buffer
  envelope: Buffer | null
  subject: string | null
  logged_at: number
  visible_at: number
}

export class SqliteAccessLog {
  readonly #append
  readonly #hashes
  readonly #of

  constructor(db: Database.Database) {
    const insert = db.prepare(
      `INSERT INTO access_log (idx, leaf_hash, envelope, subject, logged_at, visible_at)
       VALUES ((SELECT COALESCE(MAX(idx) + 1, 0) FROM access_log), ?, ?, ?, ?, ?) RETURNING idx`,
    )
    this.#append = db.transaction((l: NewAccessLeaf) =>
      insert.pluck().get(Buffer.from(l.leafHash), l.envelope ? Buffer.from(l.envelope) : null, l.subject, l.loggedAt, l.visibleAt) as number,
    )
    this.#hashes = db.prepare('SELECT leaf_hash FROM access_log WHERE idx >= ? ORDER BY idx LIMIT ?').pluck()
    this.#of = db.prepare('SELECT * FROM access_log WHERE subject = ? AND visible_at <= ? AND envelope IS NOT NULL ORDER BY idx')
  }

  append(leaf: NewAccessLeaf): number {
    return this.#append.immediate(leaf)
  }

  hashes(fromIndex: number, limit: number): Uint8Array[] {
    return (this.#hashes.all(fromIndex, limit) as Buffer[]).map((b) => new Uint8Array(b))
  }

  leavesOf(subject: UserId, now: number): AccessLeaf[] {
    return (this.#of.all(subject, now) as Row[]).map((r) => ({
      index: r.idx,
      subject,
      leafHash: new Uint8Array(r.leaf_hash),
      envelope: new Uint8Array(r.envelope!),
      loggedAt: r.logged_at,
      visibleAt: r.visible_at,
    }))
  }
}
