// A database from before enrolment requests had their own table: its pending devices become
// requests that expire 10 minutes after they were filed, and leave the devices table.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newDeviceId, randomBytes, type UserId } from '@candor/protocol'
import { MIGRATIONS } from './migrations.ts'
import { SqliteStore } from './sqlite-store.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'candor-enrolment-migration-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('the enrolment-requests migration', () => {
  it('moves pending devices into requests that expire 10 minutes after filing', async () => {
    const path = join(dir, 'candor.db')
    const before = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE enrolments'))
    expect(before).toBeGreaterThan(0)
    const db = new Database(path)
    for (const m of MIGRATIONS.slice(0, before)) db.exec(m)
    db.pragma(`user_version = ${before}`)
    const [active, pending] = [newDeviceId(), newDeviceId()]
    const add = db.prepare('INSERT INTO devices (device_id, user_id, name, public_key, status, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    db.prepare('INSERT INTO users (user_id, created_at) VALUES (?, ?)').run('alice', 1000)
    add.run(active, 'alice', 'laptop', randomBytes(32), 'active', 1000)
    add.run(pending, 'alice', 'IT support laptop', randomBytes(32), 'pending', 5000)
    db.close()

    const store = SqliteStore.open(path)
    try {
      expect((await store.listDevices('alice' as UserId)).map((d) => d.deviceId)).toEqual([active])
      expect(await store.getEnrolment(pending, 5000)).toMatchObject({ userId: 'alice', name: 'IT support laptop', createdAt: 5000, expiresAt: 605_000 })
      expect(await store.getEnrolment(pending, 605_000)).toBeNull()
    } finally {
      await store.close()
    }
  })
})
