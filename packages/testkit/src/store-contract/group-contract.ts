// Groups, rosters and the one-commit-per-epoch rule of the MLS Delivery Service.
import { expect, it } from 'vitest'
import { MessageKind, newGroupId, newMessageId, randomBytes, toBase64Url, type DeviceId, type GroupId } from '@candor/protocol'
import type { CommitInput } from '@candor/ports'
import { devicesOf, expectCandorError, registeredDevices, sorted, type StoreRef } from './fixtures.ts'

function commit(groupId: GroupId, epoch: number, sender: DeviceId, change: { added?: DeviceId[]; removed?: DeviceId[]; welcome?: boolean } = {}): CommitInput {
  const added = change.added ?? []
  return {
    groupId,
    epoch,
    sender,
    messageId: newMessageId(),
    sentAt: Date.now(),
    commit: randomBytes(80),
    welcome: change.welcome === false || added.length === 0 ? undefined : randomBytes(120),
    added,
    removed: change.removed ?? [],
    groupInfo: randomBytes(60),
  }
}

export function groupContract(store: StoreRef): void {
  it('creates a group at epoch 0 with its creator, and refuses a duplicate id', async () => {
    const [creator, other] = (await registeredDevices(store(), 2)) as [DeviceId, DeviceId]
    const groupId = newGroupId()
    expect(await store().getGroup(groupId)).toBeNull()
    const info = randomBytes(50)
    expect(await store().groupInfo(groupId)).toBeNull()
    expect(await store().createGroup(groupId, creator, Date.now(), info)).toBe(true)
    expect(await store().createGroup(groupId, other, Date.now(), randomBytes(50))).toBe(false)
    expect(await store().groupInfo(groupId)).toEqual(info)
    expect(await store().getGroup(groupId)).toEqual({ groupId, epoch: 0, members: [creator] })
    expect((await store().listGroups(creator)).map((g) => g.groupId)).toEqual([groupId])
    expect(await store().listGroups(other)).toEqual([])
  })

  it('removes a member without an epoch change', async () => {
    const [a, b, c] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    const groupId = newGroupId()
    await store().createGroup(groupId, a, Date.now())
    expect((await store().acceptCommit(commit(groupId, 0, a, { added: [b, c] }))).accepted).toBe(true)
    await store().removeMember(groupId, b)
    await store().removeMember(groupId, b)
    expect(await store().getGroup(groupId)).toEqual({ groupId, epoch: 1, members: sorted([a, c]) })
    expect(await store().listGroups(b)).toEqual([])
    expect(await store().listGroups(c)).toEqual([{ groupId, epoch: 1, members: sorted([a, c]) }])
  })

  it('accepts a commit at the current epoch: roster change, welcome to the added devices only', async () => {
    const [a, b, c] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    const groupId = newGroupId()
    await store().createGroup(groupId, a, Date.now())
    const input = commit(groupId, 0, a, { added: [b, c] })
    const r = await store().acceptCommit(input)
    expect(r).toMatchObject({ accepted: true, epoch: 1, sentAt: input.sentAt })
    if (!r.accepted) return
    expect(devicesOf(r.deliveries)).toEqual(sorted([b, c]))
    expect(await store().getGroup(groupId)).toEqual({ groupId, epoch: 1, members: sorted([a, b, c]) })
    expect(await store().pendingCount(a)).toBe(0)
    for (const d of [b, c]) {
      const rows = await store().fetchQueue(d, 0, 10)
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ kind: MessageKind.welcome, messageId: input.messageId, sender: a, groupId, seq: r.deliveries.find((x) => x.deviceId === d)!.seq })
      expect(toBase64Url(rows[0]!.payload)).toBe(toBase64Url(input.welcome!))
    }
  })

  it('queues a commit to the other old members, removed ones included, never to the sender', async () => {
    const [a, b, c, d] = (await registeredDevices(store(), 4)) as [DeviceId, DeviceId, DeviceId, DeviceId]
    const groupId = newGroupId()
    await store().createGroup(groupId, a, Date.now())
    await store().acceptCommit(commit(groupId, 0, a, { added: [b, c] }))
    const before = await Promise.all([a, b, c].map((x) => store().pendingCount(x)))
    const input = commit(groupId, 1, b, { added: [d], removed: [c] })
    const r = await store().acceptCommit(input)
    expect(r).toMatchObject({ accepted: true, epoch: 2 })
    if (!r.accepted) return
    expect(devicesOf(r.deliveries)).toEqual(sorted([a, c, d]))
    expect(await store().getGroup(groupId)).toEqual({ groupId, epoch: 2, members: sorted([a, b, d]) })
    expect(await store().listGroups(c)).toEqual([])
    expect(await store().pendingCount(b)).toBe(before[1])
    for (const x of [a, c]) {
      const last = (await store().fetchQueue(x, 0, 10)).at(-1)
      expect(last).toMatchObject({ kind: MessageKind.commit, messageId: input.messageId, sender: b })
      expect(toBase64Url(last!.payload)).toBe(toBase64Url(input.commit))
    }
    const welcome = await store().fetchQueue(d, 0, 10)
    expect(welcome.map((m) => m.kind)).toEqual([MessageKind.welcome])
  })

  it('adds members without queueing anything when there is no welcome', async () => {
    const [a, b] = (await registeredDevices(store(), 2)) as [DeviceId, DeviceId]
    const groupId = newGroupId()
    await store().createGroup(groupId, a, Date.now())
    const r = await store().acceptCommit(commit(groupId, 0, a, { added: [b], welcome: false }))
    expect(r).toEqual({ accepted: true, epoch: 1, sentAt: expect.any(Number), deliveries: [] })
    expect((await store().getGroup(groupId))?.members).toEqual(sorted([a, b]))
    expect(await store().pendingCount(b)).toBe(0)
  })

  it('refuses a stale commit with the current epoch and changes nothing', async () => {
    const [a, b, c] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    const groupId = newGroupId()
    await store().createGroup(groupId, a, Date.now())
    const accepted = commit(groupId, 0, a, { added: [b] })
    await store().acceptCommit(accepted)
    // The accepted commit's group info is the group's public state; a refused one's is not kept.
    expect(await store().groupInfo(groupId)).toEqual(accepted.groupInfo)
    const pendingB = await store().pendingCount(b)
    expect(await store().acceptCommit(commit(groupId, 0, a, { added: [c] }))).toEqual({ accepted: false, epoch: 1 })
    expect(await store().groupInfo(groupId)).toEqual(accepted.groupInfo)
    expect(await store().acceptCommit(commit(groupId, 7, a, { added: [c] }))).toEqual({ accepted: false, epoch: 1 })
    expect(await store().getGroup(groupId)).toEqual({ groupId, epoch: 1, members: sorted([a, b]) })
    expect(await store().pendingCount(b)).toBe(pendingB)
    expect(await store().pendingCount(c)).toBe(0)
  })

  it('records which commit took each epoch, and only the accepted one', async () => {
    const [a, b, c] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    const groupId = newGroupId()
    await store().createGroup(groupId, a, Date.now())
    expect(await store().acceptedCommit(groupId, 0)).toBeNull()
    const first = commit(groupId, 0, a, { added: [b] })
    await store().acceptCommit(first)
    const stale = commit(groupId, 0, b, { added: [c] })
    expect((await store().acceptCommit(stale)).accepted).toBe(false)
    const second = commit(groupId, 1, b, { added: [c] })
    await store().acceptCommit(second)
    expect(await store().acceptedCommit(groupId, 0)).toBe(first.messageId)
    expect(await store().acceptedCommit(groupId, 1)).toBe(second.messageId)
    expect(await store().acceptedCommit(groupId, 2)).toBeNull()
    expect(await store().acceptedCommit(newGroupId(), 0)).toBeNull()
  })

  it("refuses a commit to an unknown group with CandorError('unknown_group')", async () => {
    const [a] = await registeredDevices(store(), 1)
    await expectCandorError(store().acceptCommit(commit(newGroupId(), 0, a!)), 'unknown_group')
  })

  it('accepts exactly one of two concurrent commits for the same epoch', async () => {
    const [a, b, x, y] = (await registeredDevices(store(), 4)) as [DeviceId, DeviceId, DeviceId, DeviceId]
    const groupId = newGroupId()
    await store().createGroup(groupId, a, Date.now())
    await store().acceptCommit(commit(groupId, 0, a, { added: [b] }))
    for (let epoch = 1; epoch <= 5; epoch++) {
      const [r1, r2] = await Promise.all([
        store().acceptCommit(commit(groupId, epoch, a, { added: [x] })),
        store().acceptCommit(commit(groupId, epoch, b, { added: [y] })),
      ])
      const accepted = [r1, r2].filter((r) => r?.accepted)
      expect(accepted).toHaveLength(1)
      const loser = [r1, r2].find((r) => !r?.accepted)
      expect(loser).toEqual({ accepted: false, epoch: epoch + 1 })
      expect((await store().getGroup(groupId))?.epoch).toBe(epoch + 1)
    }
  })
}
