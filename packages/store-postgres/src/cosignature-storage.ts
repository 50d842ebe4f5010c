// Witness cosignatures of key-directory checkpoints on PostgreSQL: one row per witness key, its
// newest cosignature (the server verified it before storing), read by every node.
import type { WitnessCosignatureRecord } from '@candor/ports'
import { bytes, type Sql } from './connection.ts'

interface Row {
  witness: string
  key_id: number
  size: number
  timestamp: number
  signature: Buffer
}

export async function putCosignature(sql: Sql, c: WitnessCosignatureRecord): Promise<'stored' | 'unchanged' | 'older'> {
  // One statement: the conditional upsert decides atomically against whatever another node stored.
  const stored = await sql`
    INSERT INTO witness_cosignatures (witness, key_id, size, timestamp, signature)
    VALUES (${c.witness}, ${c.keyId}, ${c.size}, ${c.timestamp}, ${Buffer.from(c.signature)})
    ON CONFLICT (witness, key_id) DO UPDATE SET size = EXCLUDED.size, timestamp = EXCLUDED.timestamp, signature = EXCLUDED.signature
    WHERE EXCLUDED.size > witness_cosignatures.size
       OR (EXCLUDED.size = witness_cosignatures.size AND EXCLUDED.timestamp > witness_cosignatures.timestamp)
    RETURNING 1`
  if (stored.length === 1) return 'stored'
  const [held] = await sql<{ size: number; timestamp: number }[]>`
    SELECT size, timestamp FROM witness_cosignatures WHERE witness = ${c.witness} AND key_id = ${c.keyId}`
  return held && held.size === c.size && held.timestamp === c.timestamp ? 'unchanged' : 'older'
}

export async function cosignaturesAt(sql: Sql, size: number): Promise<WitnessCosignatureRecord[]> {
  const rows = await sql<Row[]>`SELECT * FROM witness_cosignatures WHERE size = ${size} ORDER BY witness, key_id`
  return rows.map((r) => ({ witness: r.witness, keyId: r.key_id, size: r.size, timestamp: r.timestamp, signature: bytes(r.signature) }))
}
