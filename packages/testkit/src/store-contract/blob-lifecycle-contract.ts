// Attachment lifecycle (docs/protocol.md §2.4 "Lifecycle"): recipients and expiry fixed once at
// completion, only a recipient's fetch counts, a blob fetched by every recipient still in the
// group is listed for deletion, expired blobs are listed, and erasure drops a device's entries.
import { expect, it } from 'vitest'
import { newBlobId, newGroupId, newMessageId, randomBytes, type DeviceId, type GroupId } from '@candor/protocol'
import type { BlobBinding, BlobId } from '@candor/ports'
import { registeredDevices, type StoreRef } from './fixtures.ts'

async function groupOf(store: StoreRef, members: DeviceId[]): Promise<GroupId> {
  const g = newGroupId()
  await store().createGroup(g, members[0]!, Date.now())
  if (members.length > 1) {
    const r = await store().acceptCommit({
      groupId: g,
      epoch: 0,
      sender: members[0]!,
      messageId: newMessageId(),
      sentAt: Date.now(),
      commit: randomBytes(80),
      welcome: randomBytes(120),
      added: members.slice(1),
      removed: [],
      groupInfo: randomBytes(60),
    })
    expect(r.accepted).toBe(true)
  }
  return g
}

async function bound(store: StoreRef, g: GroupId, uploader: DeviceId, boundAt = Date.now()): Promise<BlobBinding> {
  const user = (await store().getDevice(uploader))!.userId
  const b: BlobBinding = { blobId: newBlobId() as BlobId, groupId: g, uploader: user, size: 100, boundAt }
  expect(await store().bindBlob(b)).toBe(true)
  return b
}

export function blobLifecycleContract(store: StoreRef): void {
  it('seals recipients and expiry once; only a recipient\'s fetch counts; fetched by all once every recipient fetched', async () => {
    const [a, b, c, d] = (await registeredDevices(store(), 4)) as [DeviceId, DeviceId, DeviceId, DeviceId]
    const g = await groupOf(store, [a, b, c])
    const x = await bound(store, g, a)
    expect(await store().blobDelivery(x.blobId)).toBeNull()
    expect(await store().markBlobFetched(x.blobId, b, 5)).toBe(false)
    expect(await store().sealBlob(x.blobId, [b, c, b], 1_000)).toBe(true)
    // Sealed once: a second seal (a retried complete) changes nothing.
    expect(await store().sealBlob(x.blobId, [d], 9_999)).toBe(false)
    expect(await store().sealBlob(newBlobId() as BlobId, [b], 1)).toBe(false)
    const sortedRecipients = [b, c].sort()
    expect(await store().blobDelivery(x.blobId)).toEqual({
      expiresAt: 1_000,
      count: 2,
      recipients: sortedRecipients.map((deviceId) => ({ deviceId, fetchedAt: null })),
    })
    // The uploader and a device that is no recipient do not count.
    expect(await store().markBlobFetched(x.blobId, a, 5)).toBe(false)
    expect(await store().markBlobFetched(x.blobId, d, 5)).toBe(false)
    expect(await store().markBlobFetched(x.blobId, b, 5)).toBe(true)
    expect(await store().markBlobFetched(x.blobId, b, 6)).toBe(true)
    expect((await store().blobDelivery(x.blobId))!.recipients.find((r) => r.deviceId === b)!.fetchedAt).toBe(5)
    expect(await store().blobsFetchedByAll(10, x.blobId)).toEqual([])
    expect(await store().blobsFetchedByAll(100_000)).not.toContain(x.blobId)
    expect(await store().markBlobFetched(x.blobId, c, 7)).toBe(true)
    expect(await store().blobsFetchedByAll(10, x.blobId)).toEqual([x.blobId])
    expect(await store().blobsFetchedByAll(100_000)).toContain(x.blobId)
    // Unbinding takes the recipients with it.
    expect(await store().unbindBlob(x.blobId)).toBe(true)
    expect(await store().blobDelivery(x.blobId)).toBeNull()
    expect(await store().markBlobFetched(x.blobId, c, 8)).toBe(false)
  })

  it('a recipient that left the group is no longer waited for; a blob without recipients waits for its expiry', async () => {
    const [a, b, c] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    const g = await groupOf(store, [a, b, c])
    const x = await bound(store, g, a)
    await store().sealBlob(x.blobId, [b, c], 1_000)
    await store().markBlobFetched(x.blobId, b, 5)
    expect(await store().blobsFetchedByAll(10, x.blobId)).toEqual([])
    await store().removeMember(g, c)
    expect(await store().blobsFetchedByAll(10, x.blobId)).toEqual([x.blobId])
    const alone = await bound(store, await groupOf(store, [a]), a)
    await store().sealBlob(alone.blobId, [], 2_000)
    expect(await store().blobsFetchedByAll(100_000)).not.toContain(alone.blobId)
  })

  it('lists sealed blobs whose expiry has come, soonest first; unsealed uploads are not listed', async () => {
    const [a, b] = (await registeredDevices(store(), 2)) as [DeviceId, DeviceId]
    const g = await groupOf(store, [a, b])
    const base = 1_000_000 + Math.floor(Math.random() * 1_000_000)
    const late = await bound(store, g, a)
    const soon = await bound(store, g, a)
    const open = await bound(store, g, a, 1)
    await store().sealBlob(late.blobId, [b], base + 20)
    await store().sealBlob(soon.blobId, [b], base + 10)
    const due = (at: number) => store().blobsExpired(at, 100_000).then((ids) => ids.filter((i) => [late.blobId, soon.blobId, open.blobId].includes(i)))
    expect(await due(base + 9)).toEqual([])
    expect(await due(base + 10)).toEqual([soon.blobId])
    expect(await due(base + 1_000)).toEqual([soon.blobId, late.blobId])
  })

  it('erasing a recipient\'s account drops its entries: the blob waits for the others only', async () => {
    const [a, b, c] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    const g = await groupOf(store, [a, b, c])
    const x = await bound(store, g, a)
    await store().sealBlob(x.blobId, [b, c], 1_000)
    await store().markBlobFetched(x.blobId, b, 5)
    await store().eraseUser((await store().getDevice(c))!.userId)
    const left = await store().blobDelivery(x.blobId)
    expect(left!.recipients.map((r) => r.deviceId)).toEqual([b])
    expect(await store().blobsFetchedByAll(10, x.blobId)).toEqual([x.blobId])
  })
}
