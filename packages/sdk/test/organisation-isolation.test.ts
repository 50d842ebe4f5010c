// Tenants: an admin of one organisation cannot see or touch anything of another's people. A
// support admin of acme asks about a person of globex exactly as about nobody: the same refusal,
// no receipt in globex's person's log, nothing changed. Before organisations, any support admin
// read any user's metadata, suspended any device and could delay the notice by up to a year.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UserId } from '@candor/protocol'
import type { CandorClient } from '../src/index.ts'
import { code, refusal, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let sam: CandorClient // support, acme
let cora: CandorClient // compliance officer, acme
let ann: CandorClient // a person of acme
let bea: CandorClient // a person of globex
const reason = { why: 'support_request', case: 'T-1' } as const
const hold = (days: number) => ({ why: 'legal_hold', case: 'LH-1', delayUntil: Date.now() + days * 24 * 3600_000 }) as const

beforeAll(async () => {
  o = await startOrgEnv()
  sam = await o.person('sam@acme.example', 'acme')
  cora = await o.person('cora@acme.example', 'acme')
  ann = await o.person('ann@acme.example', 'acme')
  bea = await o.person('bea@globex.example', 'globex')
  await o.root.admin.grant('sam@acme.example', 'support')
  await o.root.admin.grant('cora@acme.example', 'compliance_officer')
})
afterAll(async () => o.close())

/** Everything the server holds that an admin action on bea would change or add. */
async function beaState() {
  const store = o.env.server.context.store
  return {
    leaves: (await store.accessLeavesOf('bea@globex.example' as UserId, Number.MAX_SAFE_INTEGER)).length,
    logSize: o.env.server.context.access.log.size,
    devices: (await store.listDevices('bea@globex.example' as UserId)).map((d) => d.status),
    admin: await store.getAdmin('bea@globex.example' as UserId),
  }
}

describe('an admin of acme and a person of globex', () => {
  it('a support admin of acme reads the metadata of acme’s people (the control)', async () => {
    expect(await sam.admin.me()).toMatchObject({ role: 'support', org: 'acme' })
    expect((await sam.admin.user('ann@acme.example', reason)).devices.map((d) => d.deviceId)).toEqual([ann.deviceId])
    const [r] = (await ann.accessReceipts()).map((x) => x.receipt!)
    expect(r!.accessor).toMatchObject({ role: 'support', org: 'acme' })
  })

  it('gets the refusal a nonexistent person gets, for every route; bea’s log and devices are unchanged', async () => {
    const before = await beaState()
    const nobody = 'nobody@globex.example'
    // Reading metadata and the device list: as for someone who does not exist.
    expect(await refusal(sam.admin.user('bea@globex.example', reason))).toEqual(await refusal(sam.admin.user(nobody, reason)))
    expect(await refusal(sam.admin.user('bea@globex.example', reason))).toEqual({ code: 'unknown_user', message: 'no such user' })
    expect(await refusal(sam.admin.devices('bea@globex.example', reason))).toEqual({ code: 'unknown_user', message: 'no such user' })
    // Suspending bea's device: as for a device that does not exist.
    expect(await refusal(sam.admin.suspendDevice(bea.deviceId, { why: 'security_investigation', case: 'S-1' }))).toEqual({ code: 'unknown_device', message: 'no such device' })
    // Delaying bea's notice: the same, before the question of the delay arises.
    expect(await refusal(sam.admin.user('bea@globex.example', hold(30)))).toEqual({ code: 'unknown_user', message: 'no such user' })
    expect(await refusal(cora.admin.user('bea@globex.example', hold(30)))).toEqual({ code: 'unknown_user', message: 'no such user' })
    expect(await refusal(cora.admin.exportMetadata('bea@globex.example', reason))).toEqual({ code: 'unknown_user', message: 'no such user' })
    // Granting bea a role, or revoking one: as for nobody.
    expect(await refusal(o.root.admin.grant('bea@globex.example', 'support', 'acme'))).toEqual({ code: 'unknown_user', message: 'no such user' })
    expect(await beaState()).toEqual(before)
    expect(before).toMatchObject({ leaves: 0, devices: ['active'], admin: null })
    expect((await bea.api.myDevices()).devices.map((d) => d.status)).toEqual(['active'])
    expect(await bea.accessReceipts()).toEqual([])
  })

  it('cannot see globex itself: its settings, its people, its roles', async () => {
    const none = { code: 'not_found', message: 'no such organisation' }
    expect(await refusal(sam.admin.organisation('globex'))).toEqual(none)
    expect(await refusal(sam.admin.organisation('no-such-org'))).toEqual(none)
    expect(await refusal(sam.admin.members('globex'))).toEqual(none)
    expect((await sam.admin.members('acme')).members.map((m) => m.userId)).toContain('ann@acme.example')
    // Support may not change sign-up anywhere; creating organisations and domains is the operator's.
    expect(await code(sam.admin.setSignup('globex', 'closed'))).toBe('forbidden')
    expect(await code(sam.admin.createOrganisation('sams-org', 'Sam'))).toBe('forbidden')
    expect(await code(sam.admin.addDomain('acme', 'sam.example'))).toBe('forbidden')
    expect((await o.root.admin.organisation('globex')).signup).toBe('open')
  })

  it('a role granted in globex reaches globex’s people, and acme’s not at all', async () => {
    const gil = await o.person('gil@globex.example', 'globex')
    await o.root.admin.grant('gil@globex.example', 'support')
    expect(await gil.admin.me()).toMatchObject({ role: 'support', org: 'globex' })
    expect(await refusal(gil.admin.user('ann@acme.example', reason))).toEqual({ code: 'unknown_user', message: 'no such user' })
    expect(await refusal(gil.admin.suspendDevice(ann.deviceId, reason))).toEqual({ code: 'unknown_device', message: 'no such device' })
    expect((await gil.admin.user('bea@globex.example', reason)).userId).toBe('bea@globex.example')
    expect((await bea.accessReceipts()).map((r) => r.receipt!.accessor)).toMatchObject([{ role: 'support', org: 'globex' }])
  })

  it('the operator runs `default` but reads nobody of another organisation', async () => {
    expect(await refusal(o.root.admin.user('bea@globex.example', reason))).toEqual({ code: 'unknown_user', message: 'no such user' })
    expect(await refusal(o.root.admin.suspendDevice(ann.deviceId, reason))).toEqual({ code: 'unknown_device', message: 'no such device' })
    expect(await code(o.root.admin.members('globex'))).toBe('not_found')
  })

  it('a delayed notice needs the permission and is bounded at 90 days', async () => {
    expect(await code(sam.admin.user('ann@acme.example', hold(10)))).toBe('forbidden')
    const before = (await ann.accessReceipts()).length
    expect(await refusal(cora.admin.user('ann@acme.example', hold(91)))).toEqual({ code: 'bad_request', message: 'a notice may be delayed by at most 90 days' })
    expect((await ann.accessReceipts()).length).toBe(before)
    await cora.admin.user('ann@acme.example', hold(90))
    const leaves = await o.env.server.context.store.accessLeavesOf('ann@acme.example' as UserId, Number.MAX_SAFE_INTEGER)
    expect(leaves.at(-1)!.visibleAt - leaves.at(-1)!.loggedAt).toBeGreaterThan(89 * 24 * 3600_000)
    // Still hidden from ann: the notice is delayed.
    expect((await ann.accessReceipts()).length).toBe(before)
  })

  it('a stranger with no token, a person with no role and a suspended admin’s device are refused every organisations route; nothing changes', async () => {
    const before = await o.root.admin.organisation('acme')
    const url = o.env.server.url
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/v1/orgs', { id: 'stranger-org', name: 'S' }],
      ['GET', '/v1/orgs/acme'],
      ['POST', '/v1/orgs/acme/domains', { domain: 'stranger.example' }],
      ['POST', '/v1/orgs/acme/signup', { signup: 'closed' }],
      ['GET', '/v1/orgs/acme/members'],
      ['POST', '/v1/admin/admins', { userId: 'ann@acme.example', role: 'owner' }],
    ]
    for (const [method, path, body] of routes) {
      const r = await fetch(`${url}${path}`, { method, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) })
      expect([path, r.status, ((await r.json()) as { error: { code: string } }).error.code]).toEqual([path, 401, 'unauthenticated'])
    }
    const calls = (c: CandorClient) => [
      () => c.admin.createOrganisation('stranger-org', 'S'),
      () => c.admin.organisation('acme'),
      () => c.admin.addDomain('acme', 'stranger.example'),
      () => c.admin.setSignup('acme', 'closed'),
      () => c.admin.members('acme'),
      () => c.admin.grant('ann@acme.example', 'owner'),
    ]
    for (const call of calls(ann)) expect(await code(call())).toBe('forbidden')
    const dora = await o.env.user('dora')
    await o.root.admin.grant('dora', 'admin')
    await o.root.admin.suspendDevice(dora.deviceId, { why: 'security_investigation', case: 'S-9' })
    for (const call of calls(dora)) expect(await code(call())).toBe('device_revoked')
    expect(await o.root.admin.organisation('acme')).toEqual(before)
    expect(await o.env.server.context.store.getOrganisation('stranger-org' as never)).toBeNull()
    expect(await o.env.server.context.store.getAdmin('ann@acme.example' as UserId)).toBeNull()
  })
})
