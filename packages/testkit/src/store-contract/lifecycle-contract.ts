// Contract: the device lifecycle is transactional. Registration, approval, revocation and
// erasure each change the devices and record the key directory's backlog row in one
// transaction — a refused or failed change leaves neither — and an erased user id is never
// given out again.
import { expect, it } from 'vitest'
import { newDeviceId, newGroupId, randomBytes, type UserId } from '@candor/protocol'
import type { DirectoryBacklogEntry } from '@candor/ports'
import { deviceRecord, expectCandorError, message, newUserId, registeredDevice, type StoreRef } from './fixtures.ts'

/** The backlog rows of this user (the store is shared with other tests). */
async function backlogOf(store: StoreRef, userId: UserId): Promise<Array<Omit<DirectoryBacklogEntry, 'seq'>>> {
  const rows = await store().directoryBacklog(1_000_000)
  return rows.filter((r) => r.userId === userId).map(({ userId: u, erased }) => ({ userId: u, erased }))
}

export function lifecycleContract(store: StoreRef): void {
  it('registration records the user in the directory backlog; a failed one records nothing and creates nothing', async () => {
    const userId = newUserId()
    await store().createUser(userId, deviceRecord(userId))
    expect(await backlogOf(store, userId)).toEqual([{ userId, erased: false }])
    // The device insert fails after the user row went in: the transaction takes both back.
    const taken = await store().getDevice((await store().listDevices(userId))[0]!.deviceId)
    const other = newUserId()
    await expectCandorError(store().createUser(other, { ...deviceRecord(other), deviceId: taken!.deviceId }), 'conflict')
    expect(await store().userExists(other)).toBe(false)
    expect(await backlogOf(store, other)).toEqual([])
  })

  it('approval records the user; a refused one (device limit) records nothing', async () => {
    const userId = newUserId()
    const first = deviceRecord(userId)
    await store().createUser(userId, first)
    await store().clearDirectoryBacklog((await store().directoryBacklog(1_000_000)).filter((r) => r.userId === userId).map((r) => r.seq))
    const now = Date.now()
    const request = { deviceId: newDeviceId(), userId, name: 'laptop', publicKey: randomBytes(32), createdAt: now, expiresAt: now + 60_000 }
    await store().fileEnrolment(request, 3, now)
    await expectCandorError(store().approveEnrolment(request.deviceId, userId, { by: first.deviceId, signature: randomBytes(64) }, now, 1), 'forbidden')
    expect(await backlogOf(store, userId)).toEqual([])
    expect((await store().approveEnrolment(request.deviceId, userId, { by: first.deviceId, signature: randomBytes(64) }, now, 2))?.status).toBe('active')
    expect(await backlogOf(store, userId)).toEqual([{ userId, erased: false }])
  })

  it('revokes a device in one step: status, queue, key packages, every roster, and the backlog row', async () => {
    const userId = newUserId()
    const [keep, victim] = [deviceRecord(userId), deviceRecord(userId)]
    await store().createUser(userId, keep)
    await store().addDevice(victim)
    const sender = await registeredDevice(store())
    const [g1, g2, g3] = [newGroupId(), newGroupId(), newGroupId()]
    for (const g of [g1, g2]) await store().createGroup(g, victim.deviceId, 1)
    await store().createGroup(g3, keep.deviceId, 1)
    await store().addKeyPackages(victim.deviceId, [randomBytes(30)], randomBytes(30))
    await store().appendMessages([message(sender, [victim.deviceId, keep.deviceId])])
    const got = await store().revokeDevice(victim.deviceId, userId)
    expect(got?.device.status).toBe('active')
    expect(got?.groups).toEqual([g1, g2].sort())
    expect((await store().getDevice(victim.deviceId))?.status).toBe('revoked')
    expect(await store().listGroups(victim.deviceId)).toEqual([])
    expect((await store().getGroup(g1))?.members).toEqual([])
    expect((await store().getGroup(g3))?.members).toEqual([keep.deviceId])
    expect(await store().pendingCount(victim.deviceId)).toBe(0)
    expect(await store().pendingCount(keep.deviceId)).toBe(1)
    expect(await store().countKeyPackages(victim.deviceId)).toEqual({ oneTime: 0, lastResort: false })
    expect(await backlogOf(store, userId)).toEqual([
      { userId, erased: false },
      { userId, erased: false },
    ])
    // Again: nothing changes and nothing more is recorded.
    expect(await store().revokeDevice(victim.deviceId, userId)).toEqual({ device: expect.objectContaining({ status: 'revoked' }), groups: [] })
    expect(await backlogOf(store, userId)).toHaveLength(2)
    // The groups it left are kept for the person (a recovered device takes its place there), for no one else.
    expect(await store().formerGroups(userId)).toEqual([g1, g2].sort())
    expect(await store().formerGroups((await store().getDevice(sender))!.userId)).toEqual([])
    // Another revoked device of the person adds the groups it left.
    const other = deviceRecord(userId)
    await store().addDevice(other)
    const g4 = newGroupId()
    await store().createGroup(g4, other.deviceId, 1)
    await store().revokeDevice(other.deviceId, userId)
    expect(await store().formerGroups(userId)).toEqual([g1, g2, g4].sort())
    // Erasing the account erases them.
    await store().eraseUser(userId)
    expect(await store().formerGroups(userId)).toEqual([])
  })

  it("refuses to revoke another user's device or an unknown one, and changes nothing", async () => {
    const victim = await registeredDevice(store())
    const owner = (await store().getDevice(victim))!.userId
    const g = newGroupId()
    await store().createGroup(g, victim, 1)
    const stranger = newUserId()
    expect(await store().revokeDevice(victim, stranger)).toBeNull()
    expect(await store().revokeDevice(newDeviceId(), owner)).toBeNull()
    expect((await store().getDevice(victim))?.status).toBe('active')
    expect((await store().getGroup(g))?.members).toEqual([victim])
    expect(await backlogOf(store, stranger)).toEqual([])
    expect(await backlogOf(store, owner)).toHaveLength(1)
    expect(await store().formerGroups(owner)).toEqual([])
    expect(await store().formerGroups(stranger)).toEqual([])
  })

  it('erasure reserves the id for good and records an erased backlog row', async () => {
    const userId = newUserId()
    await store().createUser(userId, deviceRecord(userId))
    await store().eraseUser(userId)
    expect(await backlogOf(store, userId)).toEqual([
      { userId, erased: false },
      { userId, erased: true },
    ])
    for (let i = 0; i < 2; i++) {
      const again = deviceRecord(userId)
      await expectCandorError(store().createUser(userId, again), 'user_id_reserved')
      expect(await store().userExists(userId)).toBe(false)
      expect(await store().getDevice(again.deviceId)).toBeNull()
    }
    expect(await backlogOf(store, userId)).toHaveLength(2)
    // Only that id: another one is free, and erasing twice is harmless.
    const next = newUserId()
    await store().createUser(next, deviceRecord(next))
    await store().eraseUser(userId)
    await expectCandorError(store().createUser(userId, deviceRecord(userId)), 'user_id_reserved')
  })

  it('clears exactly the backlog rows it is given, oldest first', async () => {
    const [a, b] = [newUserId(), newUserId()]
    await store().createUser(a, deviceRecord(a))
    await store().createUser(b, deviceRecord(b))
    const rows = (await store().directoryBacklog(1_000_000)).filter((r) => r.userId === a || r.userId === b)
    expect(rows.map((r) => r.userId)).toEqual([a, b])
    expect(rows[1]!.seq).toBeGreaterThan(rows[0]!.seq)
    await store().clearDirectoryBacklog([rows[0]!.seq])
    expect(await backlogOf(store, a)).toEqual([])
    expect(await backlogOf(store, b)).toEqual([{ userId: b, erased: false }])
    await store().clearDirectoryBacklog([rows[0]!.seq, rows[1]!.seq])
    await store().clearDirectoryBacklog([])
    expect(await backlogOf(store, b)).toEqual([])
  })
}
