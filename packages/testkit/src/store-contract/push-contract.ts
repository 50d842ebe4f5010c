// Web Push subscriptions (docs/protocol.md, "Web Push"): one per device, replaced by a new
// one, gone with the device's revocation or the account's erasure, on every adapter.
import { expect, it } from 'vitest'
import { randomBytes, toBase64Url, type DeviceId, type UserId } from '@candor/protocol'
import type { PushSubscriptionRecord } from '@candor/ports'
import { deviceRecord, newUserId, type StoreRef } from './fixtures.ts'

function subscription(deviceId: DeviceId, userId: UserId, n = 1): PushSubscriptionRecord {
  return {
    deviceId,
    userId,
    endpoint: `https://push.example/${n}/${toBase64Url(randomBytes(8))}`,
    p256dh: toBase64Url(randomBytes(65)),
    auth: toBase64Url(randomBytes(16)),
    createdAt: 1_700_000_000_000 + n,
  }
}

export function pushContract(ref: StoreRef): void {
  it('keeps one subscription per device, replaced by the next, deleted on request', async () => {
    const store = ref()
    const userId = newUserId()
    const a = deviceRecord(userId)
    const b = deviceRecord(userId)
    await store.createUser(userId, a)
    await store.addDevice(b)
    const push = store.pushSubscriptions()
    expect(await push.get(a.deviceId)).toBeNull()
    const first = subscription(a.deviceId, userId, 1)
    await push.put(first)
    expect(await push.get(a.deviceId)).toEqual(first)
    const second = subscription(a.deviceId, userId, 2)
    await push.put(second)
    expect(await push.get(a.deviceId)).toEqual(second)
    await push.put(subscription(b.deviceId, userId, 3))
    expect(await push.delete(a.deviceId)).toBe(true)
    expect(await push.delete(a.deviceId)).toBe(false)
    expect(await push.get(a.deviceId)).toBeNull()
    expect((await push.get(b.deviceId))?.endpoint).toMatch(/\/3\//)
  })

  it('drops a revoked device’s subscription and an erased account’s', async () => {
    const store = ref()
    const userId = newUserId()
    const a = deviceRecord(userId)
    const b = deviceRecord(userId)
    await store.createUser(userId, a)
    await store.addDevice(b)
    const push = store.pushSubscriptions()
    await push.put(subscription(a.deviceId, userId))
    await push.put(subscription(b.deviceId, userId))
    await store.revokeDevice(b.deviceId, userId)
    expect(await push.get(b.deviceId)).toBeNull()
    expect(await push.get(a.deviceId)).not.toBeNull()
    await store.eraseUser(userId)
    expect(await push.get(a.deviceId)).toBeNull()
  })
}
