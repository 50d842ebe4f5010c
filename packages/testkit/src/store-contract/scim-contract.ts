// SCIM provisioning: tokens by digest, provisioned people (linking, uniqueness, versions, the
// rejoin of a reactivated person, deletion that keeps an existing account's id for the same
// person), erased ids that come back only under the same externalId, and groups of provisioned people.
import { expect, it } from 'vitest'
import { CandorError, randomBytes, scimTokenDigest, newScimToken, toBase64Url, type GroupId, type OrgId, type UserId } from '@candor/protocol'
import type { NewScimUser, Store } from '@candor/ports'
import { deviceRecord, newUserId, type StoreRef } from './fixtures.ts'

const hex = (n: number) => Array.from(randomBytes(n), (b) => b.toString(16).padStart(2, '0')).join('')
const newOrg = async (s: Store, signup: 'open' | 'closed' = 'closed'): Promise<OrgId> => {
  const id = `s${hex(6)}` as OrgId
  await s.createOrganisation({ id, name: id, signup, createdAt: 1 })
  return id
}
const rid = () => toBase64Url(randomBytes(12))
const person = (org: OrgId, userId: UserId = newUserId(), externalId: string | null = `ext-${hex(4)}`, createdAt = Date.now()): NewScimUser => ({
  id: rid(),
  org,
  userId,
  externalId,
  active: true,
  attributes: JSON.stringify({ displayName: 'Babs Jensen' }),
  createdAt,
})

export function scimContract(store: StoreRef): void {
  it('finds a token by its digest only, lists an organisation’s tokens and revokes one once', async () => {
    const [a, b] = [await newOrg(store()), await newOrg(store())]
    const token = newScimToken()
    const t = { id: rid(), org: a, digest: scimTokenDigest(token), createdBy: newUserId(), createdAt: 10, revokedAt: null }
    await store().createScimToken(t)
    expect(await store().scimTokenByDigest(t.digest)).toEqual(t)
    expect(await store().scimTokenByDigest(scimTokenDigest(newScimToken()))).toBeNull()
    expect(await store().listScimTokens(a)).toEqual([t])
    expect(await store().listScimTokens(b)).toEqual([])
    expect(await store().revokeScimToken(b, t.id, 20)).toBe(false)
    expect(await store().revokeScimToken(a, t.id, 20)).toBe(true)
    expect(await store().revokeScimToken(a, t.id, 30)).toBe(false)
    expect(await store().scimTokenByDigest(t.digest)).toEqual({ ...t, revokedAt: 20 })
  })

  it('provisions a person once; the user id and the externalId are unique; another organisation sees nothing', async () => {
    const [a, b] = [await newOrg(store()), await newOrg(store())]
    const p = person(a)
    expect(await store().createScimUser(p)).toBe('created')
    const got = await store().getScimUser(a, p.id)
    expect(got).toEqual({ ...p, version: 1, updatedAt: p.createdAt, rejoin: false })
    expect(await store().scimUserOf(p.userId)).toEqual(got)
    expect(await store().getScimUser(b, p.id)).toBeNull()
    expect(await store().createScimUser(person(a, p.userId))).toBe('user_name_taken')
    expect(await store().createScimUser(person(b, p.userId))).toBe('user_name_taken')
    expect(await store().createScimUser(person(a, newUserId(), p.externalId))).toBe('external_id_taken')
    // The same externalId in another organisation is another person's.
    expect(await store().createScimUser(person(b, newUserId(), p.externalId))).toBe('created')
    expect((await store().listScimUsers(a, {}, 0, 10)).total).toBe(1)
  })

  it('links an existing member, refuses a member of another organisation or a guest', async () => {
    const [a, b] = [await newOrg(store()), await newOrg(store())]
    const member = newUserId()
    await store().createUser(member, deviceRecord(member), { org: a, guest: false })
    const guest = newUserId()
    await store().createUser(guest, deviceRecord(guest), { org: a, guest: true })
    expect(await store().createScimUser(person(b, member))).toBe('user_name_taken')
    expect(await store().createScimUser(person(a, guest))).toBe('user_name_taken')
    expect(await store().createScimUser(person(a, member))).toBe('created')
  })

  it('lists by user id and externalId, pages by creation and counts all matches', async () => {
    const a = await newOrg(store())
    const people = [person(a, newUserId(), 'x1', 100), person(a, newUserId(), 'x2', 101), person(a, newUserId(), null, 102)]
    for (const p of people) expect(await store().createScimUser(p)).toBe('created')
    const all = await store().listScimUsers(a, {}, 0, 2)
    expect(all.total).toBe(3)
    expect(all.items.map((u) => u.id)).toEqual([people[0]!.id, people[1]!.id])
    expect((await store().listScimUsers(a, {}, 2, 2)).items.map((u) => u.id)).toEqual([people[2]!.id])
    expect((await store().listScimUsers(a, { userId: people[1]!.userId }, 0, 10)).items.map((u) => u.id)).toEqual([people[1]!.id])
    expect((await store().listScimUsers(a, { externalId: 'x1' }, 0, 10)).items.map((u) => u.id)).toEqual([people[0]!.id])
    expect(await store().listScimUsers(a, { externalId: 'nobody' }, 0, 10)).toEqual({ total: 0, items: [] })
  })

  it('updates with a version check; reactivation sets rejoin, deactivation clears it', async () => {
    const a = await newOrg(store())
    const p = person(a)
    const other = person(a)
    await store().createScimUser(p)
    await store().createScimUser(other)
    const change = { externalId: p.externalId, active: false, attributes: '{"displayName":"B"}', at: 500 }
    expect(await store().updateScimUser(a, p.id, change, 7)).toBe('version_mismatch')
    expect(await store().updateScimUser(a, p.id, { ...change, externalId: other.externalId }, null)).toBe('external_id_taken')
    expect(await store().updateScimUser(await newOrg(store()), p.id, change, null)).toBe('not_found')
    expect(await store().updateScimUser(a, p.id, change, 1)).toMatchObject({ version: 2, active: false, rejoin: false, updatedAt: 500, attributes: '{"displayName":"B"}' })
    expect(await store().updateScimUser(a, p.id, { ...change, active: true }, 2)).toMatchObject({ version: 3, active: true, rejoin: true })
    expect(await store().updateScimUser(a, p.id, { ...change, active: true }, null)).toMatchObject({ version: 4, rejoin: true })
    expect(await store().updateScimUser(a, p.id, change, null)).toMatchObject({ version: 5, rejoin: false })
  })

  it('lets a reactivated person add one first device again, and no one else', async () => {
    const a = await newOrg(store())
    const p = person(a)
    await store().createScimUser(p)
    const first = deviceRecord(p.userId)
    await store().createUser(p.userId, first, { org: a, guest: false })
    // Not reactivated: refused.
    expect(await store().addProvisionedDevice(deviceRecord(p.userId))).toBe(false)
    await store().updateScimUser(a, p.id, { externalId: p.externalId, active: false, attributes: '{}', at: 1 }, null)
    await store().updateScimUser(a, p.id, { externalId: p.externalId, active: true, attributes: '{}', at: 2 }, null)
    // Still an active device: refused.
    expect(await store().addProvisionedDevice(deviceRecord(p.userId))).toBe(false)
    await store().revokeDevice(first.deviceId, p.userId)
    expect(await store().activeDevicesOf(p.userId)).toEqual([])
    const again = deviceRecord(p.userId)
    const before = (await store().directoryBacklog(10_000)).length
    expect(await store().addProvisionedDevice(again)).toBe(true)
    expect((await store().directoryBacklog(10_000)).length).toBe(before + 1)
    expect(await store().activeDevicesOf(p.userId)).toEqual([again.deviceId])
    expect((await store().getScimUser(a, p.id))!.rejoin).toBe(false)
    await store().revokeDevice(again.deviceId, p.userId)
    expect(await store().addProvisionedDevice(deviceRecord(p.userId))).toBe(false)
    // Someone never provisioned: refused.
    const u = newUserId()
    await store().createUser(u, deviceRecord(u, 'revoked'), { org: a, guest: false })
    expect(await store().addProvisionedDevice(deviceRecord(u))).toBe(false)
  })

  it('deletes a person: gone from reads and groups; an existing account’s id comes back only to the same externalId', async () => {
    const a = await newOrg(store())
    const p = person(a)
    const q = person(a)
    await store().createScimUser(p)
    await store().createScimUser(q)
    await store().createUser(p.userId, deviceRecord(p.userId), { org: a, guest: false })
    const g = { id: rid(), org: a, displayName: 'Tour Guides', externalId: null, members: [p.id, q.id].sort(), createdAt: 5 }
    expect(await store().createScimGroup(g)).toBe('created')
    expect(await store().deleteScimUser(a, p.id, 9)).toBe('version_mismatch')
    expect(await store().deleteScimUser(a, p.id, 1)).toMatchObject({ id: p.id })
    expect(await store().getScimUser(a, p.id)).toBeNull()
    expect(await store().scimUserOf(p.userId)).toBeNull()
    expect(await store().deleteScimUser(a, p.id, null)).toBe('not_found')
    expect(await store().getScimGroup(a, g.id)).toMatchObject({ members: [q.id], version: 2 })
    expect(await store().createScimUser(person(a, p.userId, 'someone-else'))).toBe('user_name_taken')
    // Still an active device: linked without rejoin.
    const again = person(a, p.userId, p.externalId)
    expect(await store().createScimUser(again)).toBe('created')
    expect((await store().getScimUser(a, again.id))!.rejoin).toBe(false)
    // Deprovisioned (every device revoked), deleted, provisioned again: they may register a device again.
    await store().revokeDevice((await store().activeDevicesOf(p.userId))[0]!, p.userId)
    await store().deleteScimUser(a, again.id, null)
    const third = person(a, p.userId, p.externalId)
    expect(await store().createScimUser(third)).toBe('created')
    expect((await store().getScimUser(a, third.id))!.rejoin).toBe(true)
    expect(await store().addProvisionedDevice(deviceRecord(p.userId))).toBe(true)
    // q never registered: once deleted, nothing of them is kept.
    await store().deleteScimUser(a, q.id, null)
    expect(await store().createScimUser(person(a, q.userId, 'another'))).toBe('created')
  })

  it('brings back an erased person only under the same externalId, in the same organisation', async () => {
    const [a, b] = [await newOrg(store()), await newOrg(store())]
    const p = person(a)
    await store().createScimUser(p)
    await store().createUser(p.userId, deviceRecord(p.userId), { org: a, guest: false })
    const g = { id: rid(), org: a, displayName: 'G', externalId: null, members: [p.id], createdAt: 5 }
    await store().createScimGroup(g)
    await store().eraseUser(p.userId)
    expect(await store().scimUserOf(p.userId)).toBeNull()
    expect((await store().getScimGroup(a, g.id))!.members).toEqual([])
    const err = await store().createUser(p.userId, deviceRecord(p.userId), { org: a, guest: false }).catch((e: unknown) => e)
    expect((err as CandorError).code).toBe('user_id_reserved')
    expect(await store().createScimUser(person(a, p.userId, 'impostor'))).toBe('reserved')
    expect(await store().createScimUser(person(a, p.userId, null))).toBe('reserved')
    expect(await store().createScimUser(person(b, p.userId, p.externalId))).toBe('reserved')
    const back = person(a, p.userId, p.externalId)
    expect(await store().createScimUser(back)).toBe('created')
    // Only through the organisation that brought them back.
    const elsewhere = await store().createUser(p.userId, deviceRecord(p.userId), { org: b, guest: false }).catch((e: unknown) => e)
    expect((elsewhere as CandorError).code).toBe('user_id_reserved')
    await store().createUser(p.userId, deviceRecord(p.userId), { org: a, guest: false })
    expect(await store().membershipOf(p.userId)).toEqual({ userId: p.userId, org: a, guest: false })
  })

  it('keeps groups of the organisation’s provisioned people, versioned', async () => {
    const [a, b] = [await newOrg(store()), await newOrg(store())]
    const p = person(a)
    const foreign = person(b)
    await store().createScimUser(p)
    await store().createScimUser(foreign)
    expect(await store().createScimGroup({ id: rid(), org: a, displayName: 'X', externalId: null, members: [foreign.id], createdAt: 1 })).toBe('unknown_member')
    const g = { id: rid(), org: a, displayName: 'Tour Guides', externalId: 'eg', members: [], createdAt: 10 }
    expect(await store().createScimGroup(g)).toBe('created')
    expect(await store().getScimGroup(a, g.id)).toEqual({ ...g, version: 1, updatedAt: 10 })
    expect(await store().getScimGroup(b, g.id)).toBeNull()
    const change = { displayName: 'Guides', externalId: 'eg', members: [p.id], at: 20 }
    expect(await store().updateScimGroup(a, g.id, change, 3)).toBe('version_mismatch')
    expect(await store().updateScimGroup(a, g.id, { ...change, members: [foreign.id] }, null)).toBe('unknown_member')
    expect(await store().updateScimGroup(b, g.id, change, null)).toBe('not_found')
    expect(await store().updateScimGroup(a, g.id, change, 1)).toEqual({ ...g, displayName: 'Guides', members: [p.id], version: 2, updatedAt: 20 })
    expect((await store().listScimGroups(a, { displayName: 'Guides' }, 0, 10)).items.map((x) => x.id)).toEqual([g.id])
    expect((await store().listScimGroups(a, { externalId: 'eg' }, 0, 10)).total).toBe(1)
    expect((await store().listScimGroups(b, {}, 0, 10)).total).toBe(0)
    expect(await store().deleteScimGroup(a, g.id, 1)).toBe('version_mismatch')
    expect(await store().deleteScimGroup(a, g.id, 2)).toMatchObject({ id: g.id })
    expect(await store().getScimGroup(a, g.id)).toBeNull()
  })

  it('gives a user id to one of two organisations provisioning it at once', async () => {
    const orgs = await Promise.all(Array.from({ length: 4 }, () => newOrg(store())))
    const userId = newUserId()
    const results = await Promise.all(orgs.map((o) => store().createScimUser(person(o, userId))))
    expect(results.filter((r) => r === 'created')).toHaveLength(1)
    expect(results.filter((r) => r === 'user_name_taken')).toHaveLength(3)
  })

  it('links conversations to the organisation’s SCIM groups only; deleting the SCIM group deletes its links', async () => {
    const [a, b] = [await newOrg(store()), await newOrg(store())]
    const p = person(a)
    expect(await store().createScimUser(p)).toBe('created')
    const g = { id: rid(), org: a, displayName: 'Engineering', externalId: null, members: [p.id], createdAt: 10 }
    const other = { id: rid(), org: b, displayName: 'Sales', externalId: null, members: [], createdAt: 10 }
    expect(await store().createScimGroup(g)).toBe('created')
    expect(await store().createScimGroup(other)).toBe('created')
    const groupId = toBase64Url(randomBytes(16)) as GroupId
    const link = { org: a, groupId, scimGroupId: g.id, linkedBy: p.userId, linkedAt: 20 }
    // Another organisation's SCIM group, or none: nothing stored.
    expect(await store().setDirectoryLink({ ...link, scimGroupId: other.id })).toBe('unknown_group')
    expect(await store().setDirectoryLink({ ...link, scimGroupId: rid() })).toBe('unknown_group')
    expect(await store().directoryLinkOf(groupId)).toBeNull()
    expect(await store().setDirectoryLink(link)).toBe('linked')
    expect(await store().directoryLinkOf(groupId)).toEqual(link)
    expect(await store().listDirectoryLinks(a)).toEqual([link])
    expect(await store().listDirectoryLinks(b)).toEqual([])
    expect(await store().linksOfScimGroup(a, g.id)).toEqual([link])
    expect(await store().linksOfScimGroup(b, g.id)).toEqual([])
    expect((await store().scimGroupsOfUser(a, p.id)).map((x) => x.id)).toEqual([g.id])
    expect(await store().scimGroupsOfUser(b, p.id)).toEqual([])
    // Another organisation cannot unlink it.
    expect(await store().deleteDirectoryLink(b, groupId)).toBe(false)
    expect(await store().deleteDirectoryLink(a, groupId)).toBe(true)
    expect(await store().deleteDirectoryLink(a, groupId)).toBe(false)
    expect(await store().setDirectoryLink(link)).toBe('linked')
    expect(await store().deleteScimGroup(a, g.id, null)).toMatchObject({ id: g.id })
    expect(await store().directoryLinkOf(groupId)).toBeNull()
    expect(await store().linksOfScimGroup(a, g.id)).toEqual([])
  })
}
