// Recovery keys and sealed history archives (docs/protocol.md §4.2), on every adapter.
import { expect, it } from 'vitest'
import { newDeviceId, randomBytes, toBase64Url, type UserId } from '@candor/protocol'
import type { RecoveryKeyRecord, Store } from '@candor/ports'
import { deviceRecord, newUserId, type StoreRef } from './fixtures.ts'

async function person(store: Store): Promise<{ userId: UserId; device: ReturnType<typeof deviceRecord> }> {
  const userId = newUserId()
  const device = deviceRecord(userId)
  await store.createUser(userId, device)
  return { userId, device }
}

function keyRecord(userId: UserId, previous: Uint8Array | null, setAt: number): RecoveryKeyRecord {
  return { userId, publicKey: randomBytes(32), previous, setBy: newDeviceId(), setByKey: randomBytes(32), signature: randomBytes(64), setAt }
}

export function accountRecoveryContract(store: StoreRef): void {
  it('sets a recovery key only over the current one, keeps the old ones and records a directory update', async () => {
    const { userId } = await person(store())
    const r = store().accountRecovery()
    const first = keyRecord(userId, null, 1)
    const before = (await store().directoryBacklog(100_000)).filter((b) => b.userId === userId).length
    expect(await r.setRecoveryKey(first)).toBe(true)
    expect((await store().directoryBacklog(100_000)).filter((b) => b.userId === userId).length).toBe(before + 1)
    // Replayed (no previous) or naming a key that is not the current one: refused, nothing kept.
    expect(await r.setRecoveryKey(keyRecord(userId, null, 2))).toBe(false)
    expect(await r.setRecoveryKey(keyRecord(userId, randomBytes(32), 3))).toBe(false)
    const second = keyRecord(userId, first.publicKey, 4)
    expect(await r.setRecoveryKey(second)).toBe(true)
    expect(await r.recoveryKeys(userId)).toEqual([first, second])
    expect(await r.recoveryKeys(newUserId())).toEqual([])
  })

  it('keeps one archive per person and recipient, and erasure takes keys and archives', async () => {
    const { userId, device } = await person(store())
    const r = store().accountRecovery()
    const id = () => toBase64Url(randomBytes(16))
    const to = newDeviceId()
    const a1 = { archiveId: id(), userId, recipient: to, sender: device.deviceId, size: 10, createdAt: 1 }
    const b1 = { archiveId: id(), userId, recipient: 'recovery' as const, sender: device.deviceId, size: 20, createdAt: 2 }
    expect(await r.putArchive(a1)).toEqual([])
    expect(await r.putArchive(b1)).toEqual([])
    const a2 = { ...a1, archiveId: id(), size: 11, createdAt: 3 }
    expect(await r.putArchive(a2)).toEqual([a1.archiveId])
    expect(await r.getArchive(a1.archiveId)).toBeNull()
    expect(await r.getArchive(a2.archiveId)).toEqual(a2)
    expect(await r.archivesOf(userId)).toEqual([b1, a2])
    expect(await r.deleteArchive(b1.archiveId)).toBe(true)
    expect(await r.deleteArchive(b1.archiveId)).toBe(false)
    await r.setRecoveryKey(keyRecord(userId, null, 5))
    await store().eraseUser(userId)
    expect(await r.archivesOf(userId)).toEqual([])
    expect(await r.recoveryKeys(userId)).toEqual([])
  })
}
