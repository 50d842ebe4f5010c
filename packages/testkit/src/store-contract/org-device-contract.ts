// Contract: what the organisation policies about devices and guests keep (OrgDeviceStorage):
// devices held for an admin's approval, last-seen days, expired guests.
import { expect, it } from 'vitest'
import { newDeviceId, randomBytes, toBase64Url, type DeviceId, type OrgId, type UserId } from '@candor/protocol'
import type { EnrolmentRecord } from '@candor/ports'
import { deviceRecord, expectCandorError, newUserId, type StoreRef } from './fixtures.ts'

const DAY = 86_400_000

async function newOrg(store: StoreRef): Promise<OrgId> {
  const id = `o${toBase64Url(randomBytes(6)).toLowerCase().replace(/[^a-z0-9]/g, 'x')}` as OrgId
  expect(await store().createOrganisation({ id, name: 'Org', signup: 'open', createdAt: Date.now() })).toBe(true)
  return id
}

async function person(store: StoreRef, org: OrgId, guest = false, createdAt = Date.now()): Promise<{ userId: UserId; first: DeviceId }> {
  const userId = newUserId()
  const d = deviceRecord(userId, 'active', createdAt)
  await store().createUser(userId, d, { org, guest })
  return { userId, first: d.deviceId }
}

/** A request of `userId`, approved by `first` and held. */
async function held(store: StoreRef, userId: UserId, first: DeviceId): Promise<DeviceId> {
  const now = Date.now()
  const r: EnrolmentRecord = { deviceId: newDeviceId(), userId, name: 'laptop', publicKey: randomBytes(32), createdAt: now, expiresAt: now + 600_000 }
  await store().fileEnrolment(r, 3, now)
  const d = await store().approveEnrolment(r.deviceId, userId, { by: first, signature: randomBytes(64) }, now, 20, true)
  expect(d).toMatchObject({ deviceId: r.deviceId, status: 'pending', attestation: { by: first } })
  return r.deviceId
}

const backlogOf = async (store: StoreRef, userId: UserId) => (await store().directoryBacklog(1_000_000)).filter((e) => e.userId === userId).length

export function orgDeviceContract(store: StoreRef): void {
  it('holds an approved enrolment as a pending device, listed for its organisation only, until activated', async () => {
    const org = await newOrg(store)
    const other = await newOrg(store)
    const { userId, first } = await person(store, org)
    const before = await backlogOf(store, userId)
    const deviceId = await held(store, userId, first)
    // Held: not active, no directory update, gone from the requests.
    expect((await store().getDevice(deviceId))?.status).toBe('pending')
    expect(await backlogOf(store, userId)).toBe(before)
    expect(await store().listEnrolments(userId, Date.now())).toEqual([])
    expect((await store().orgDevices().heldDevices(org, 10)).map((d) => d.deviceId)).toEqual([deviceId])
    expect(await store().orgDevices().heldDevices(other, 10)).toEqual([])
    // Another user's id, or an active device, is no held device.
    expect(await store().orgDevices().activateHeldDevice(deviceId, newUserId(), 20)).toBeNull()
    expect(await store().orgDevices().activateHeldDevice(first, userId, 20)).toBeNull()
    // At the limit: refused, nothing changed.
    await expectCandorError(store().orgDevices().activateHeldDevice(deviceId, userId, 1), 'forbidden')
    expect((await store().getDevice(deviceId))?.status).toBe('pending')
    const active = await store().orgDevices().activateHeldDevice(deviceId, userId, 2)
    expect(active).toMatchObject({ deviceId, status: 'active', attestation: { by: first } })
    expect((await store().getDevice(deviceId))?.status).toBe('active')
    expect(await backlogOf(store, userId)).toBe(before + 1)
    expect(await store().orgDevices().heldDevices(org, 10)).toEqual([])
    // Once only.
    expect(await store().orgDevices().activateHeldDevice(deviceId, userId, 20)).toBeNull()
  })

  it('a held device revoked (declined) can no longer be activated', async () => {
    const org = await newOrg(store)
    const { userId, first } = await person(store, org)
    const deviceId = await held(store, userId, first)
    expect((await store().revokeDevice(deviceId, userId))?.device.status).toBe('pending')
    expect(await store().orgDevices().activateHeldDevice(deviceId, userId, 20)).toBeNull()
    expect((await store().getDevice(deviceId))?.status).toBe('revoked')
  })

  it('keeps a last-seen day that only moves forward, and finds devices unseen before a day', async () => {
    const org = await newOrg(store)
    const now = Date.now()
    const today = Math.floor(now / DAY)
    const a = await person(store, org)
    const b = await person(store, org, false, now - 40 * DAY)
    const elsewhere = await person(store, await newOrg(store), false, now - 40 * DAY)
    expect(await store().orgDevices().lastSeenDay(a.first)).toBeNull()
    await store().orgDevices().markSeen(a.first, today - 20)
    expect(await store().orgDevices().lastSeenDay(a.first)).toBe(today - 20)
    await store().orgDevices().markSeen(a.first, today - 30)
    expect(await store().orgDevices().lastSeenDay(a.first)).toBe(today - 20)
    // b never seen: counts from its creation day (40 days ago); the other organisation's is not listed.
    const unseen = async (days: number) => (await store().orgDevices().unseenDevices(org, today - days, 100)).map((d) => d.deviceId)
    expect(await unseen(10)).toEqual([b.first, a.first])
    expect(await unseen(25)).toEqual([b.first])
    expect(await unseen(50)).toEqual([])
    expect(await store().orgDevices().unseenDevices(org, today - 10, 1)).toEqual([{ deviceId: b.first, userId: b.userId }])
    await store().orgDevices().markSeen(b.first, today)
    expect(await unseen(10)).toEqual([a.first])
    // Revoked devices are not listed.
    await store().revokeDevice(a.first, a.userId)
    expect(await unseen(10)).toEqual([])
    expect(elsewhere.first).toBeDefined()
  })

  it('finds the organisation’s guests created before a time that still have a device', async () => {
    const org = await newOrg(store)
    const now = Date.now()
    const oldGuest = await person(store, org, true, now - 10 * DAY)
    const newGuest = await person(store, org, true, now)
    await person(store, org, false, now - 10 * DAY)
    expect(await store().orgDevices().userCreatedAt(oldGuest.userId)).toBe(now - 10 * DAY)
    expect(await store().orgDevices().userCreatedAt(newUserId())).toBeNull()
    expect(await store().orgDevices().expiredGuests(org, now - 5 * DAY, 10)).toEqual([oldGuest.userId])
    expect(await store().orgDevices().expiredGuests(org, now + 1, 10)).toEqual([oldGuest.userId, newGuest.userId])
    await store().revokeDevice(oldGuest.first, oldGuest.userId)
    expect(await store().orgDevices().expiredGuests(org, now - 5 * DAY, 10)).toEqual([])
  })
}
