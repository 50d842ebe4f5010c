// Single sign-on: an organisation's identity-provider settings, and each person's identity at
// the provider (subject bound once, sign-ins refreshed, sessions ended by a logout).
import { expect, it } from 'vitest'
import { randomBytes, type OrgId, type UserId } from '@candor/protocol'
import type { SsoConfigRecord } from '@candor/ports'
import { deviceRecord, newUserId, type StoreRef } from './fixtures.ts'

const newOrgId = (): OrgId => `s${Array.from(randomBytes(6), (b) => b.toString(16).padStart(2, '0')).join('')}` as OrgId
const config = (over: Partial<SsoConfigRecord> = {}): SsoConfigRecord => ({
  issuer: 'https://idp.example/realms/acme',
  clientId: 'candor',
  clientSecretBox: new Uint8Array([1, 2, 3, 250]),
  allowedDomains: ['acme.example', 'acme.test'],
  groupsClaim: 'groups',
  requireSso: true,
  reauthMs: 3_600_000,
  updatedAt: 1_700_000_000_000,
  ...over,
})

export function ssoContract(store: StoreRef): void {
  it('stores an organisation identity provider and replaces it; none for an unknown organisation', async () => {
    const org = newOrgId()
    expect(await store().setSsoConfig(org, config())).toBe(false)
    await store().createOrganisation({ id: org, name: 'Acme', signup: 'open', createdAt: 1 })
    expect(await store().getSsoConfig(org)).toBeNull()
    expect(await store().setSsoConfig(org, config())).toBe(true)
    expect(await store().getSsoConfig(org)).toEqual(config())
    const next = config({ clientId: 'other', groupsClaim: null, requireSso: false, allowedDomains: [], reauthMs: 60_000, updatedAt: 2 })
    expect(await store().setSsoConfig(org, next)).toBe(true)
    expect(await store().getSsoConfig(org)).toEqual(next)
  })

  it('binds a subject to one user, refreshes sign-ins, and reports the session only when SSO is required', async () => {
    const org = newOrgId()
    await store().createOrganisation({ id: org, name: 'Acme', signup: 'open', createdAt: 1 })
    const ana = newUserId()
    const bob = newUserId()
    await store().createUser(ana, deviceRecord(ana), { org, guest: false })
    await store().createUser(bob, deviceRecord(bob), { org, guest: false })
    const iss = 'https://idp.example'
    expect(await store().ssoSessionOf(ana)).toBeNull()
    await store().setSsoConfig(org, config({ issuer: iss }))
    expect(await store().ssoSessionOf(ana)).toEqual({ org, reauthMs: 3_600_000, identity: null })

    const signIn = { org, issuer: iss, subject: 'sub-ana', userId: ana, email: 'ana@acme.example', sid: 's1', at: 100 }
    expect(await store().recordSsoSignIn(signIn)).toBe('recorded')
    expect(await store().ssoUserOfSubject(org, iss, 'sub-ana')).toBe(ana)
    expect(await store().ssoUserOfSubject(org, 'https://other.example', 'sub-ana')).toBeNull()
    expect(await store().recordSsoSignIn({ ...signIn, userId: bob })).toBe('subject_taken')
    expect(await store().recordSsoSignIn({ ...signIn, subject: 'another' })).toBe('user_bound')
    expect((await store().ssoSessionOf(ana))!.identity).toEqual({ issuer: iss, subject: 'sub-ana', email: 'ana@acme.example', sid: 's1', authenticatedAt: 100, endedAt: null })
    expect(await store().ssoSessionOf(bob)).toEqual({ org, reauthMs: 3_600_000, identity: null })

    // A logout by subject, or by the provider's session id, ends it; a later sign-in holds again (the logout's time stays).
    expect(await store().endSsoSessions(org, iss, { subject: 'sub-ana' }, 200)).toEqual([ana])
    expect((await store().ssoSessionOf(ana))!.identity!.endedAt).toBe(200)
    expect(await store().recordSsoSignIn({ ...signIn, sid: 's2', at: 300 })).toBe('recorded')
    expect((await store().ssoSessionOf(ana))!.identity).toMatchObject({ sid: 's2', authenticatedAt: 300, endedAt: 200 })
    expect(await store().endSsoSessions(org, iss, { sid: 's1' }, 400)).toEqual([])
    expect(await store().endSsoSessions(org, 'https://other.example', { sid: 's2' }, 400)).toEqual([])
    expect(await store().endSsoSessions(org, iss, {}, 400)).toEqual([])
    expect(await store().endSsoSessions(org, iss, { sid: 's2' }, 400)).toEqual([ana])
    expect((await store().ssoSessionOf(ana))!.identity!.endedAt).toBe(400)

    await store().setSsoConfig(org, config({ issuer: iss, requireSso: false }))
    expect(await store().ssoSessionOf(ana)).toBeNull()
    // The identity stays bound (the key directory shows it) whether or not SSO is required.
    expect(await store().ssoIdentityOf(ana)).toMatchObject({ issuer: iss, subject: 'sub-ana', email: 'ana@acme.example' })
    expect(await store().ssoIdentityOf(bob)).toBeNull()
  })

  it("deviceAccess: a device's user and status, and whether its user's organisation has identity-provider settings", async () => {
    const org = newOrgId()
    await store().createOrganisation({ id: org, name: 'Acme', signup: 'open', createdAt: 1 })
    const ana = newUserId()
    const phone = deviceRecord(ana)
    await store().createUser(ana, phone, { org, guest: false })
    const laptop = deviceRecord(ana, 'pending')
    await store().addDevice(laptop)
    expect(await store().deviceAccess(phone.deviceId)).toEqual({ userId: ana, status: 'active', orgHasSso: false })
    expect(await store().deviceAccess(laptop.deviceId)).toEqual({ userId: ana, status: 'pending', orgHasSso: false })
    expect(await store().deviceAccess(deviceRecord(ana).deviceId)).toBeNull()
    // Settings that do not require SSO still count: the organisation's policy may require it.
    await store().setSsoConfig(org, config({ requireSso: false }))
    expect(await store().deviceAccess(phone.deviceId)).toEqual({ userId: ana, status: 'active', orgHasSso: true })
    await store().revokeDevice(phone.deviceId, ana)
    expect(await store().deviceAccess(phone.deviceId)).toEqual({ userId: ana, status: 'revoked', orgHasSso: true })
    // Another organisation's settings are not this one's.
    const other = newOrgId()
    await store().createOrganisation({ id: other, name: 'Other', signup: 'open', createdAt: 1 })
    const bob = newUserId()
    const bobs = deviceRecord(bob)
    await store().createUser(bob, bobs, { org: other, guest: false })
    expect(await store().deviceAccess(bobs.deviceId)).toEqual({ userId: bob, status: 'active', orgHasSso: false })
  })

  it('erasure removes the identity, so the subject is free again', async () => {
    const org = newOrgId()
    await store().createOrganisation({ id: org, name: 'Acme', signup: 'open', createdAt: 1 })
    await store().setSsoConfig(org, config())
    const ana: UserId = newUserId()
    await store().createUser(ana, deviceRecord(ana), { org, guest: false })
    await store().recordSsoSignIn({ org, issuer: config().issuer, subject: 'sub', userId: ana, email: 'a@acme.example', sid: null, at: 1 })
    await store().eraseUser(ana)
    expect(await store().ssoUserOfSubject(org, config().issuer, 'sub')).toBeNull()
  })
}
