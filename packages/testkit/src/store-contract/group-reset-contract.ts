// Conversation resets (docs/protocol.md §5.4): the new group and its link to the one it replaced
// are written together, and a group is reset at most once.
import { expect, it } from 'vitest'
import { ERASED_DEVICE_ID, newGroupId, newMessageId, randomBytes, type DeviceId, type GroupId } from '@candor/protocol'
import type { GroupReset, GroupStateSweep, Store } from '@candor/ports'
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

  it('the group-state sweep deletes what nobody can need: a superseded group’s GroupInfo and commit records, a memberless group’s and old epochs’ commit records; nothing else', async () => {
    const [a, b] = (await registeredDevices(store(), 2)) as [DeviceId, DeviceId]
    const now = Date.now()
    /** A group with `epochs` commits accepted, each with its GroupInfo: the last one's info. */
    async function group(epochs: number, members: DeviceId[] = [a]): Promise<{ id: GroupId; info: Uint8Array; commits: string[] }> {
      const id = newGroupId()
      let info = randomBytes(40)
      await store().createGroup(id, a, now, info)
      const commits: string[] = []
      for (let e = 0; e < epochs; e++) {
        info = randomBytes(40)
        const messageId = newMessageId()
        const added = e === 0 ? members.filter((d) => d !== a) : []
        const r = await store().acceptCommit({ groupId: id, epoch: e, sender: a, messageId, sentAt: now, commit: randomBytes(30), welcome: added.length > 0 ? randomBytes(30) : undefined, added, removed: [], groupInfo: info })
        expect(r.accepted).toBe(true)
        commits.push(messageId)
      }
      return { id, info, commits }
    }
    const live = await group(5)
    const superseded = await group(2, [a, b])
    const replaced: GroupReset = { conversationId: superseded.id, previousGroup: superseded.id, groupId: newGroupId(), epoch: 2, resetBy: a, resetAt: now - 60_000 }
    const newInfo = randomBytes(40)
    expect(await store().resetGroup(replaced, newInfo)).toEqual({ reset: true })
    const recent = await group(2)
    expect(await store().resetGroup({ conversationId: recent.id, previousGroup: recent.id, groupId: newGroupId(), epoch: 2, resetBy: a, resetAt: now }, randomBytes(40))).toEqual({ reset: true })
    const memberless = await group(2, [a, b])
    await store().removeMember(memberless.id, a)
    await store().removeMember(memberless.id, b)

    const o: GroupStateSweep = { supersededBefore: now - 30_000, keepEpochs: 2, limit: 2 }
    await sweepAll(store(), o)

    // The superseded group: no GroupInfo, no commit records; its row, roster and reset link stay.
    expect(await store().groupInfo(superseded.id)).toBeNull()
    for (let e = 0; e < 2; e++) expect(await store().acceptedCommit(superseded.id, e)).toBeNull()
    expect(await store().getGroup(superseded.id)).toMatchObject({ epoch: 2 })
    expect((await store().groupResets(superseded.id)).to).toEqual(replaced)
    expect(await store().groupInfo(replaced.groupId)).toEqual(newInfo)
    // Reset after the cut-off: kept whole.
    expect(await store().groupInfo(recent.id)).toEqual(recent.info)
    expect(await store().acceptedCommit(recent.id, 0)).toBe(recent.commits[0])
    // Nobody left: the commit records go, the GroupInfo stays (a recovered device may rejoin by it).
    expect(await store().acceptedCommit(memberless.id, 1)).toBeNull()
    expect(await store().groupInfo(memberless.id)).toEqual(memberless.info)
    // A live group keeps its GroupInfo and the records of its last two epochs.
    expect(await store().groupInfo(live.id)).toEqual(live.info)
    const kept = await Promise.all([0, 1, 2, 3, 4].map((e) => store().acceptedCommit(live.id, e)))
    expect(kept).toEqual([null, null, null, live.commits[3], live.commits[4]])
    // The live group goes on: the next commit is accepted and recorded.
    const next = newMessageId()
    expect((await store().acceptCommit({ groupId: live.id, epoch: 5, sender: a, messageId: next, sentAt: now, commit: randomBytes(30), welcome: undefined, added: [], removed: [], groupInfo: randomBytes(40) })).accepted).toBe(true)
    expect(await store().acceptedCommit(live.id, 5)).toBe(next)
    // Its epoch moved on: the next sweep takes epoch 3's record, then has nothing more to do.
    expect(await store().sweepGroupState(o)).toEqual({ groupInfos: 0, commits: 1 })
    expect(await store().acceptedCommit(live.id, 3)).toBeNull()
    expect(await store().acceptedCommit(live.id, 4)).toBe(live.commits[4])
    expect(await store().sweepGroupState(o)).toEqual({ groupInfos: 0, commits: 0 })
  })
}

/** Calls the sweep until it deletes nothing; each call deletes at most `limit` GroupInfos. */
async function sweepAll(s: Store, o: GroupStateSweep): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    const r = await s.sweepGroupState(o)
    expect(r.groupInfos).toBeLessThanOrEqual(o.limit)
    if (r.groupInfos + r.commits === 0) return
  }
  throw new Error('the sweep never finished')
}
