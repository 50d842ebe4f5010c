// Single-use auth nonces on SQLite, with their expiry.
import type Database from 'better-sqlite3'
import type { SqliteQueue } from './queue-storage.ts'

/** How often expired auth nonces are deleted (as in the PostgreSQL store). */
const NONCE_SWEEP_MS = 60_000

export class SqliteNonces {
  readonly #queue: SqliteQueue
  readonly #s
  #nextNonceSweep = 0

  constructor(db: Database.Database, queue: SqliteQueue) {
    this.#queue = queue
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      // An expired entry not yet swept counts as absent, as if the sweep had just run.
      insertNonce: p('INSERT INTO nonces (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE nonces.expires_at < ?'),
      expireNonces: p('DELETE FROM nonces WHERE expires_at < ?'),
    }
  }

  /**
   * Single use, durable before it answers: the nonce joins the turn's queue transaction, whose
   * WAL is flushed in the thread pool (not an fsync of its own on the event loop per sign-in).
   * Expired nonces are swept at most every NONCE_SWEEP_MS (the sweep scans the table).
   */
  consume(nonce: string, expiresAt: number): Promise<boolean> {
    return this.#queue.batched(() => {
      const now = Date.now()
      if (now >= this.#nextNonceSweep) {
        this.#s.expireNonces.run(now)
        this.#nextNonceSweep = now + NONCE_SWEEP_MS
      }
      return this.#s.insertNonce.run(nonce, expiresAt, now).changes === 1
    }, true)
  }
}
