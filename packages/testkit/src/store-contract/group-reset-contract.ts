// Conversation resets (docs/protocol.md §5.4): the new group and its link to the one it replaced
// are written together, and a group is reset at most once.
import { expect, it } from 'vitest'
import { ERASED_DEVICE_ID, newGroupId, randomBytes, type DeviceId } from '@candor/protocol'
import type { GroupReset } from '@candor/ports'
import { registeredDevices, type StoreRef } from './fixtures.ts'

export function groupResetContract(store: StoreRef): void {
  it('creates the new group with its resetter and links it to the previous one, once', async () => {
    const [a, b] = (await registeredDevices(store(), 2)) as [DeviceId, DeviceId]
    const previousGroup = newGroupId()
    await store().createGroup(previousGroup, a, Date.now())
    expect(await store().groupResets(previousGroup)).toEqual({ from: null, to: null })

    const r: GroupReset = { conversationId: previousGroup, previousGroup, groupId: newGroupId(), epoch: 3, resetBy: a, resetAt: Date.now() }
    const info = randomBytes(40)
    expect(await store().resetGroup(r, info)).toEqual({ reset: true })
    expect(await store().getGroup(r.groupId)).toEqual({ groupId: r.groupId, epoch: 0, members: [a] })
    expect(await store().groupInfo(r.groupId)).toEqual(info)
    expect(await store().groupResets(previousGroup)).toEqual({ from: null, to: r })
    expect(await store().groupResets(r.groupId)).toEqual({ from: r, to: null })

    // A second reset of the same group is refused with the first, and creates nothing.
    const second: GroupReset = { ...r, groupId: newGroupId(), resetBy: b }
    expect(await store().resetGroup(second, randomBytes(40))).toEqual({ reset: false, existing: r })
    expect(await store().getGroup(second.groupId)).toBeNull()
    expect(await store().groupInfo(second.groupId)).toBeNull()

    // The new group can be reset in turn, under the same conversation.
    const next: GroupReset = { conversationId: previousGroup, previousGroup: r.groupId, groupId: newGroupId(), epoch: 1, resetBy: b, resetAt: Date.now() }
    expect(await store().resetGroup(next)).toEqual({ reset: true })
    expect(await store().groupResets(r.groupId)).toEqual({ from: r, to: next })
  })

  it('keeps a reset of an erased user under the erased device id', async () => {
    const [a] = (await registeredDevices(store(), 1)) as [DeviceId]
    const previousGroup = newGroupId()
    await store().createGroup(previousGroup, a, Date.now())
    const r: GroupReset = { conversationId: previousGroup, previousGroup, groupId: newGroupId(), epoch: 0, resetBy: a, resetAt: Date.now() }
    expect(await store().resetGroup(r)).toEqual({ reset: true })
    await store().eraseUser((await store().getDevice(a))!.userId)
    expect((await store().groupResets(previousGroup)).to).toEqual({ ...r, resetBy: ERASED_DEVICE_ID })
  })

  it('refuses a new group id that is taken, changing nothing', async () => {
    const [a] = (await registeredDevices(store(), 1)) as [DeviceId]
    const previousGroup = newGroupId()
    const taken = newGroupId()
    await store().createGroup(previousGroup, a, Date.now())
    await store().createGroup(taken, a, Date.now())
    expect(await store().resetGroup({ conversationId: previousGroup, previousGroup, groupId: taken, epoch: 0, resetBy: a, resetAt: Date.now() })).toEqual({ reset: false, existing: null })
    expect(await store().groupResets(previousGroup)).toEqual({ from: null, to: null })
    expect(await store().groupResets(taken)).toEqual({ from: null, to: null })
  })
}
