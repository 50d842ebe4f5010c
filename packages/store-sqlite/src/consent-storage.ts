// The consent ledger on SQLite: each person's signed consent records, in the order given.
import type Database from 'better-sqlite3'
import type { UserId } from '@candor/protocol'
import type { StoredConsent } from '@candor/ports'

export class SqliteConsents {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
  }

  append(userId: UserId, record: string, signature: Uint8Array, at: number): number {
    return Number(this.#db.prepare('INSERT INTO consents (user_id, record, signature, at) VALUES (?, ?, ?, ?)').run(userId, record, Buffer.from(signature), at).lastInsertRowid)
  }

  list(userId: UserId): StoredConsent[] {
    const rows = this.#db.prepare('SELECT seq, record, signature, at FROM consents WHERE user_id = ? ORDER BY seq').all(userId) as Array<{ seq: number; record: string; signature: Buffer; at: number }>
    return rows.map((r) => ({ seq: r.seq, record: r.record, signature: new Uint8Array(r.signature), at: r.at }))
  }
}
