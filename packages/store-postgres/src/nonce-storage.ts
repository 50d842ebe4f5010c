// Single-use nonces on PostgreSQL, shared by every node: a nonce seen before is a replay. Each
// node sweeps expired ones now and then; an expired one not yet swept counts as absent.
import type { Sql } from './connection.ts'

/** Expired nonces are swept at most this often per node (replays are refused either way). */
const NONCE_SWEEP_MS = 60_000

export class PostgresNonces {
  readonly #sql: Sql
  #nextSweep = 0

  constructor(sql: Sql) {
    this.#sql = sql
  }

  async consume(nonce: string, expiresAt: number): Promise<boolean> {
    const now = Date.now()
    if (now >= this.#nextSweep) {
      this.#nextSweep = now + NONCE_SWEEP_MS
      await this.#sql`DELETE FROM nonces WHERE expires_at < ${now}`
    }
    // An expired entry not yet swept counts as absent, as if the sweep had just run.
    const r = await this.#sql`
      INSERT INTO nonces (nonce, expires_at) VALUES (${nonce}, ${expiresAt})
      ON CONFLICT (nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE nonces.expires_at < ${now}
      RETURNING 1`
    return r.length === 1
  }
}
