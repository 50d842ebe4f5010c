// Consent to be contacted (docs/protocol.md §5.5): contacts, blocks, an organisation's policy,
// contact requests and the deliveries they hold, on every adapter.
import { expect, it } from 'vitest'
import { newGroupId, newMessageId, randomBytes, toBase64Url, type DeviceId, type GroupId, type MessageKind, type OrgId, type UserId } from '@candor/protocol'
import type { HeldMessage, HoldInput, HoldLimits, Store } from '@candor/ports'
import { deviceRecord, newUserId, type StoreRef } from './fixtures.ts'

const LIMITS: HoldLimits = { perRequest: 3, perSender: 5, perRecipient: 6 }

async function person(store: Store, devices = 1): Promise<{ userId: UserId; devices: DeviceId[] }> {
  const userId = newUserId()
  const first = deviceRecord(userId)
  await store.createUser(userId, first)
  const rest = []
  for (let i = 1; i < devices; i++) {
    const d = deviceRecord(userId)
    await store.addDevice(d)
    rest.push(d.deviceId)
  }
  return { userId, devices: [first.deviceId, ...rest] }
}

function held(groupId: GroupId, sender: DeviceId, kind: MessageKind = 0): HeldMessage {
  return { messageId: newMessageId(), groupId, sender, kind, sentAt: Date.now(), payload: randomBytes(24) }
}

const requestId = () => toBase64Url(randomBytes(16))

function welcome(groupId: GroupId, sender: { userId: UserId; devices: DeviceId[] }, recipient: { userId: UserId; devices: DeviceId[] }): HoldInput {
  return {
    recipient: recipient.userId,
    groupId,
    devices: recipient.devices,
    message: held(groupId, sender.devices[0]!, 2),
    open: { requestId: requestId(), sender: sender.userId, senderDevice: sender.devices[0]!, createdAt: Date.now() },
  }
}

export function contactContract(store: StoreRef): void {
  it('keeps contacts one way, and blocks with their blockers’ devices', async () => {
    const a = await person(store(), 2)
    const b = await person(store())
    const c = store().contacts()
    expect(await c.isContact(a.userId, b.userId)).toBe(false)
    expect(await c.addContact(a.userId, b.userId, 1)).toBe(true)
    expect(await c.addContact(a.userId, b.userId, 2)).toBe(false)
    expect(await c.isContact(a.userId, b.userId)).toBe(true)
    expect(await c.isContact(b.userId, a.userId)).toBe(false)

    expect(await c.block(a.userId, b.userId, 5)).toBe(true)
    expect(await c.block(a.userId, b.userId, 6)).toBe(false)
    expect(await c.isBlocked(a.userId, b.userId)).toBe(true)
    expect(await c.isBlocked(b.userId, a.userId)).toBe(false)
    expect(await c.listBlocks(a.userId)).toEqual([{ userId: b.userId, at: 5 }])
    expect(await c.blockingDevices(b.userId)).toEqual([...a.devices].sort())
    expect(await c.blockingDevices(a.userId)).toEqual([])
    expect(await c.unblock(a.userId, b.userId)).toBe(true)
    expect(await c.unblock(a.userId, b.userId)).toBe(false)
    expect(await c.listBlocks(a.userId)).toEqual([])
  })

  it('keeps an organisation’s policy, off by default', async () => {
    const org = `o${toBase64Url(randomBytes(6)).toLowerCase().replace(/[^a-z0-9]/g, 'x')}` as OrgId
    const c = store().contacts()
    expect(await c.setRequestsInsideOrg(org, true)).toBe(false)
    await store().createOrganisation({ id: org, name: 'Org', signup: 'open', createdAt: 1 })
    expect(await c.requestsInsideOrg(org)).toBe(false)
    expect(await c.setRequestsInsideOrg(org, true)).toBe(true)
    expect(await c.requestsInsideOrg(org)).toBe(true)
    expect(await c.setRequestsInsideOrg(org, false)).toBe(true)
    expect(await c.requestsInsideOrg(org)).toBe(false)
  })

  it('opens one request per recipient and group, holds up to the per-request quota, and releases in order on acceptance', async () => {
    const s = await person(store())
    const r = await person(store(), 2)
    const groupId = newGroupId()
    await store().createGroup(groupId, s.devices[0]!, Date.now())
    const c = store().contacts()
    expect(await c.hold({ recipient: r.userId, groupId, devices: r.devices, message: held(groupId, s.devices[0]!) }, LIMITS)).toEqual({ held: false, reason: 'none' })
    const w = welcome(groupId, s, r)
    const opened = await c.hold(w, LIMITS)
    expect(opened).toEqual({ held: true, requestId: w.open!.requestId, created: true })
    const messages = [held(groupId, s.devices[0]!), held(groupId, s.devices[0]!, 1), held(groupId, s.devices[0]!)]
    for (const m of messages) expect(await c.hold({ recipient: r.userId, groupId, devices: r.devices, message: m }, LIMITS)).toMatchObject({ held: true, created: false })
    // The fourth beyond the welcome is over the per-request quota: refused, nothing held.
    expect(await c.hold({ recipient: r.userId, groupId, devices: r.devices, message: held(groupId, s.devices[0]!) }, LIMITS)).toEqual({ held: false, reason: 'quota_request' })
    const req = await c.requestIn(groupId, r.userId)
    expect(req).toMatchObject({ requestId: w.open!.requestId, recipient: r.userId, sender: s.userId, senderDevice: s.devices[0], groupId, state: 'pending', held: 4 })
    expect(new Set(req!.devices)).toEqual(new Set(r.devices))
    expect((await c.listRequests(r.userId)).map((x) => x.requestId)).toEqual([w.open!.requestId])
    expect((await c.pendingIn(groupId)).map((x) => x.requestId)).toEqual([w.open!.requestId])
    expect(await c.getRequest(w.open!.requestId)).toEqual(req)

    // Only the recipient accepts.
    expect(await c.acceptRequest(w.open!.requestId, s.userId, 9)).toBeNull()
    const accepted = await c.acceptRequest(w.open!.requestId, r.userId, 9)
    expect(accepted?.request.state).toBe('accepted')
    expect(await c.isContact(r.userId, s.userId)).toBe(true)
    expect(await c.isContact(s.userId, r.userId)).toBe(true)
    for (const d of r.devices) {
      const queued = await store().fetchQueue(d, 0, 100)
      expect(queued.map((q) => [q.messageId, q.kind])).toEqual([w.message, ...messages].map((m) => [m.messageId, m.kind]))
      expect(queued.map((q) => q.payload)).toEqual([w.message, ...messages].map((m) => m.payload))
      expect(accepted!.released.filter((x) => x.deviceId === d).map((x) => x.seq)).toEqual(queued.map((q) => q.seq))
    }
    expect(new Set((await store().getGroup(groupId))!.members)).toEqual(new Set([s.devices[0], ...r.devices]))
    expect(await c.listRequests(r.userId)).toEqual([])
    expect(await c.acceptRequest(w.open!.requestId, r.userId, 10)).toBeNull()
    // A settled request holds nothing more.
    expect(await c.hold({ recipient: r.userId, groupId, devices: r.devices, message: held(groupId, s.devices[0]!) }, LIMITS)).toEqual({ held: false, reason: 'accepted' })
  })

  it('releases a message also stored for others, and one whose other copies were acknowledged', async () => {
    const s = await person(store())
    const other = await person(store())
    const r = await person(store())
    const groupId = newGroupId()
    await store().createGroup(groupId, s.devices[0]!, Date.now())
    const c = store().contacts()
    const w = welcome(groupId, s, r)
    await c.hold(w, LIMITS)
    const shared = held(groupId, s.devices[0]!)
    const [stored] = await store().appendMessages([{ ...shared, recipients: [other.devices[0]!] }])
    await c.hold({ recipient: r.userId, groupId, devices: r.devices, message: shared }, LIMITS)
    const acked = held(groupId, s.devices[0]!)
    const [ackedStored] = await store().appendMessages([{ ...acked, recipients: [other.devices[0]!] }])
    await c.hold({ recipient: r.userId, groupId, devices: r.devices, message: acked }, LIMITS)
    await store().ack(other.devices[0]!, [ackedStored!.deliveries[0]!.seq])
    await c.acceptRequest(w.open!.requestId, r.userId, 1)
    expect((await store().fetchQueue(r.devices[0]!, 0, 10)).map((q) => q.messageId)).toEqual([w.message.messageId, shared.messageId, acked.messageId])
    // The other recipient's copy is untouched, and both acknowledge theirs.
    const theirs = await store().fetchQueue(other.devices[0]!, 0, 10)
    expect(theirs.map((q) => q.messageId)).toEqual([shared.messageId])
    expect(await store().ack(other.devices[0]!, [stored!.deliveries[0]!.seq])).toBe(1)
    const mine = await store().fetchQueue(r.devices[0]!, 0, 10)
    expect(await store().ack(r.devices[0]!, mine.map((q) => q.seq))).toBe(3)
    expect(await store().pendingCount(r.devices[0]!)).toBe(0)
  })

  it('declines and abandons: held messages go, and only the recipient declines', async () => {
    const s = await person(store())
    const r = await person(store())
    const c = store().contacts()
    const g1 = newGroupId()
    await store().createGroup(g1, s.devices[0]!, Date.now())
    const w1 = welcome(g1, s, r)
    await c.hold(w1, LIMITS)
    await c.hold({ recipient: r.userId, groupId: g1, devices: r.devices, message: held(g1, s.devices[0]!) }, LIMITS)
    expect(await c.declineRequest(w1.open!.requestId, s.userId)).toBe(false)
    expect(await c.declineRequest(w1.open!.requestId, r.userId)).toBe(true)
    expect(await c.declineRequest(w1.open!.requestId, r.userId)).toBe(false)
    expect(await c.getRequest(w1.open!.requestId)).toMatchObject({ state: 'declined', held: 0 })
    expect(await c.hold({ ...welcome(g1, s, r) }, LIMITS)).toEqual({ held: false, reason: 'declined' })
    expect(await c.isContact(r.userId, s.userId)).toBe(false)
    expect(await store().pendingCount(r.devices[0]!)).toBe(0)

    const g2 = newGroupId()
    const w2 = welcome(g2, s, r)
    await c.hold(w2, LIMITS)
    expect(await c.abandonRequest(w2.open!.requestId)).toBe(true)
    expect(await c.abandonRequest(w2.open!.requestId)).toBe(false)
    expect(await c.requestIn(g2, r.userId)).toBeNull()
  })

  it('bounds what one sender and one recipient hold, counting pending requests only', async () => {
    const s = await person(store())
    const c = store().contacts()
    // Per sender: 5 held messages (welcomes included) over all recipients.
    const rs = [await person(store()), await person(store()), await person(store())]
    const ws = []
    for (const r of rs.slice(0, 2)) {
      const w = welcome(newGroupId(), s, r)
      ws.push(w)
      expect(await c.hold(w, LIMITS)).toMatchObject({ held: true })
      expect(await c.hold({ recipient: r.userId, groupId: w.groupId, devices: r.devices, message: held(w.groupId, s.devices[0]!) }, LIMITS)).toMatchObject({ held: true })
    }
    expect(await c.hold(welcome(newGroupId(), s, rs[2]!), LIMITS)).toMatchObject({ held: true })
    expect(await c.hold(welcome(newGroupId(), s, rs[2]!), LIMITS)).toEqual({ held: false, reason: 'quota_sender' })
    // A settled request no longer counts.
    await c.declineRequest(ws[0]!.open!.requestId, rs[0]!.userId)
    expect(await c.hold(welcome(newGroupId(), s, rs[2]!), LIMITS)).toMatchObject({ held: true })

    // Per recipient: 6 over all senders.
    const r = await person(store())
    for (let i = 0; i < 6; i++) expect(await c.hold(welcome(newGroupId(), await person(store()), r), LIMITS)).toMatchObject({ held: true })
    const refused = welcome(newGroupId(), await person(store()), r)
    expect(await c.hold(refused, LIMITS)).toEqual({ held: false, reason: 'quota_recipient' })
    expect(await c.requestIn(refused.groupId, r.userId)).toBeNull()
    expect((await c.listRequests(r.userId)).length).toBe(6)
  })

  it('holds one message for several requests of a group for all of them, or for none when one is over a quota', async () => {
    const s = await person(store())
    const [x, y, z] = [await person(store()), await person(store()), await person(store())]
    const groupId = newGroupId()
    await store().createGroup(groupId, s.devices[0]!, Date.now())
    const c = store().contacts()
    // Per request only: the sender and recipient quotas are the previous test's.
    const LIMITS = { perRequest: 3, perSender: 50, perRecipient: 50 }
    const wx = welcome(groupId, s, x)
    const wy = welcome(groupId, s, y)
    for (const w of [wx, wy]) expect(await c.hold(w, LIMITS)).toMatchObject({ held: true, created: true })
    const to = (r: { userId: UserId; devices: DeviceId[] }, message: ReturnType<typeof held>): HoldInput => ({ recipient: r.userId, groupId, devices: r.devices, message })
    // Both under quota: held for both (z has no request: nothing for z, and no stop).
    const both = held(groupId, s.devices[0]!)
    expect(await c.holdAll([to(x, both), to(y, both), to(z, both)], LIMITS)).toEqual({
      held: true,
      results: [
        { held: true, requestId: wx.open!.requestId, created: false },
        { held: true, requestId: wy.open!.requestId, created: false },
        { held: false, reason: 'none' },
      ],
    })
    // y's request fills up to its quota alone (3 beyond the welcome)...
    for (let i = 0; i < 2; i++) expect(await c.hold(to(y, held(groupId, s.devices[0]!)), LIMITS)).toMatchObject({ held: true })
    // ...then a message for x and y is held for neither: x's count does not move.
    const xBefore = (await c.requestIn(groupId, x.userId))!.held
    expect(await c.holdAll([to(x, held(groupId, s.devices[0]!)), to(y, held(groupId, s.devices[0]!))], LIMITS)).toEqual({ held: false, recipient: y.userId, reason: 'quota_request' })
    expect((await c.requestIn(groupId, x.userId))!.held).toBe(xBefore)
    expect((await c.requestIn(groupId, y.userId))!.held).toBe(4)
    // A commit (no per-request quota for kind 1 here: the caller's commit limits) still goes to both.
    const commitLimits = { perRequest: 100, perSender: 100, perRecipient: 100 }
    expect(await c.holdAll([to(x, held(groupId, s.devices[0]!, 1)), to(y, held(groupId, s.devices[0]!, 1))], commitLimits)).toMatchObject({ held: true })
    expect((await c.requestIn(groupId, x.userId))!.held).toBe(xBefore + 1)
  })

  it('erasing a user deletes their contacts, blocks and requests on both sides, with what was held', async () => {
    const s = await person(store())
    const r = await person(store())
    const c = store().contacts()
    await c.addContact(r.userId, s.userId, 1)
    await c.addContact(s.userId, r.userId, 1)
    await c.block(r.userId, s.userId, 2)
    const w = welcome(newGroupId(), s, r)
    await c.hold(w, LIMITS)
    await store().eraseUser(s.userId)
    expect(await c.isContact(r.userId, s.userId)).toBe(false)
    expect(await c.listBlocks(r.userId)).toEqual([])
    expect(await c.getRequest(w.open!.requestId)).toBeNull()
    expect(await c.listRequests(r.userId)).toEqual([])
  })
}
