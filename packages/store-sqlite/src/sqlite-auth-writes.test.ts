// SQLite-only: the sign-in writes (an auth nonce, a device's last-seen day) join the queue's
// turn transaction and its off-loop WAL flush; what they record must still be on the file when
// they answer, so a replay after a restart is refused and the last-seen day is kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newDeviceId, randomBytes, toBase64Url, type UserId } from '@candor/protocol'
import { SqliteStore } from './sqlite-store.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'candor-sqlite-auth-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('SqliteStore sign-in writes on a file', () => {
  it('a consumed nonce stays consumed across a restart; concurrent uses let one through', async () => {
    const path = join(dir, 'db.sqlite')
    let store = SqliteStore.open(path)
    const nonce = toBase64Url(randomBytes(16))
    const results = await Promise.all(Array.from({ length: 5 }, () => store.consumeNonce(nonce, Date.now() + 60_000)))
    expect(results.filter(Boolean)).toHaveLength(1)
    await store.close()
    store = SqliteStore.open(path)
    expect(await store.consumeNonce(nonce, Date.now() + 60_000)).toBe(false)
    await store.close()
  })

  it('keeps the last-seen day recorded at sign-in across a restart, never moving it back', async () => {
    const path = join(dir, 'seen.sqlite')
    let store = SqliteStore.open(path)
    const userId = `u${toBase64Url(randomBytes(6))}@example.org` as UserId
    const deviceId = newDeviceId()
    await store.createUser(userId, { deviceId, userId, name: 'phone', publicKey: randomBytes(32), status: 'active', createdAt: Date.now() })
    await Promise.all([store.orgDevices().markSeen(deviceId, 20_000), store.consumeNonce(toBase64Url(randomBytes(16)), Date.now() + 60_000)])
    await store.close()
    store = SqliteStore.open(path)
    expect(await store.orgDevices().lastSeenDay(deviceId)).toBe(20_000)
    await store.orgDevices().markSeen(deviceId, 19_999)
    expect(await store.orgDevices().lastSeenDay(deviceId)).toBe(20_000)
    await store.close()
  })
})
