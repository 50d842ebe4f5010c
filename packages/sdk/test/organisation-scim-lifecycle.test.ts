// A person's whole life over SCIM, through a real server and real SDK clients: provisioned into an
// organisation whose sign-up is closed (so only provisioned people register), updated,
// deactivated — every device revoked and the live socket closed at once, sign-in and
// registration refused — reactivated (a first device again), deleted (devices revoked; only the
// same person may be provisioned under the id again), and erased by their own hand (the id stays
// reserved; the organisation may bring back the same externalId, no one else).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeviceId, SessionEndReason, UserId } from '@candor/protocol'
import { CandorClient } from '../src/index.ts'
import { options, waitFor } from './dev-env.ts'
import { code, startOrgEnv, type OrgEnv } from './org-env.ts'
import { PATCH_OP, USER, scim } from './scim-http.ts'

let o: OrgEnv
let token: string
const call = (method: string, path: string, body?: unknown) => scim(o.env.server.url, method, path, { token, body })
const store = () => o.env.server.context.store
const register = async (userId: string, org?: string) => {
  const c = await CandorClient.register(options(o.env.server.url), userId, `${userId}-device`, org)
  o.env.clients.push(c)
  return c
}
const deactivate = (id: string) => call('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })
const activate = (id: string) => call('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] })
const status = async (d: string) => (await store().getDevice(d as DeviceId))?.status

beforeAll(async () => {
  o = await startOrgEnv()
  const owner = await o.person('owen@acme.example', 'acme')
  await o.root.admin.grant('owen@acme.example', 'owner')
  token = (await owner.admin.createScimToken('acme')).token
  await o.root.admin.setSignup('acme', 'closed')
})
afterAll(async () => o.close())

describe('a provisioned person’s lifecycle', () => {
  let id: string
  let carol: CandorClient
  const endings: SessionEndReason[] = []

  it('create: the provisioned person registers into acme although its sign-up is closed; someone not provisioned may not', async () => {
    expect(await code(register('dave@acme.example', 'acme'))).toBe('forbidden')
    const r = await call('POST', '/Users', { schemas: [USER], userName: 'Carol@Acme.example', externalId: 'idp-carol', displayName: 'Carol' })
    expect(r.status, JSON.stringify(r.json)).toBe(201)
    id = r.json.id
    // Provisioned by acme: not through another organisation's sign-up.
    expect(await code(register('carol@acme.example', 'globex'))).toBe('forbidden')
    carol = await register('carol@acme.example')
    expect(await store().membershipOf('carol@acme.example' as UserId)).toEqual({ userId: 'carol@acme.example', org: 'acme', guest: false })
    await carol.connect()
    carol.on('session_ended', (e) => endings.push(e.reason))
    expect(carol.connectionState).toBe('online')
  })

  it('update: PUT changes the attributes, the account is untouched', async () => {
    const r = await call('PUT', `/Users/${id}`, { schemas: [USER], userName: 'carol@acme.example', externalId: 'idp-carol', displayName: 'Carol Jones', title: 'Engineer' })
    expect(r.json).toMatchObject({ displayName: 'Carol Jones', title: 'Engineer', active: true })
    expect(await status(carol.deviceId)).toBe('active')
  })

  it('deactivate: every device revoked, the socket closed at once, sign-in and registration refused', async () => {
    // A second device, approved by the first: both must go.
    const tablet = await CandorClient.enrol(options(o.env.server.url), 'carol@acme.example', 'carol-tablet')
    o.env.clients.push(tablet)
    const approved = tablet.waitForApproval()
    await carol.approve(tablet.deviceId)
    await approved
    const r = await deactivate(id)
    expect(r.json).toMatchObject({ active: false })
    // Revoked before the answer.
    expect([await status(carol.deviceId), await status(tablet.deviceId)]).toEqual(['revoked', 'revoked'])
    await waitFor(() => endings.length > 0, 'carol’s socket to be closed')
    expect(endings).toEqual(['revoked'])
    expect(await o.env.server.context.bus.isOnline(carol.deviceId as DeviceId)).toBe(false)
    const entry = await o.env.user('lookup')
    expect((await entry.verifiedDevices('carol@acme.example')).length).toBe(0)
    expect(await code(register('carol@acme.example'))).toBe('forbidden')
    expect(await code(tablet.admin.me())).toMatch(/device_revoked|unauthenticated/)
  })

  it('reactivate: the person registers a first device again, once', async () => {
    expect((await activate(id)).json).toMatchObject({ active: true })
    const again = await register('carol@acme.example')
    expect(await status(again.deviceId)).toBe('active')
    expect(await code(register('carol@acme.example'))).toBe('user_exists')
    await again.connect()
    expect(again.connectionState).toBe('online')
    carol = again
  })

  it('delete: devices revoked, the resource gone; only the same externalId may come back under the id', async () => {
    const ended: SessionEndReason[] = []
    carol.on('session_ended', (e) => ended.push(e.reason))
    expect((await call('DELETE', `/Users/${id}`)).status).toBe(204)
    expect(await status(carol.deviceId)).toBe('revoked')
    await waitFor(() => ended.length > 0, 'the socket to be closed')
    expect((await call('GET', `/Users/${id}`)).status).toBe(404)
    const other = await call('POST', '/Users', { schemas: [USER], userName: 'carol@acme.example', externalId: 'idp-someone-else' })
    expect([other.status, other.json.scimType]).toEqual([409, 'uniqueness'])
    const back = await call('POST', '/Users', { schemas: [USER], userName: 'carol@acme.example', externalId: 'idp-carol' })
    expect(back.status).toBe(201)
    id = back.json.id
    // Provisioned again, the same person registers a device again.
    const returned = await register('carol@acme.example')
    expect(await status(returned.deviceId)).toBe('active')
  })

  it('an erased id is never given to another person; the organisation may bring back the same one', async () => {
    const erin = await call('POST', '/Users', { schemas: [USER], userName: 'erin@acme.example', externalId: 'idp-erin' })
    const client = await register('erin@acme.example')
    await client.deleteAccount()
    expect((await call('GET', `/Users/${erin.json.id}`)).status).toBe(404)
    const impostor = await call('POST', '/Users', { schemas: [USER], userName: 'erin@acme.example', externalId: 'idp-impostor' })
    expect([impostor.status, impostor.json.scimType]).toEqual([409, 'uniqueness'])
    // Not provisioned, and acme's sign-up is closed; through an open sign-up the id is reserved.
    expect(await code(register('erin@acme.example'))).toBe('forbidden')
    await o.root.admin.setSignup('acme', 'open')
    expect(await code(register('erin@acme.example', 'acme'))).toBe('user_id_reserved')
    await o.root.admin.setSignup('acme', 'closed')
    const back = await call('POST', '/Users', { schemas: [USER], userName: 'erin@acme.example', externalId: 'idp-erin' })
    expect(back.status).toBe(201)
    const returned = await register('erin@acme.example')
    expect(await status(returned.deviceId)).toBe('active')
  })
})
