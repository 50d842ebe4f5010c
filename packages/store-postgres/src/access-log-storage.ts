// The access log on PostgreSQL (data ownership): append-only leaves with gap-free indexes across
// nodes, each receipt's subject and sealed envelope beside its leaf, and each subject's tally.
import type { UserId } from '@candor/protocol'
import type { AccessLeaf, NewAccessLeaf, ReceiptTally } from '@candor/ports'
import { buf, bytes, transaction, type Sql } from './connection.ts'

export async function appendAccessLeaf(sql: Sql, l: NewAccessLeaf): Promise<number> {
  return transaction(sql, async (tx) => {
    // One appender at a time across nodes, so indexes have no gaps and no duplicates.
    await tx`LOCK TABLE access_log IN EXCLUSIVE MODE`
    const [r] = await tx<{ idx: number }[]>`
      INSERT INTO access_log (idx, leaf_hash, envelope, subject, logged_at, visible_at)
      SELECT coalesce(max(idx) + 1, 0), ${buf(l.leafHash)}, ${l.envelope ? buf(l.envelope) : null}, ${l.subject}, ${l.loggedAt}, ${l.visibleAt}
      FROM access_log RETURNING idx`
    return r!.idx
  })
}

export async function accessLeafHashes(sql: Sql, fromIndex: number, limit: number): Promise<Uint8Array[]> {
  const rows = await sql<{ leaf_hash: Buffer }[]>`
    SELECT leaf_hash FROM access_log WHERE idx >= ${fromIndex} ORDER BY idx LIMIT ${limit}`
  return rows.map((r) => bytes(r.leaf_hash))
}

export async function accessLeavesOf(sql: Sql, subject: UserId, now: number): Promise<AccessLeaf[]> {
  const rows = await sql<{ idx: number; leaf_hash: Buffer; envelope: Buffer; logged_at: number; visible_at: number; position: number | null }[]>`
    SELECT idx, leaf_hash, envelope, logged_at, visible_at, position FROM access_log
    WHERE subject = ${subject} AND (visible_at <= ${now} OR position IS NOT NULL) AND envelope IS NOT NULL ORDER BY idx`
  return rows.map((r) => ({
    index: r.idx,
    subject,
    leafHash: bytes(r.leaf_hash),
    envelope: bytes(r.envelope),
    loggedAt: r.logged_at,
    visibleAt: r.visible_at,
    position: r.position,
  }))
}

export async function tallyAccessReceipts(sql: Sql, subject: UserId, now: number): Promise<ReceiptTally> {
  return transaction(sql, async (tx) => {
    // One tally of a subject at a time across nodes; (subject, position) is also unique.
    await tx`SELECT pg_advisory_xact_lock(hashtext(${`candor:receipt-tally:${subject}`}))`
    await tx`
      WITH cur AS (SELECT coalesce(max(position), 0) AS p FROM access_log WHERE subject = ${subject}),
      fresh AS (
        SELECT idx, row_number() OVER (ORDER BY idx) AS n FROM access_log
        WHERE subject = ${subject} AND position IS NULL AND visible_at <= ${now}
      )
      UPDATE access_log a SET position = cur.p + fresh.n FROM cur, fresh WHERE a.idx = fresh.idx`
    const [last] = await tx<{ position: number; leaf_hash: Buffer }[]>`
      SELECT position, leaf_hash FROM access_log WHERE subject = ${subject} AND position IS NOT NULL ORDER BY position DESC LIMIT 1`
    return last ? { count: last.position, last: bytes(last.leaf_hash) } : { count: 0, last: null }
  })
}

export async function untalliedAccessSubjects(sql: Sql, now: number, limit: number): Promise<UserId[]> {
  const rows = await sql<{ subject: UserId }[]>`
    SELECT DISTINCT subject FROM access_log WHERE position IS NULL AND subject IS NOT NULL AND visible_at <= ${now} LIMIT ${limit}`
  return rows.map((r) => r.subject)
}
