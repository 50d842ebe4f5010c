// The queue writes a transaction's remembered sends together at its end, and an ack's seqs a chunk
// per statement: rows stored earlier in a transaction are there for whatever reads or deletes them
// later in it; a transaction that rolls back leaves nothing behind, not even for the next one to
// write; acks count what they deleted, whatever their size, and a read sees the acks asked before it.
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newGroupId, newMessageId, randomBytes, type DeviceId } from '@candor/protocol'
import type { NewMessage } from '@candor/ports'
import { MIGRATIONS } from './migrations.ts'
import { SqliteQueue } from './queue-storage.ts'
import { SqliteStore } from './sqlite-store.ts'

const S = 'SSSSSSSSSSSSSSSSSSSSSA' as DeviceId
const A = 'AAAAAAAAAAAAAAAAAAAAAA' as DeviceId
const B = 'BBBBBBBBBBBBBBBBBBBBBA' as DeviceId

function queue(): { db: Database.Database; q: SqliteQueue } {
  const db = new Database(':memory:')
  for (const m of MIGRATIONS) db.exec(m)
  return { db, q: new SqliteQueue(db, 'FULL', undefined) }
}

const msg = (to: DeviceId, over: Partial<NewMessage> = {}): NewMessage => ({
  messageId: newMessageId(),
  groupId: newGroupId(),
  sender: S,
  kind: 0,
  sentAt: 1_000,
  payload: randomBytes(40),
  recipients: [to],
  ...over,
})

const count = (db: Database.Database, table: string): number => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number

describe('SqliteQueue batched writes', () => {
  it('writes every inline row and remembered send of a transaction, in chunks of any size', () => {
    const { db, q } = queue()
    for (const n of [1, 3, 4, 16, 21, 37]) {
      const before = count(db, 'queue')
      const seqs = q.transaction(() => Array.from({ length: n }, () => q.store(msg(A)).deliveries[0]!.seq))
      expect(count(db, 'queue')).toBe(before + n)
      expect(q.fetch(A, seqs[0]! - 1, 1000).map((r) => r.seq)).toEqual(seqs)
    }
    expect(count(db, 'recent_sends')).toBe(1 + 3 + 4 + 16 + 21 + 37)
  })

  it('makes rows stored earlier in a transaction visible to what reads or deletes queue rows later in it', () => {
    const { q } = queue()
    const m = msg(A)
    const result = q.transaction(() => {
      const seq = q.store(m).deliveries[0]!.seq
      const seen = q.fetch(A, 0, 10).map((r) => r.messageId)
      const pending = q.pending(A)
      q.dropAllOf(A)
      return { seq, seen, pending, after: q.pending(A) }
    })
    expect(result).toEqual({ seq: result.seq, seen: [m.messageId], pending: 1, after: 0 })
  })

  it('leaves nothing of a transaction that rolled back: no rows, and its sends are not duplicates', () => {
    const { db, q } = queue()
    const lost = msg(A)
    expect(() =>
      q.transaction(() => {
        q.store(lost)
        q.store(msg(B))
        throw new Error('rolled back')
      }),
    ).toThrow('rolled back')
    // The next transaction writes its own rows only.
    const kept = msg(B)
    q.transaction(() => q.store(kept))
    expect(count(db, 'queue')).toBe(1)
    expect(count(db, 'recent_sends')).toBe(1)
    expect(q.fetch(B, 0, 10).map((r) => r.messageId)).toEqual([kept.messageId])
    // The rolled-back send was never stored: sent again, it is a fresh send.
    const again = q.transaction(() => q.store({ ...lost, sentAt: 2_000 }))
    expect(again.duplicate).toBe(false)
    expect(q.transaction(() => q.store({ ...lost, sentAt: 3_000 }))).toEqual({ duplicate: true, sentAt: 2_000, deliveries: [] })
  })

  it('catches a retry of a send remembered earlier in the same transaction, and one written before', () => {
    const { q } = queue()
    const m = msg(A)
    const [first, retry] = q.transaction(() => [q.store(m), q.store({ ...m, sentAt: 1_500 })])
    expect(first!.duplicate).toBe(false)
    expect(retry).toEqual({ duplicate: true, sentAt: 1_000, deliveries: [] })
    expect(q.transaction(() => q.store({ ...m, sentAt: 1_700 }))).toEqual({ duplicate: true, sentAt: 1_000, deliveries: [] })
  })

  it('lets a read right after an ack see it, though the ack waits for a commit', async () => {
    const { q } = queue()
    const [seq, kept] = q.transaction(() => [q.store(msg(A)).deliveries[0]!.seq, q.store(msg(A)).deliveries[0]!.seq])
    const acked = q.ack(A, [seq!])
    expect(q.pending(A)).toBe(1)
    expect(q.fetch(A, 0, 10).map((r) => r.seq)).toEqual([kept])
    expect(await acked).toBe(1)
  })

  it('acks any number of seqs, counting only the rows of this device that were there', async () => {
    const { db, q } = queue()
    const seqs = q.transaction(() => Array.from({ length: 40 }, () => q.store(msg(A)).deliveries[0]!.seq))
    const other = q.transaction(() => q.store(msg(B)).deliveries[0]!.seq)
    // 35 of A's seqs (one twice), B's seq (not A's), and one that never existed.
    const acked = [...seqs.slice(0, 35), seqs[3]!, other, 999_999]
    expect(await q.ack(A, acked)).toBe(35)
    expect(q.fetch(A, 0, 100).map((r) => r.seq)).toEqual(seqs.slice(35))
    expect(await q.ack(A, [seqs[36]!])).toBe(1)
    expect(await q.ack(A, seqs)).toBe(4)
    expect(count(db, 'queue')).toBe(1)
    expect(q.fetch(B, 0, 10).map((r) => r.seq)).toEqual([other])
  })

  it('commits the acks still waiting for their turn when the store closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'candor-queue-close-'))
    try {
      const path = join(dir, 'q.sqlite')
      let store = SqliteStore.open(path)
      const [r] = await store.appendMessages([msg(A)])
      const acked = store.ack(A, [r!.deliveries[0]!.seq])
      await store.close()
      expect(await acked).toBe(1)
      store = SqliteStore.open(path)
      expect(await store.pendingCount(A)).toBe(0)
      await store.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
