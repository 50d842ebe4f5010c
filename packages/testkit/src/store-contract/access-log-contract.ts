// The access log's rows: gap-free indexes even under concurrent appends, leaf hashes in
// order, a subject sees only their own leaves once visible, and each subject's tally.
import { expect, it } from 'vitest'
import { ERASED_DEVICE_ID, newGroupId, randomBytes } from '@candor/protocol'
import type { NewAccessLeaf } from '@candor/ports'
import { deviceRecord, expectCandorError, message, newUserId, registeredDevice, type StoreRef } from './fixtures.ts'

function leaf(subject = newUserId(), visibleAt = 1_000): NewAccessLeaf {
  return { subject, leafHash: randomBytes(32), envelope: randomBytes(100), loggedAt: 1_000, visibleAt }
}

export function accessLogContract(store: StoreRef): void {
  it('numbers leaves 0, 1, 2, … without gaps under concurrent appends, hashes in order', async () => {
    const batch = Array.from({ length: 20 }, () => leaf())
    const indexes = await Promise.all(batch.map((l) => store().appendAccessLeaf(l)))
    const sorted = [...indexes].sort((a, b) => a - b)
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]).toBe(sorted[i - 1]! + 1)
    const hashes = await store().accessLeafHashes(sorted[0]!, 20)
    expect(hashes).toHaveLength(20)
    batch.forEach((l, i) => expect(hashes[indexes[i]! - sorted[0]!]).toEqual(l.leafHash))
    if (sorted[0]! > 0) expect(await store().accessLeafHashes(0, 1)).toHaveLength(1)
  })

  it("hands a subject only their own leaves, and delayed ones only from their date", async () => {
    const subject = newUserId()
    const now = leaf(subject, 1_000)
    const later = leaf(subject, 5_000)
    const i1 = await store().appendAccessLeaf(now)
    await store().appendAccessLeaf(leaf())
    const i2 = await store().appendAccessLeaf(later)
    const at2000 = await store().accessLeavesOf(subject, 2_000)
    expect(at2000.map((l) => l.index)).toEqual([i1])
    expect(at2000[0]!.envelope).toEqual(now.envelope)
    expect(at2000[0]!.leafHash).toEqual(now.leafHash)
    expect((await store().accessLeavesOf(subject, 5_000)).map((l) => l.index)).toEqual([i1, i2])
    expect(await store().accessLeavesOf(newUserId(), 9_999)).toEqual([])
  })

  it("tallies a subject's readable receipts once each, in index order, delayed ones only from their date", async () => {
    const s = store()
    const subject = newUserId()
    expect(await s.tallyAccessReceipts(subject, 9_999)).toEqual({ count: 0, last: null })
    const a = leaf(subject, 1_000)
    const held = leaf(subject, 5_000)
    const c = leaf(subject, 1_000)
    const ia = await s.appendAccessLeaf(a)
    const iHeld = await s.appendAccessLeaf(held)
    await s.appendAccessLeaf(leaf())
    const ic = await s.appendAccessLeaf(c)
    expect(await s.untalliedAccessSubjects(2_000, 100_000)).toContain(subject)
    expect((await s.accessLeavesOf(subject, 2_000)).map((l) => l.position)).toEqual([null, null])

    expect(await s.tallyAccessReceipts(subject, 2_000)).toEqual({ count: 2, last: c.leafHash })
    expect(await s.tallyAccessReceipts(subject, 2_000)).toEqual({ count: 2, last: c.leafHash })
    expect((await s.accessLeavesOf(subject, 2_000)).map((l) => [l.index, l.position])).toEqual([
      [ia, 1],
      [ic, 2],
    ])
    expect(await s.untalliedAccessSubjects(2_000, 100_000)).not.toContain(subject)
    expect(await s.untalliedAccessSubjects(5_000, 100_000)).toContain(subject)

    expect(await s.tallyAccessReceipts(subject, 5_000)).toEqual({ count: 3, last: held.leafHash })
    expect(await s.untalliedAccessSubjects(5_000, 100_000)).not.toContain(subject)
    // Once tallied, a receipt is handed out even by a node whose clock is behind.
    expect((await s.accessLeavesOf(subject, 2_000)).map((l) => [l.index, l.position])).toEqual([
      [ia, 1],
      [iHeld, 3],
      [ic, 2],
    ])
  })

  it('gives each receipt one position when several tallies of a subject race', async () => {
    const s = store()
    const subject = newUserId()
    const indexes: number[] = []
    for (let i = 0; i < 10; i++) indexes.push(await s.appendAccessLeaf(leaf(subject, 1_000)))
    const tallies = await Promise.all(Array.from({ length: 5 }, () => s.tallyAccessReceipts(subject, 2_000)))
    for (const t of tallies) expect(t.count).toBe(10)
    expect((await s.accessLeavesOf(subject, 2_000)).map((l) => [l.index, l.position])).toEqual(indexes.map((idx, i) => [idx, i + 1]))
  })
}

export function adminContract(store: StoreRef): void {
  it('adds an administrator once and reads them back', async () => {
    const userId = newUserId()
    const before = await store().countAdmins()
    expect(await store().getAdmin(userId)).toBeNull()
    const rec = { userId, role: 'operator' as const, org: 'acme', grantedBy: null, grantedAt: 1234 }
    expect(await store().addAdmin(rec)).toBe(true)
    expect(await store().addAdmin({ ...rec, role: 'support' })).toBe(false)
    expect(await store().getAdmin(userId)).toEqual(rec)
    expect(await store().countAdmins()).toBe(before + 1)
    const second = { userId: newUserId(), role: 'support' as const, org: 'acme', grantedBy: userId, grantedAt: 1235 }
    await store().addAdmin(second)
    expect(await store().getAdmin(second.userId)).toEqual(second)
  })

  it('revokes admin rights, never the last operator, even when two revocations race', async () => {
    const s = store()
    const op = { userId: newUserId(), role: 'operator' as const, org: 'acme', grantedBy: null, grantedAt: 2000 }
    const helper = { userId: newUserId(), role: 'support' as const, org: 'acme', grantedBy: op.userId, grantedAt: 2001 }
    await s.addAdmin(op)
    await s.addAdmin(helper)
    expect((await s.listAdmins()).map((a) => a.userId)).toEqual(expect.arrayContaining([op.userId, helper.userId]))
    expect(await s.removeAdmin(helper.userId)).toBe('removed')
    expect(await s.getAdmin(helper.userId)).toBeNull()
    expect(await s.removeAdmin(helper.userId)).toBe('not_admin')
    // Leave `op` as the only operator (the others are earlier tests' records in this shared store).
    for (const a of await s.listAdmins()) if (a.role === 'operator' && a.userId !== op.userId) expect(await s.removeAdmin(a.userId)).toBe('removed')
    expect(await s.removeAdmin(op.userId)).toBe('last_operator')
    expect(await s.getAdmin(op.userId)).toEqual(op)
    const next = { ...op, userId: newUserId(), grantedBy: op.userId, grantedAt: 2002 }
    await s.addAdmin(next)
    const raced = await Promise.all([s.removeAdmin(op.userId), s.removeAdmin(next.userId)])
    expect([...raced].sort()).toEqual(['last_operator', 'removed'])
    expect((await s.listAdmins()).filter((a) => a.role === 'operator')).toHaveLength(1)
  })
}

export function erasureContract(store: StoreRef): void {
  it('erases a user: devices, queues, key packages, memberships, admin record, receipts', async () => {
    const s = store()
    const userId = newUserId()
    const mine = deviceRecord(userId)
    await s.createUser(userId, mine)
    const second = deviceRecord(userId, 'pending')
    await s.addDevice(second)
    const other = await registeredDevice(s)
    await s.addKeyPackages(mine.deviceId, [randomBytes(40)], randomBytes(40))
    const groupId = newGroupId()
    await s.createGroup(groupId, mine.deviceId, 1)
    const [toMe] = await s.appendMessages([message(other, [mine.deviceId])])
    const [fromMe] = await s.appendMessages([message(mine.deviceId, [other], { groupId })])
    await s.addAdmin({ userId, role: 'support', org: 'o', grantedBy: null, grantedAt: 1 })
    await s.appendAccessLeaf({ subject: userId, leafHash: randomBytes(32), envelope: randomBytes(50), loggedAt: 1, visibleAt: 1 })
    expect((await s.tallyAccessReceipts(userId, 1)).count).toBe(1)
    const size = (await s.accessLeafHashes(0, 1_000_000)).length

    const c = await s.eraseUser(userId)
    await s.purgeDeleted()
    expect(c).toMatchObject({ devices: 2, queued: toMe!.deliveries.length, keyPackages: 2, memberships: 1, sentMessages: 1, accessReceipts: 1 })
    expect(await s.userExists(userId)).toBe(false)
    expect(await s.getDevice(mine.deviceId)).toBeNull()
    expect(await s.getDevice(second.deviceId)).toBeNull()
    expect(await s.listDevices(userId)).toEqual([])
    expect(await s.countKeyPackages(mine.deviceId)).toEqual({ oneTime: 0, lastResort: false })
    expect(await s.pendingCount(mine.deviceId)).toBe(0)
    expect(await s.listGroups(mine.deviceId)).toEqual([])
    expect(await s.getAdmin(userId)).toBeNull()
    expect(await s.accessLeavesOf(userId, 9e15)).toEqual([])
    expect(await s.tallyAccessReceipts(userId, 9e15)).toEqual({ count: 0, last: null })
    expect(await s.untalliedAccessSubjects(9e15, 100_000)).not.toContain(userId)
    // The log keeps its leaves; what the user sent still reaches the others, under an erased sender.
    expect((await s.accessLeafHashes(0, 1_000_000)).length).toBe(size)
    const q = await s.fetchQueue(other, 0, 100)
    expect(fromMe!.deliveries.map((d) => d.deviceId)).toEqual([other])
    expect(q.filter((m) => m.sender === ERASED_DEVICE_ID)).toHaveLength(1)
    expect(q.some((m) => m.sender === mine.deviceId)).toBe(false)
    // Nobody may take the id again (Store.eraseUser reserves it).
    const again = deviceRecord(userId)
    await expectCandorError(s.createUser(userId, again), 'user_id_reserved')
    expect(await s.userExists(userId)).toBe(false)
    expect(await s.getDevice(again.deviceId)).toBeNull()
  })
}

export function consentContract(store: StoreRef): void {
  it('keeps each user their own consent ledger in order; erasure deletes it', async () => {
    const s = store()
    const userId = newUserId()
    await s.createUser(userId, deviceRecord(userId))
    const sig = randomBytes(64)
    const a = await s.appendConsent(userId, '{"n":1}', sig, 10)
    const b = await s.appendConsent(userId, '{"n":2}', randomBytes(64), 11)
    await s.appendConsent(newUserId(), '{"n":3}', randomBytes(64), 12)
    expect(b).toBeGreaterThan(a)
    const list = await s.listConsents(userId)
    expect(list.map((c) => c.record)).toEqual(['{"n":1}', '{"n":2}'])
    expect(list[0]).toEqual({ seq: a, record: '{"n":1}', signature: sig, at: 10 })
    await s.eraseUser(userId)
    expect(await s.listConsents(userId)).toEqual([])
  })
}

export function retentionContract(store: StoreRef): void {
  it('deletes the ciphertext of a group with a timer once it ran out, queued or not; other groups keep theirs', async () => {
    const s = store()
    const [a, b] = [await registeredDevice(s), await registeredDevice(s)]
    const timed = newGroupId()
    const untimed = newGroupId()
    await s.createGroup(timed, a, 1)
    await s.createGroup(untimed, a, 1)
    expect(await s.getRetention(timed)).toBeNull()
    await s.setRetention(timed, 60_000)
    await s.setRetention(timed, 30_000)
    expect(await s.getRetention(timed)).toBe(30_000)
    await s.appendMessages([message(a, [b], { groupId: timed, sentAt: 1_000 }), message(a, [b], { groupId: timed, sentAt: 50_000 })])
    await s.appendMessages([message(a, [b], { groupId: untimed, sentAt: 1_000 })])
    expect(await s.expireMessages(30_999)).toBe(0)
    expect(await s.expireMessages(31_000)).toBe(1)
    const left = await s.fetchQueue(b, 0, 10)
    expect(left.map((m) => `${m.groupId === timed ? 'timed' : 'untimed'}@${m.sentAt}`).sort()).toEqual(['timed@50000', 'untimed@1000'])
    await s.setRetention(timed, null)
    expect(await s.expireMessages(10_000_000)).toBe(0)
  })

  it('keeps handshake messages (commits, welcomes) past the timer: they carry no content and a device needs them to follow the group', async () => {
    const s = store()
    const [a, b, c] = [await registeredDevice(s), await registeredDevice(s), await registeredDevice(s)]
    const timed = newGroupId()
    await s.createGroup(timed, a, 1)
    await s.setRetention(timed, 1_000)
    await s.appendMessages([
      message(a, [b], { groupId: timed, sentAt: 1_000, kind: 0 }),
      message(a, [b], { groupId: timed, sentAt: 1_000, kind: 1 }),
      message(a, [b, c], { groupId: timed, sentAt: 1_000, kind: 0 }),
      message(a, [b, c], { groupId: timed, sentAt: 1_000, kind: 1 }),
      message(a, [c], { groupId: timed, sentAt: 1_000, kind: 2 }),
    ])
    expect(await s.expireMessages(100_000)).toBe(2)
    expect((await s.fetchQueue(b, 0, 10)).map((m) => m.kind)).toEqual([1, 1])
    expect((await s.fetchQueue(c, 0, 10)).map((m) => m.kind)).toEqual([1, 2])
  })
}
