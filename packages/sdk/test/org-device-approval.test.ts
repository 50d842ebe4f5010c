// devices.adminApproval (docs/organisations.md "Policies"), through a real server and real clients:
// where acme's policy asks for it, a new device the person's own device approved is held — it
// cannot sign in, it is in no directory entry — until an admin of acme approves it (a receipt to
// the person first, an audit entry); then it signs in and the device that approved it adds it to
// the person's conversations. A member, a support admin and another organisation's owner cannot
// approve it; an admin's decline revokes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_ORG_POLICY, type UserId } from '@candor/protocol'
import { CandorClient } from '../src/index.ts'
import { nextMessage, options, waitFor } from './dev-env.ts'
import { acquaint, code, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let olive: CandorClient
let mia: CandorClient
let sam: CandorClient
let gail: CandorClient
const reason = { why: 'support_request', case: 'DEV-1' } as const
const receiptsOf = async (u: string) => (await o.env.server.context.store.accessLeavesOf(u as UserId, Number.MAX_SAFE_INTEGER)).length
const statusOf = async (deviceId: string) => (await o.env.server.context.store.getDevice(deviceId as never))?.status

beforeAll(async () => {
  o = await startOrgEnv()
  olive = await o.person('olive@acme.example', 'acme')
  await o.root.admin.grant('olive@acme.example', 'owner')
  mia = await o.person('mia@acme.example', 'acme')
  sam = await o.person('sam@acme.example', 'acme')
  await o.root.admin.grant('sam@acme.example', 'support')
  gail = await o.person('gail@globex.example', 'globex')
  await o.root.admin.grant('gail@globex.example', 'owner')
  await olive.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, devices: { ...DEFAULT_ORG_POLICY.devices, adminApproval: true } })
})
afterAll(async () => o.close())

describe('devices.adminApproval', () => {
  it('holds a new device until an admin of the organisation approves it; then it signs in and joins the conversations', async () => {
    const nat = await o.person('nat@acme.example', 'acme')
    await mia.connect()
    await nat.connect()
    await acquaint(mia, nat)
    const conv = await mia.directConversation('nat@acme.example')
    await mia.send(conv, 'before the laptop')

    const laptop = await CandorClient.enrol(options(o.env.server.url), 'mia@acme.example', 'laptop')
    o.env.clients.push(laptop)
    const held = new Promise<string>((resolve) => mia.on('held_device', (e) => resolve(e.deviceId)))
    await mia.approve(laptop.deviceId)
    expect(await held).toBe(laptop.deviceId)
    // Held: pending, cannot sign in, not in mia's directory entry, listed for acme's admins.
    expect(await statusOf(laptop.deviceId)).toBe('pending')
    expect(await code(laptop.waitForApproval(1000))).toBe('forbidden')
    expect(await code(laptop.connect())).toBe('forbidden')
    expect((await nat.whoCanRead(conv)).find((r) => r.userId === 'mia@acme.example')?.devices.map((d) => d.deviceId)).toEqual([mia.deviceId])
    expect((await olive.admin.heldDevices('acme')).devices).toEqual([{ deviceId: laptop.deviceId, userId: 'mia@acme.example', name: 'laptop', createdAt: expect.any(Number) }])
    // Mia sees it waiting, on her own device list.
    expect((await mia.devices()).find((d) => d.deviceId === laptop.deviceId)?.status).toBe('pending')

    // Refused, changing nothing: mia herself, a support admin, another organisation's owner.
    const receipts = await receiptsOf('mia@acme.example')
    expect(await code(mia.admin.approveDevice('acme', laptop.deviceId, reason))).toBe('forbidden')
    expect(await code(sam.admin.approveDevice('acme', laptop.deviceId, reason))).toBe('forbidden')
    expect(await code(sam.admin.heldDevices('acme'))).toBe('forbidden')
    expect(await code(gail.admin.approveDevice('acme', laptop.deviceId, reason))).toBe('not_found')
    expect(await code(gail.admin.approveDevice('globex', laptop.deviceId, reason))).toBe('unknown_device')
    expect(await code(gail.admin.heldDevices('acme'))).toBe('not_found')
    expect((await gail.admin.heldDevices('globex')).devices).toEqual([])
    expect(await statusOf(laptop.deviceId)).toBe('pending')
    expect(await receiptsOf('mia@acme.example')).toBe(receipts)

    // Olive approves: a receipt to mia first, an audit entry, the device active.
    const added = new Promise<string>((resolve) => mia.on('admin_approved_device', (e) => resolve(e.deviceId)))
    const approved = laptop.waitForApproval(20_000)
    expect(await olive.admin.approveDevice('acme', laptop.deviceId, reason)).toMatchObject({ deviceId: laptop.deviceId, status: 'active' })
    expect(await receiptsOf('mia@acme.example')).toBe(receipts + 1)
    const trail = await olive.admin.audit('acme')
    expect(trail.entries.at(-1)!.entry).toMatchObject({ action: 'device.approve', target: `device:${laptop.deviceId}`, actor: { kind: 'admin', id: 'olive@acme.example' }, details: { userId: 'mia@acme.example', why: 'support_request', case: 'DEV-1' } })
    await approved
    await laptop.connect()
    expect(await added).toBe(laptop.deviceId)
    await waitFor(() => laptop.conversations().some((c) => c.id === conv), 'the laptop to join the conversation')
    const onLaptop = nextMessage(laptop, (m) => m.text === 'to both of your devices')
    await nat.send(conv, 'to both of your devices')
    expect((await onLaptop).from).toBe('nat@acme.example')
    // Approved once: not held any more.
    expect(await code(olive.admin.approveDevice('acme', laptop.deviceId, reason))).toBe('unknown_device')
    expect((await olive.admin.heldDevices('acme')).devices).toEqual([])
  })

  it('an admin declines a held device: revoked, it never signs in', async () => {
    const phone = await CandorClient.enrol(options(o.env.server.url), 'mia@acme.example', 'phone')
    o.env.clients.push(phone)
    await mia.approve(phone.deviceId)
    expect(await statusOf(phone.deviceId)).toBe('pending')
    expect(await olive.admin.approveDevice('acme', phone.deviceId, reason, 'decline')).toMatchObject({ status: 'revoked' })
    expect(await statusOf(phone.deviceId)).toBe('revoked')
    expect(await code(phone.waitForApproval(1000))).toBe('device_revoked')
    expect((await olive.admin.audit('acme')).entries.at(-1)!.entry).toMatchObject({ action: 'device.decline', target: `device:${phone.deviceId}` })
  })

  it('without the policy, the person’s own approval is enough (as before)', async () => {
    await olive.admin.setPolicy('acme', DEFAULT_ORG_POLICY)
    const tablet = await CandorClient.enrol(options(o.env.server.url), 'sam@acme.example', 'tablet')
    o.env.clients.push(tablet)
    await sam.approve(tablet.deviceId)
    expect(await statusOf(tablet.deviceId)).toBe('active')
  })
})
