// Attachment blobs' bindings (docs/protocol.md §2.4): one group per blob, the uploader's quota
// use, the blobs a sweep may delete, and erasure leaving no link to the uploader.
import { expect, it } from 'vitest'
import { newBlobId, newGroupId, type DeviceId, type UserId } from '@candor/protocol'
import type { BlobBinding, BlobId } from '@candor/ports'
import { registeredDevices, type StoreRef } from './fixtures.ts'

function binding(groupId: BlobBinding['groupId'], uploader: UserId, size: number, boundAt = Date.now()): BlobBinding {
  return { blobId: newBlobId() as BlobId, groupId, uploader, size, boundAt }
}

export function blobBindingContract(store: StoreRef): void {
  it('binds a blob to one group once, counts its uploader\'s bytes, unbinds it', async () => {
    const [a] = (await registeredDevices(store(), 1)) as [DeviceId]
    const user = (await store().getDevice(a))!.userId
    const g = newGroupId()
    await store().createGroup(g, a, Date.now())
    const b1 = binding(g, user, 1000, 1)
    const b2 = binding(g, user, 234, 2)
    expect(await store().blobBytesOf(user)).toBe(0)
    expect(await store().bindBlob(b1)).toBe(true)
    expect(await store().bindBlob(b2)).toBe(true)
    // A second binding of the same blob (to another group) changes nothing.
    expect(await store().bindBlob({ ...b1, groupId: newGroupId(), size: 5 })).toBe(false)
    expect(await store().blobGroup(b1.blobId)).toEqual(b1)
    expect(await store().blobBytesOf(user)).toBe(1234)
    expect(await store().blobsOf(user, 10)).toEqual([b1, b2])
    expect(await store().blobsOf(user, 1)).toEqual([b1])
    expect(await store().unbindBlob(b1.blobId)).toBe(true)
    expect(await store().unbindBlob(b1.blobId)).toBe(false)
    expect(await store().blobGroup(b1.blobId)).toBeNull()
    expect(await store().blobBytesOf(user)).toBe(234)
  })

  it('lists blobs of groups without members, and only those', async () => {
    const [a, b] = (await registeredDevices(store(), 2)) as [DeviceId, DeviceId]
    const user = (await store().getDevice(a))!.userId
    const kept = newGroupId()
    const emptied = newGroupId()
    await store().createGroup(kept, a, Date.now())
    await store().createGroup(emptied, b, Date.now())
    const inKept = binding(kept, user, 10)
    const inEmptied = binding(emptied, user, 10)
    const inNoGroup = binding(newGroupId(), user, 10)
    for (const x of [inKept, inEmptied, inNoGroup]) await store().bindBlob(x)
    let orphans = await store().blobsWithoutMembers(10_000)
    expect(orphans).toContain(inNoGroup.blobId)
    expect(orphans).not.toContain(inEmptied.blobId)
    await store().removeMember(emptied, b)
    orphans = await store().blobsWithoutMembers(10_000)
    expect(orphans).toContain(inEmptied.blobId)
    expect(orphans).not.toContain(inKept.blobId)
  })

  it('erasing the uploader keeps the binding (recipients still read it) without the uploader', async () => {
    const [a, b] = (await registeredDevices(store(), 2)) as [DeviceId, DeviceId]
    const user = (await store().getDevice(a))!.userId
    const g = newGroupId()
    await store().createGroup(g, b, Date.now())
    const x = binding(g, user, 77)
    await store().bindBlob(x)
    await store().eraseUser(user)
    expect(await store().blobGroup(x.blobId)).toEqual({ ...x, uploader: null })
    expect(await store().blobBytesOf(user)).toBe(0)
    expect(await store().blobsOf(user, 10)).toEqual([])
  })
}
