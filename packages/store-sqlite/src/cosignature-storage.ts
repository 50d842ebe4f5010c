// Witness cosignatures of key-directory checkpoints on SQLite: one row per witness key, its
// newest cosignature (the server verified it before storing).
import type Database from 'better-sqlite3'
import type { WitnessCosignatureRecord } from '@candor/ports'

interface Row {
  witness: string
  key_id: number
  size: number
  timestamp: number
  signature: Buffer
}

const toCosignature = (r: Row): WitnessCosignatureRecord => ({
  witness: r.witness,
  keyId: r.key_id,
  size: r.size,
  timestamp: r.timestamp,
  signature: new Uint8Array(r.signature),
})

export class SqliteCosignatures {
  readonly #db: Database.Database
  readonly #s

  constructor(db: Database.Database) {
    this.#db = db
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      put: p(`
        INSERT INTO witness_cosignatures (witness, key_id, size, timestamp, signature) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (witness, key_id) DO UPDATE SET size = excluded.size, timestamp = excluded.timestamp, signature = excluded.signature
        WHERE excluded.size > witness_cosignatures.size
           OR (excluded.size = witness_cosignatures.size AND excluded.timestamp > witness_cosignatures.timestamp)`),
      held: p('SELECT size, timestamp FROM witness_cosignatures WHERE witness = ? AND key_id = ?'),
      at: p('SELECT * FROM witness_cosignatures WHERE size = ? ORDER BY witness, key_id'),
    }
  }

  put(c: WitnessCosignatureRecord): 'stored' | 'unchanged' | 'older' {
    return this.#db.transaction(() => {
      if (this.#s.put.run(c.witness, c.keyId, c.size, c.timestamp, c.signature).changes === 1) return 'stored' as const
      const held = this.#s.held.get(c.witness, c.keyId) as { size: number; timestamp: number }
      return held.size === c.size && held.timestamp === c.timestamp ? ('unchanged' as const) : ('older' as const)
    })()
  }

  at(size: number): WitnessCosignatureRecord[] {
    return (this.#s.at.all(size) as Row[]).map(toCosignature)
  }
}
