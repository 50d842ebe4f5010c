// Organisations: tenants, their verified domains, and each user's membership (member or guest).
import { expect, it } from 'vitest'
import { DEFAULT_ORG_ID, randomBytes, type OrgId, type UserId } from '@candor/protocol'
import { deviceRecord, newUserId, type StoreRef } from './fixtures.ts'

const newOrgId = (): OrgId => `o${Array.from(randomBytes(6), (b) => b.toString(16).padStart(2, '0')).join('')}` as OrgId
const newDomain = (): string => `d${Array.from(randomBytes(6), (b) => b.toString(16).padStart(2, '0')).join('')}.example`

export function organisationContract(store: StoreRef): void {
  it('holds the default organisation, open to sign-up, from the first migration on', async () => {
    const d = await store().getOrganisation(DEFAULT_ORG_ID)
    expect(d).toMatchObject({ id: 'default', domains: [] })
    expect(['open', 'guests', 'closed']).toContain(d!.signup)
    expect((await store().listOrganisations()).map((o) => o.id)).toContain('default')
  })

  it('creates an organisation once and round-trips it; sets its sign-up', async () => {
    const id = newOrgId()
    expect(await store().getOrganisation(id)).toBeNull()
    expect(await store().createOrganisation({ id, name: 'Acme Ltd', signup: 'closed', createdAt: 1_700_000_000_001 })).toBe(true)
    expect(await store().createOrganisation({ id, name: 'Other', signup: 'open', createdAt: 2 })).toBe(false)
    expect(await store().getOrganisation(id)).toEqual({ id, name: 'Acme Ltd', signup: 'closed', createdAt: 1_700_000_000_001, domains: [] })
    expect(await store().setSignup(id, 'guests')).toBe(true)
    expect((await store().getOrganisation(id))!.signup).toBe('guests')
    expect(await store().setSignup(newOrgId(), 'open')).toBe(false)
  })

  it('gives each domain to one organisation', async () => {
    const a = newOrgId()
    const b = newOrgId()
    await store().createOrganisation({ id: a, name: 'A', signup: 'open', createdAt: 1 })
    await store().createOrganisation({ id: b, name: 'B', signup: 'open', createdAt: 1 })
    const [d1, d2] = [newDomain(), newDomain()].sort() as [string, string]
    expect(await store().addDomain(a, d2, 10)).toBe('added')
    expect(await store().addDomain(a, d1, 11)).toBe('added')
    expect(await store().addDomain(a, d1, 12)).toBe('unchanged')
    expect(await store().addDomain(b, d1, 13)).toBe('taken')
    expect(await store().addDomain(newOrgId(), newDomain(), 14)).toBe('no_org')
    expect((await store().getOrganisation(a))!.domains).toEqual([d1, d2])
    expect((await store().getOrganisation(b))!.domains).toEqual([])
    expect(await store().organisationOfDomain(d1)).toBe(a)
    expect(await store().organisationOfDomain(newDomain())).toBeNull()
  })

  it('two organisations adding the same domain at once: exactly one gets it', async () => {
    const orgs = [newOrgId(), newOrgId(), newOrgId()]
    for (const id of orgs) await store().createOrganisation({ id, name: id, signup: 'open', createdAt: 1 })
    const domain = newDomain()
    const results = await Promise.all(orgs.map((o) => store().addDomain(o, domain, 1)))
    expect(results.filter((r) => r === 'added')).toHaveLength(1)
    expect(results.filter((r) => r === 'taken')).toHaveLength(2)
  })

  it('records a new user’s membership in the same step; a user created without one is a member of default', async () => {
    const org = newOrgId()
    await store().createOrganisation({ id: org, name: 'M', signup: 'open', createdAt: 1 })
    const member = newUserId()
    const guest = newUserId()
    const plain = newUserId()
    await store().createUser(member, deviceRecord(member), { org, guest: false })
    await store().createUser(guest, deviceRecord(guest), { org, guest: true })
    await store().createUser(plain, deviceRecord(plain))
    expect(await store().membershipOf(member)).toEqual({ userId: member, org, guest: false })
    expect(await store().membershipOf(guest)).toEqual({ userId: guest, org, guest: true })
    expect(await store().membershipOf(plain)).toEqual({ userId: plain, org: DEFAULT_ORG_ID, guest: false })
    expect(await store().membershipOf(newUserId())).toBeNull()
    // A failed creation (the id exists) changes no membership.
    await expect(store().createUser(member, deviceRecord(member), { org: DEFAULT_ORG_ID, guest: true })).rejects.toMatchObject({ code: 'user_exists' })
    expect(await store().membershipOf(member)).toEqual({ userId: member, org, guest: false })
    const all = await store().listMembers(org, null, 10)
    expect(all).toEqual([{ userId: member, org, guest: false }, { userId: guest, org, guest: true }].sort((x, y) => (x.userId < y.userId ? -1 : 1)))
    expect(await store().listMembers(org, all[0]!.userId, 10)).toEqual(all.slice(1))
    expect(await store().listMembers(org, null, 1)).toEqual(all.slice(0, 1))
    // By prefix: members only (no guests), of this organisation only, the prefix taken literally.
    expect(await store().membersByPrefix(org, member.slice(0, 6), 10)).toEqual([{ userId: member, org, guest: false }])
    expect(await store().membersByPrefix(org, guest, 10)).toEqual([])
    expect(await store().membersByPrefix(DEFAULT_ORG_ID, member, 10)).toEqual([])
    expect(await store().membersByPrefix(org, '%', 10)).toEqual([])
    expect(await store().membersByPrefix(org, '', 1)).toHaveLength(1)
    // Erasing a user ends the membership.
    await store().eraseUser(guest)
    expect(await store().membershipOf(guest)).toBeNull()
    expect((await store().listMembers(org, null, 10)).map((m) => m.userId)).toEqual([member])
  })

  it('counts the users of a domain in other organisations, by exact domain', async () => {
    const org = newOrgId()
    await store().createOrganisation({ id: org, name: 'C', signup: 'open', createdAt: 1 })
    const domain = newDomain()
    const inOrg = `x@${domain}` as UserId
    const elsewhere = `y@${domain}` as UserId
    const lookalike = `z@sub${domain}` as UserId
    await store().createUser(inOrg, deviceRecord(inOrg), { org, guest: false })
    await store().createUser(elsewhere, deviceRecord(elsewhere))
    await store().createUser(lookalike, deviceRecord(lookalike))
    expect(await store().countDomainUsersElsewhere(domain, org)).toBe(1)
    expect(await store().countDomainUsersElsewhere(domain, DEFAULT_ORG_ID)).toBe(1)
  })
}
