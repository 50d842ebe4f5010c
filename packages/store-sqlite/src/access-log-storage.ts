// The access log's rows on SQLite: one row per leaf, index = row id from 0 with no gaps
// (one writer at a time, so MAX(idx) + 1 inside a transaction is safe), and each subject's
// tally (the positions their key-directory entry commits to), numbered in one transaction.
import type Database from 'better-sqlite3'
import type { UserId } from '@candor/protocol'
import type { AccessLeaf, NewAccessLeaf, ReceiptTally } from '@candor/ports'

interface Row {
  idx: number
  leaf_hash: Buffer
  envelope: Buffer | null
  subject: string | null
  logged_at: number
  visible_at: number
  position: number | null
}

export class SqliteAccessLog {
  readonly #append
  readonly #hashes
  readonly #of
  readonly #tally
  readonly #untallied

  constructor(db: Database.Database) {
    const insert = db.prepare(
      `INSERT INTO access_log (idx, leaf_hash, envelope, subject, logged_at, visible_at)
       VALUES ((SELECT COALESCE(MAX(idx) + 1, 0) FROM access_log), ?, ?, ?, ?, ?) RETURNING idx`,
    )
    this.#append = db.transaction((l: NewAccessLeaf) =>
      insert.pluck().get(Buffer.from(l.leafHash), l.envelope ? Buffer.from(l.envelope) : null, l.subject, l.loggedAt, l.visibleAt) as number,
    )
    this.#hashes = db.prepare('SELECT leaf_hash FROM access_log WHERE idx >= ? ORDER BY idx LIMIT ?').pluck()
    this.#of = db.prepare(
      'SELECT * FROM access_log WHERE subject = ? AND (visible_at <= ? OR position IS NOT NULL) AND envelope IS NOT NULL ORDER BY idx',
    )
    const fresh = db.prepare('SELECT idx FROM access_log WHERE subject = ? AND position IS NULL AND visible_at <= ? ORDER BY idx').pluck()
    const top = db.prepare('SELECT position, leaf_hash FROM access_log WHERE subject = ? AND position IS NOT NULL ORDER BY position DESC LIMIT 1')
    const place = db.prepare('UPDATE access_log SET position = ? WHERE idx = ?')
    this.#tally = db.transaction((subject: UserId, now: number): ReceiptTally => {
      let count = (top.get(subject) as { position: number } | undefined)?.position ?? 0
      for (const idx of fresh.all(subject, now) as number[]) place.run(++count, idx)
      const last = top.get(subject) as { position: number; leaf_hash: Buffer } | undefined
      return last ? { count: last.position, last: new Uint8Array(last.leaf_hash) } : { count: 0, last: null }
    })
    this.#untallied = db
      .prepare('SELECT DISTINCT subject FROM access_log WHERE position IS NULL AND subject IS NOT NULL AND visible_at <= ? LIMIT ?')
      .pluck()
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
      position: r.position,
    }))
  }

  tally(subject: UserId, now: number): ReceiptTally {
    return this.#tally.immediate(subject, now)
  }

  untalliedSubjects(now: number, limit: number): UserId[] {
    return this.#untallied.all(now, limit) as UserId[]
  }
}
