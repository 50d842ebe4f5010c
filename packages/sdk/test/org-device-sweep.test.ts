// The organisation policies that act with time, through a real server and real clients, the
// server's clock moved by the test (ServerOptions.accessClock), the sweep run as its timer runs it:
// - devices.revokeAfterDaysUnseen: the server keeps each device's last-seen day (a day, no finer)
//   from its sign-ins; a device unseen longer is revoked — its session ends, the person's other
//   devices keep working — and the revocation is in the organisation's audit trail (actor policy);
// - contacts.guests.expiryDays: a guest past the expiry cannot sign in, and the sweep takes them
//   out as deprovisioning does: devices revoked, their socket closed, removed from the conversation
//   by the server's external proposal, committed by the member online.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_ORG_POLICY, dayOf, type DeviceId } from '@candor/protocol'
import { sweepOrgPolicies } from '@candor/server'
import { CandorClient } from '../src/index.ts'
import { nextMessage, options, waitFor } from './dev-env.ts'
import { acquaint, code, startOrgEnv, type OrgEnv } from './org-env.ts'

const DAY = 86_400_000

/** A fresh sign-in (a new session), as a device makes at least hourly. */
async function signIn(c: CandorClient): Promise<void> {
  c.api.forgetSession()
  await c.devices()
}

describe('devices.revokeAfterDaysUnseen', () => {
  let o: OrgEnv
  let skew = 0
  const now = () => Date.now() + skew
  beforeAll(async () => {
    o = await startOrgEnv({ accessClock: now, orgSweepMs: 3_600_000 })
  })
  afterAll(async () => o.close())

  it('keeps a last-seen day per device and revokes the devices unseen too long', async () => {
    const olive = await o.person('olive@acme.example', 'acme')
    await o.root.admin.grant('olive@acme.example', 'owner')
    const mia = await o.person('mia@acme.example', 'acme')
    const nat = await o.person('nat@acme.example', 'acme')
    const laptop = await CandorClient.enrol(options(o.env.server.url), 'mia@acme.example', 'laptop')
    o.env.clients.push(laptop)
    const approved = laptop.waitForApproval()
    await mia.approve(laptop.deviceId)
    await approved
    for (const c of [mia, nat, laptop]) await c.connect()
    await acquaint(mia, nat)
    const conv = await mia.directConversation('nat@acme.example')
    await waitFor(() => laptop.conversations().some((c) => c.id === conv), 'the laptop in the conversation')
    const store = o.env.server.context.store.orgDevices()
    // Only the day is kept.
    expect(await store.lastSeenDay(mia.deviceId as DeviceId)).toBe(dayOf(now()))

    await olive.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, devices: { ...DEFAULT_ORG_POLICY.devices, revokeAfterDaysUnseen: 30 } })
    // Ten days on, the laptop, nat and olive sign in; mia's phone does not.
    skew = 10 * DAY
    for (const c of [laptop, nat, olive]) await signIn(c)
    expect(await store.lastSeenDay(laptop.deviceId as DeviceId)).toBe(dayOf(now()))
    // 29 days after the phone's last sign-in: nothing yet.
    skew = 29 * DAY
    expect((await sweepOrgPolicies(o.env.server.context)).unseen).toEqual([])
    // 35 days: the phone (and the operator's device, in `default`, which has no such policy, stays).
    skew = 35 * DAY
    const ended = new Promise<string>((resolve) => mia.on('session_ended', (e) => resolve(e.reason)))
    const swept = await sweepOrgPolicies(o.env.server.context)
    expect(swept.unseen).toEqual([mia.deviceId])
    expect(await ended).toBe('revoked')
    expect((await o.env.server.context.store.getDevice(mia.deviceId as DeviceId))?.status).toBe('revoked')
    expect((await o.env.server.context.store.getDevice(o.root.deviceId as DeviceId))?.status).toBe('active')
    expect(await code(mia.api.myDevices())).toMatch(/device_revoked|unauthenticated/)
    // The person's other device goes on.
    const onLaptop = nextMessage(laptop, (m) => m.text === 'still here')
    await nat.send(conv, 'still here')
    expect((await onLaptop).from).toBe('nat@acme.example')
    // In the audit trail, by the policy, with the day it was last seen.
    const entry = (await olive.admin.audit('acme')).entries.find((e) => e.entry.action === 'device.revoke_unseen')!.entry
    expect(entry).toMatchObject({ actor: { kind: 'policy', id: 'devices.revokeAfterDaysUnseen' }, target: `device:${mia.deviceId}`, details: { userId: 'mia@acme.example', days: 30, lastSeenDay: dayOf(Date.now()) } })
    // Running again revokes nothing more.
    expect((await sweepOrgPolicies(o.env.server.context)).unseen).toEqual([])
  })
})

describe('contacts.guests.expiryDays', () => {
  let o: OrgEnv
  let skew = 0
  const now = () => Date.now() + skew
  beforeAll(async () => {
    o = await startOrgEnv({ accessClock: now, orgSweepMs: 3_600_000 })
  })
  afterAll(async () => o.close())

  it('a guest past the expiry cannot sign in and is taken out of the organisation’s conversations', async () => {
    const olive = await o.person('olive@acme.example', 'acme')
    await o.root.admin.grant('olive@acme.example', 'owner')
    const mia = await o.person('mia@acme.example', 'acme')
    await olive.admin.setSignup('acme', 'guests')
    const gus = await o.person('gus@elsewhere.example', 'acme')
    expect(await o.env.server.context.store.membershipOf('gus@elsewhere.example' as never)).toMatchObject({ org: 'acme', guest: true })
    await olive.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, contacts: { ...DEFAULT_ORG_POLICY.contacts, guests: { allowed: true, expiryDays: 7 } } })
    await mia.connect()
    await gus.connect()
    await acquaint(mia, gus)
    const conv = await mia.directConversation('gus@elsewhere.example')
    const got = nextMessage(mia, (m) => m.text === 'hello from a guest')
    await waitFor(() => gus.conversations().some((c) => c.id === conv), 'gus in the conversation')
    await gus.send(conv, 'hello from a guest')
    await got

    // Six days on: still in.
    skew = 6 * DAY
    expect((await sweepOrgPolicies(o.env.server.context)).guests).toEqual([])
    await signIn(gus)
    // Eight days on: no new sign-in, even before the sweep.
    skew = 8 * DAY
    const refused = await gus.devices().then(() => 'cached session', () => 'refused')
    gus.api.forgetSession()
    expect(await code(gus.devices())).toBe('forbidden')
    expect(refused).toBe('cached session')
    // The sweep takes gus out: device revoked, socket closed, out of the conversation.
    const ended = new Promise<string>((resolve) => gus.on('session_ended', (e) => resolve(e.reason)))
    expect((await sweepOrgPolicies(o.env.server.context)).guests).toEqual(['gus@elsewhere.example'])
    expect(await ended).toBe('revoked')
    expect((await o.env.server.context.store.getDevice(gus.deviceId as DeviceId))?.status).toBe('revoked')
    await waitFor(async () => !(await mia.whoCanRead(conv)).some((r) => r.userId === 'gus@elsewhere.example'), 'mia to see gus removed', 60_000)
    expect((await olive.admin.audit('acme')).entries.at(-1)!.entry).toMatchObject({ action: 'guest.expire', actor: { kind: 'policy' }, target: 'user:gus@elsewhere.example', details: { expiryDays: 7 } })
    // A member is never expired; nor does the sweep take gus out twice.
    expect((await sweepOrgPolicies(o.env.server.context)).guests).toEqual([])
    await signIn(mia)
  })
})
