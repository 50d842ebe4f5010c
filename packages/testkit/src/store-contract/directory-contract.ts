// Meta values, legacy server secrets, users, devices and their status, nonces.
import { expect, it } from 'vitest'
import { randomBytes, toBase64Url } from '@candor/protocol'
import { deviceRecord, expectCandorError, message, newUserId, registeredDevice, type StoreRef } from './fixtures.ts'

export function directoryContract(store: StoreRef): void {
  it('getOrCreateMeta creates a value once and returns it afterwards', async () => {
    const key = `k-${toBase64Url(randomBytes(9))}`
    let calls = 0
    const first = await store().getOrCreateMeta(key, () => `v${++calls}`)
    const second = await store().getOrCreateMeta(key, () => `v${++calls}`)
    expect(first).toBe('v1')
    expect(second).toBe('v1')
    expect(calls).toBe(1)
  })

  it('a store that never held server secrets reports none, and erasing them is a harmless no-op', async () => {
    // Planting old-style rows needs the adapter's own tables, so each adapter's tests do that.
    expect(await store().legacySecrets()).toEqual({})
    await store().eraseLegacySecrets()
    await store().eraseLegacySecrets()
    expect(await store().legacySecrets()).toEqual({})
    const userId = newUserId()
    await store().createUser(userId, deviceRecord(userId, 'active', 1_700_000_000_000))
    expect(await store().userExists(userId)).toBe(true)
  })

  it('creates a user with its first device, round-tripping every field', async () => {
    const userId = newUserId()
    const d = deviceRecord(userId, 'active', 1_700_000_000_123)
    expect(await store().userExists(userId)).toBe(false)
    await store().createUser(userId, d)
    expect(await store().userExists(userId)).toBe(true)
    const got = await store().getDevice(d.deviceId)
    expect(got).toEqual({ ...d, publicKey: expect.any(Uint8Array) })
    expect(Array.from(got!.publicKey)).toEqual(Array.from(d.publicKey))
    expect(await store().listDevices(userId)).toHaveLength(1)
  })

  it("refuses a duplicate user with CandorError('user_exists') and changes nothing", async () => {
    const userId = newUserId()
    await store().createUser(userId, deviceRecord(userId))
    const second = deviceRecord(userId)
    await expectCandorError(store().createUser(userId, second), 'user_exists')
    expect(await store().getDevice(second.deviceId)).toBeNull()
    expect(await store().listDevices(userId)).toHaveLength(1)
  })

  it('adds, lists and revokes further devices', async () => {
    const userId = newUserId()
    const first = deviceRecord(userId, 'active', 1000)
    const second = deviceRecord(userId, 'pending', 2000)
    await store().createUser(userId, first)
    await store().addDevice(second)
    expect((await store().getDevice(second.deviceId))?.status).toBe('pending')
    const listed = await store().listDevices(userId)
    expect(listed.map((d) => d.deviceId).sort()).toEqual([first.deviceId, second.deviceId].sort())
    expect((await store().revokeDevice(second.deviceId, userId))?.device.status).toBe('pending')
    expect((await store().getDevice(second.deviceId))?.status).toBe('revoked')
    expect((await store().getDevice(first.deviceId))?.status).toBe('active')
  })

  it("refuses a duplicate device with CandorError('conflict')", async () => {
    const userId = newUserId()
    const d = deviceRecord(userId)
    await store().createUser(userId, d)
    await expectCandorError(store().addDevice({ ...d, name: 'again' }), 'conflict')
    expect((await store().getDevice(d.deviceId))?.name).toBe(d.name)
  })

  it('answers unknown users and devices with empty results', async () => {
    expect(await store().userExists(newUserId())).toBe(false)
    expect(await store().getDevice(deviceRecord(newUserId()).deviceId)).toBeNull()
    expect(await store().listDevices(newUserId())).toEqual([])
  })

  it('revoking a device deletes its queue and key packages, not other devices\' queues', async () => {
    const sender = await registeredDevice(store())
    const victim = await registeredDevice(store())
    const other = await registeredDevice(store())
    await store().addKeyPackages(victim, [randomBytes(30), randomBytes(30)], randomBytes(30))
    await store().appendMessages([message(sender, [victim, other]), message(sender, [victim])])
    expect(await store().pendingCount(victim)).toBe(2)
    await store().revokeDevice(victim, (await store().getDevice(victim))!.userId)
    expect((await store().getDevice(victim))?.status).toBe('revoked')
    expect(await store().pendingCount(victim)).toBe(0)
    expect(await store().fetchQueue(victim, 0, 100)).toEqual([])
    expect(await store().countKeyPackages(victim)).toEqual({ oneTime: 0, lastResort: false })
    expect(await store().claimKeyPackage(victim)).toBeNull()
    expect(await store().fetchQueue(other, 0, 100)).toHaveLength(1)
  })

  it('consumes a nonce once: a replay returns false', async () => {
    const nonce = toBase64Url(randomBytes(16))
    const expiresAt = Date.now() + 60_000
    expect(await store().consumeNonce(nonce, expiresAt)).toBe(true)
    expect(await store().consumeNonce(nonce, expiresAt)).toBe(false)
    expect(await store().consumeNonce(toBase64Url(randomBytes(16)), expiresAt)).toBe(true)
  })

  it('a nonce past its expiry counts as unused; one still valid stays used, also amid message writes', async () => {
    const stale = toBase64Url(randomBytes(16))
    expect(await store().consumeNonce(stale, Date.now() - 1)).toBe(true)
    expect(await store().consumeNonce(stale, Date.now() + 60_000)).toBe(true)
    expect(await store().consumeNonce(stale, Date.now() + 60_000)).toBe(false)
    const fresh = toBase64Url(randomBytes(16))
    const userId = newUserId()
    const d = deviceRecord(userId, 'active', Date.now())
    await store().createUser(userId, d)
    const [first, , second] = await Promise.all([
      store().consumeNonce(fresh, Date.now() + 60_000),
      store().appendMessages([message(d.deviceId, [d.deviceId])]),
      store().consumeNonce(fresh, Date.now() + 60_000),
    ])
    expect([first, second]).toEqual([true, false])
  })

  it('lets exactly one of several concurrent uses of a nonce through', async () => {
    const nonce = toBase64Url(randomBytes(16))
    const results = await Promise.all(Array.from({ length: 8 }, () => store().consumeNonce(nonce, Date.now() + 60_000)))
    expect(results.filter(Boolean)).toHaveLength(1)
  })
}
