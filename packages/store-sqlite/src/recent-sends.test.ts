// The sends remembered for dedup (recent-sends.ts): an append-only log looked up through an
// in-memory index. A send is a duplicate for at least RECENT_SENDS_MS (also across a restart,
// and from the database of before this log), forgotten after at most twice that, and a row gone
// from the log (an erased account's) is never answered from memory.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newGroupId, newMessageId, randomBytes, type DeviceId } from '@candor/protocol'
import type { NewMessage } from '@candor/ports'
import { MIGRATIONS } from './migrations.ts'
import { RECENT_SENDS_MS, RecentSends } from './recent-sends.ts'
import { SqliteStore } from './sqlite-store.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'candor-recent-'))
})
afterEach(() => {
  vi.useRealTimers()
  rmSync(dir, { recursive: true, force: true })
})

const S = 'SSSSSSSSSSSSSSSSSSSSSA' as DeviceId
const A = 'AAAAAAAAAAAAAAAAAAAAAA' as DeviceId

function migrated(): Database.Database {
  const db = new Database(':memory:')
  for (const m of MIGRATIONS) db.exec(m)
  return db
}

const rows = (db: Database.Database): number => db.prepare('SELECT COUNT(*) FROM recent_sends').pluck().get() as number

describe('RecentSends', () => {
  it('remembers a send for RECENT_SENDS_MS at least, forgets it after twice that, and deletes its row', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 })
    const db = migrated()
    const r = new RecentSends(db)
    expect(r.remember(S, 'm1', 0, 10)).toBeUndefined()
    expect(r.remember(S, 'm1', 0, 20)).toBe(10)
    expect(r.remember(S, 'm1', 1, 30)).toBeUndefined() // another kind is another send
    vi.setSystemTime(1_000_000 + RECENT_SENDS_MS)
    expect(r.remember(S, 'm2', 0, 40)).toBeUndefined() // a new generation begins
    expect(r.remember(S, 'm1', 0, 50)).toBe(10)
    vi.setSystemTime(1_000_000 + 2 * RECENT_SENDS_MS)
    expect(r.remember(S, 'm3', 0, 60)).toBeUndefined() // the first generation is forgotten
    expect(rows(db)).toBe(0) // written by write(), inside the caller's transaction
    r.write()
    expect(rows(db)).toBe(4)
    r.forget(1)
    expect(rows(db)).toBe(3) // a bounded range per call
    r.forget(100)
    expect(rows(db)).toBe(2)
    expect(r.remember(S, 'm1', 0, 70)).toBeUndefined()
    expect(r.remember(S, 'm2', 0, 80)).toBe(40)
  })

  it('answers from the log, not from memory: a row deleted (an erased sender) is a fresh send again', () => {
    const db = migrated()
    const r = new RecentSends(db)
    for (let i = 0; i < 5_000; i++) expect(r.remember(S, `m${i}`, 0, i)).toBeUndefined()
    expect(r.remember(A, 'm1', 0, 1)).toBeUndefined() // the same id from another sender
    r.write()
    db.prepare('DELETE FROM recent_sends WHERE sender = ?').run(S)
    expect(r.remember(S, 'm7', 0, 99)).toBeUndefined()
    expect(r.remember(A, 'm1', 0, 2)).toBe(1)
    expect(r.remember(S, 'm7', 0, 100)).toBe(99)
    for (let i = 0; i < 5_000; i += 499) expect(r.remember(S, `m${i}`, 0, 100)).toBeUndefined()
  })
})

describe('SqliteStore dedup on a file', () => {
  const msg = (recipients: DeviceId[]): NewMessage => ({ messageId: newMessageId(), groupId: newGroupId(), sender: S, kind: 0, sentAt: Date.now(), payload: randomBytes(50), recipients })

  it('a retry after a restart is still a duplicate, after every copy was acknowledged', async () => {
    const path = join(dir, 'db.sqlite')
    let store = SqliteStore.open(path)
    const one = msg([A])
    const group = msg([A, 'BBBBBBBBBBBBBBBBBBBBBA' as DeviceId])
    const stored = await store.appendMessages([one, group])
    for (const r of stored) for (const d of r.deliveries) await store.ack(d.deviceId, [d.seq])
    await store.close()
    store = SqliteStore.open(path)
    try {
      const again = await store.appendMessages([{ ...one, sentAt: one.sentAt + 5 }, { ...group, sentAt: group.sentAt + 5 }, msg([A])])
      expect(again.map((r) => [r.duplicate, r.sentAt])).toEqual([
        [true, one.sentAt],
        [true, group.sentAt],
        [false, again[2]!.sentAt],
      ])
      expect(await store.pendingCount(A)).toBe(1)
    } finally {
      await store.close()
    }
  })

  it('keeps the sends remembered by a database from before the log', async () => {
    const path = join(dir, 'old.sqlite')
    const before = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE recent_sends_log'))
    expect(before).toBeGreaterThan(0)
    const db = new Database(path)
    db.pragma('journal_mode = WAL')
    for (const m of MIGRATIONS.slice(0, before)) db.exec(m)
    db.pragma(`user_version = ${before}`)
    const m = msg([A])
    db.prepare('INSERT INTO recent_sends (sender, message_id, kind, sent_at) VALUES (?, ?, 0, ?)').run(S, m.messageId, m.sentAt)
    db.close()
    const store = SqliteStore.open(path)
    try {
      const [retry] = await store.appendMessages([{ ...m, sentAt: m.sentAt + 5 }])
      expect(retry).toEqual({ duplicate: true, sentAt: m.sentAt, deliveries: [] })
      expect(await store.pendingCount(A)).toBe(0)
    } finally {
      await store.close()
    }
  })
})
