// The consent ledger on PostgreSQL (data ownership): each user's signed consent records, opaque
// to the store, in the order they were appended. Erasing the user deletes them (erasure-storage.ts).
import type { UserId } from '@candor/protocol'
import type { StoredConsent } from '@candor/ports'
import { buf, bytes, type Sql } from './connection.ts'

export async function appendConsent(sql: Sql, userId: UserId, record: string, signature: Uint8Array, at: number): Promise<number> {
  const [r] = await sql<{ seq: number }[]>`
    INSERT INTO consents (user_id, record, signature, at) VALUES (${userId}, ${record}, ${buf(signature)}, ${at}) RETURNING seq`
  return r!.seq
}

export async function listConsents(sql: Sql, userId: UserId): Promise<StoredConsent[]> {
  const rows = await sql<{ seq: number; record: string; signature: Buffer; at: number }[]>`
    SELECT seq, record, signature, at FROM consents WHERE user_id = ${userId} ORDER BY seq`
  return rows.map((r) => ({ seq: r.seq, record: r.record, signature: bytes(r.signature), at: r.at }))
}
