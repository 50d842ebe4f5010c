// Directory-linked conversations (docs/protocol.md §5.9), through a real server and real SDK
// clients: alice (an admin of acme) links a conversation she is in to acme's SCIM group
// "Engineering"; the identity provider adds dave to the group → a member adds him by a commit and
// he reads what is sent after; it takes him out → a member removes him by a commit and he gets
// nothing after; a conversation not linked is untouched. Refusals — no permission, an admin of
// another organisation, an admin who is not in the conversation, another organisation's SCIM
// group, a group id that is not canonical — change nothing and write nothing to the audit trail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadPublicGroup, treeLeaves } from '@candor/crypto'
import { encodeNotice, type GroupId, type OrgId } from '@candor/protocol'
import { CandorClient, MemoryLocalStore } from '../src/index.ts'
import { options, waitFor } from './dev-env.ts'
import { refusal, startOrgEnv, type OrgEnv } from './org-env.ts'
import { GROUP, PATCH_OP, USER, scim } from './scim-http.ts'

let o: OrgEnv
let token: string
let owner: CandorClient
const call = (method: string, path: string, body?: unknown) => scim(o.env.server.url, method, path, { token, body })
const ctx = () => o.env.server.context
const ids: Record<string, string> = {}
const people: Record<string, CandorClient> = {}
let engineering = ''
let globexGroup = ''
const conversations = { linked: '', unlinked: '' }

async function provision(name: string): Promise<CandorClient> {
  const userId = `${name}@acme.example`
  const r = await call('POST', '/Users', { schemas: [USER], userName: userId, externalId: `idp-${name}` })
  expect(r.status, JSON.stringify(r.json)).toBe(201)
  ids[name] = r.json.id
  const c = await CandorClient.register(options(o.env.server.url, new MemoryLocalStore()), userId, `${name}-device`)
  o.env.clients.push(c)
  await c.connect()
  return c
}

async function serverTreeUsers(groupId: string): Promise<string[]> {
  const gi = await ctx().store.groupInfo(groupId as GroupId)
  return gi ? treeLeaves(loadPublicGroup(gi).tree).map((l) => l.userId) : []
}

async function received(c: CandorClient, conversation: string, text: string): Promise<void> {
  await waitFor(async () => (await c.history(conversation)).some((m) => m.text === text), `${c.userId} to receive "${text}"`, 60_000)
}

async function auditActions(): Promise<string[]> {
  return (await owner.admin.audit('acme')).entries.map((e) => e.entry.action)
}
const count = (xs: string[], a: string) => xs.filter((x) => x === a).length

beforeAll(async () => {
  o = await startOrgEnv()
  owner = await o.person('owen@acme.example', 'acme')
  await o.root.admin.grant('owen@acme.example', 'owner')
  token = (await owner.admin.createScimToken('acme')).token
  await o.root.admin.setSignup('acme', 'closed')
  for (const n of ['alice', 'bob', 'dave']) people[n] = await provision(n)
  await o.root.admin.grant('alice@acme.example', 'admin')
  const g = await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', members: [{ value: ids.alice }, { value: ids.bob }] })
  expect(g.status, JSON.stringify(g.json)).toBe(201)
  engineering = g.json.id
  // Globex: an admin of its own, and a SCIM group of its own.
  const gina = await o.person('gina@globex.example', 'globex')
  people.gina = gina
  await o.root.admin.grant('gina@globex.example', 'admin')
  globexGroup = 'GlobexGroup00001'
  await ctx().store.createScimGroup({ id: globexGroup, org: 'globex' as OrgId, displayName: 'Globex sales', externalId: null, members: [], createdAt: Date.now() })
  await gina.connect()
}, 120_000)
afterAll(async () => o.close())

describe('a conversation follows a SCIM group of its organisation', () => {
  it('alice makes two conversations with bob', async () => {
    const { alice, bob } = people as Record<string, CandorClient>
    conversations.linked = await alice!.createConversation([bob!.userId])
    conversations.unlinked = await alice!.createConversation([bob!.userId])
    await alice!.send(conversations.linked, 'hello bob')
    await received(bob!, conversations.linked, 'hello bob')
  }, 120_000)

  it('refuses a link by a person without the permission, an admin of another organisation, an admin not in it, to another organisation’s group, or by a non-canonical id — nothing changed', async () => {
    const { alice, bob, gina } = people as Record<string, CandorClient>
    const before = await auditActions()
    const c = conversations.linked
    expect(await refusal(bob!.admin.linkConversation('acme', c, engineering))).toMatchObject({ code: 'forbidden' })
    expect(await refusal(gina!.admin.linkConversation('acme', c, engineering))).toMatchObject({ code: 'not_found' })
    expect(await refusal(gina!.admin.linkConversation('globex', c, globexGroup))).toMatchObject({ code: 'not_found', message: expect.stringContaining('no such conversation') })
    // The owner holds the permission but is not in the conversation: a stranger to it.
    expect(await refusal(owner.admin.linkConversation('acme', c, engineering))).toMatchObject({ code: 'not_found', message: expect.stringContaining('no such conversation') })
    expect(await refusal(alice!.admin.linkConversation('acme', c, globexGroup))).toMatchObject({ code: 'not_found', message: expect.stringContaining('SCIM group') })
    expect(await refusal(alice!.admin.linkConversation('acme', 'not-a-group-id', engineering))).toMatchObject({ code: 'bad_request', message: expect.stringContaining('groupId') })
    expect(await refusal(alice!.admin.linkConversation('acme', c, 'short'))).toMatchObject({ code: 'bad_request', message: expect.stringContaining('scimGroupId') })
    expect(await refusal(alice!.admin.unlinkConversation('acme', c))).toMatchObject({ code: 'not_found' })
    expect(await refusal(bob!.admin.directoryLinks('acme'))).toMatchObject({ code: 'forbidden' })
    expect(await refusal(gina!.admin.directoryLinks('acme'))).toMatchObject({ code: 'not_found' })
    expect(await ctx().store.directoryLinkOf(c as GroupId)).toBeNull()
    expect(await bob!.directoryLink(c)).toBeNull()
    expect(await auditActions()).toEqual(before)
  }, 120_000)

  it('alice links it: audited first; the members see which group it follows', async () => {
    const { alice, bob } = people as Record<string, CandorClient>
    const link = await alice!.admin.linkConversation('acme', conversations.linked, engineering)
    expect(link).toMatchObject({ groupId: conversations.linked, scimGroupId: engineering, displayName: 'Engineering', linkedBy: 'alice@acme.example' })
    expect(await alice!.admin.directoryLinks('acme')).toEqual([link])
    expect(count(await auditActions(), 'directory.link')).toBe(1)
    expect(await bob!.directoryLink(conversations.linked)).toEqual({ org: 'acme', scimGroupId: engineering, displayName: 'Engineering' })
    expect(await bob!.directoryLink(conversations.unlinked)).toBeNull()
    // Everyone of the group is in it already: nothing to change.
    expect(count(await auditActions(), 'directory.members')).toBe(0)
  }, 120_000)

  it('SCIM adds dave to the group: a member adds him by a commit; he reads what is sent after; the unlinked conversation is untouched', async () => {
    const { alice, bob, dave } = people as Record<string, CandorClient>
    const t0 = Date.now()
    const r = await call('PATCH', `/Groups/${engineering}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: ids.dave }] }] })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    await waitFor(async () => (await serverTreeUsers(conversations.linked)).includes('dave@acme.example'), 'dave in the linked conversation’s tree', 60_000)
    // A figure, not an assertion (the machine is shared): SCIM call to the accepted add commit.
    console.log(`[figure] SCIM group add → add commit: ${Date.now() - t0} ms`)
    await waitFor(() => dave!.conversations().some((c) => c.id === conversations.linked), 'dave to hold the conversation', 60_000)
    await alice!.send(conversations.linked, 'welcome dave')
    await received(dave!, conversations.linked, 'welcome dave')
    await received(bob!, conversations.linked, 'welcome dave')
    const audit = (await owner.admin.audit('acme')).entries.filter((e) => e.entry.action === 'directory.members')
    expect(audit.map((e) => e.entry.details)).toEqual([{ scimGroupId: engineering, add: ['dave@acme.example'], remove: [] }])
    expect(audit[0]!.entry.target).toBe(`group:${conversations.linked}`)
    expect(await serverTreeUsers(conversations.unlinked)).not.toContain('dave@acme.example')
    expect(dave!.conversations().some((c) => c.id === conversations.unlinked)).toBe(false)
  }, 120_000)

  it('SCIM takes dave out: a member removes him by a commit; he gets nothing after', async () => {
    const { alice, bob, dave } = people as Record<string, CandorClient>
    const t0 = Date.now()
    const r = await call('PATCH', `/Groups/${engineering}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${ids.dave}"]` }] })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    await waitFor(async () => !(await serverTreeUsers(conversations.linked)).includes('dave@acme.example'), 'dave out of the tree', 60_000)
    console.log(`[figure] SCIM group remove → remove commit: ${Date.now() - t0} ms`)
    const roster = (await ctx().roster.members(conversations.linked as GroupId))?.members ?? new Set()
    expect(roster.has(dave!.deviceId as never)).toBe(false)
    await waitFor(() => alice!.conversations().find((c) => c.id === conversations.linked)?.members.includes('dave@acme.example') === false, 'alice’s state without dave', 60_000)
    await alice!.send(conversations.linked, 'after dave')
    await received(bob!, conversations.linked, 'after dave')
    expect((await dave!.history(conversations.linked)).some((m) => m.text === 'after dave')).toBe(false)
    const audit = (await owner.admin.audit('acme')).entries.filter((e) => e.entry.action === 'directory.members')
    expect(audit.at(-1)!.entry.details).toEqual({ scimGroupId: engineering, add: [], remove: ['dave@acme.example'] })
    // The line every member sees.
    await waitFor(async () => (await bob!.history(conversations.linked)).some((m) => m.kind === 'members' && (m.members?.removed ?? []).includes('dave@acme.example')), 'bob to see "… removed dave"', 60_000)
  }, 120_000)

  it('members refuse a directory notice for a conversation that is not linked, or naming a person of another organisation', async () => {
    const { alice } = people as Record<string, CandorClient>
    const errors: string[] = []
    alice!.on('error', (e) => errors.push(e.where))
    // What a dishonest server could send: straight onto alice's socket, as the server's notices go.
    const forge = (groupId: string, add: string[]) =>
      ctx().bus.publish([{ deviceId: alice!.deviceId as never, seq: 0, frame: encodeNotice({ kind: 'directory_members', groupId, org: 'acme', scimGroupId: engineering, displayName: 'Engineering', add, remove: [] }) }])
    await forge(conversations.unlinked, ['dave@acme.example'])
    await waitFor(() => errors.some((w) => w.includes('names a link the conversation does not have')), 'alice to refuse the notice for the unlinked conversation')
    await forge(conversations.linked, ['gina@globex.example'])
    await waitFor(() => errors.some((w) => w.includes('gina@globex.example, who is not of acme')), 'alice to refuse adding a person of globex')
    expect(await serverTreeUsers(conversations.unlinked)).not.toContain('dave@acme.example')
    expect(await serverTreeUsers(conversations.linked)).not.toContain('gina@globex.example')
  }, 120_000)

  let resetGroup = ''
  it('bob resets it: the link moves to the new group (audited, actor bob), and the next SCIM change reaches it', async () => {
    const { alice, bob, dave } = people as Record<string, CandorClient>
    resetGroup = await bob!.reset(conversations.linked)
    expect(resetGroup).not.toBe(conversations.linked)
    const moved = (await owner.admin.audit('acme')).entries.filter((e) => e.entry.action === 'directory.link').at(-1)!
    expect(moved.entry.target).toBe(`group:${resetGroup}`)
    expect(moved.entry.actor).toMatchObject({ kind: 'person', id: 'bob@acme.example' })
    expect(moved.entry.details).toEqual({ scimGroupId: engineering, reason: 'reset', previousGroup: conversations.linked })
    expect((await alice!.admin.directoryLinks('acme')).map((l) => l.groupId)).toEqual([resetGroup])
    await waitFor(async () => (await alice!.directoryLink(conversations.linked))?.scimGroupId === engineering, 'alice to read the link of the group she uses now', 60_000)
    const r = await call('PATCH', `/Groups/${engineering}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: ids.dave }] }] })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    await waitFor(async () => (await serverTreeUsers(resetGroup)).includes('dave@acme.example'), 'dave in the reset group’s tree', 60_000)
    await waitFor(() => dave!.conversations().some((c) => c.id === conversations.linked), 'dave to hold the conversation again', 60_000)
  }, 300_000)

  it('alice unlinks it: audited; the members see it no more', async () => {
    const { alice, bob } = people as Record<string, CandorClient>
    await alice!.admin.unlinkConversation('acme', resetGroup)
    expect(count(await auditActions(), 'directory.unlink')).toBe(1)
    expect(await alice!.admin.directoryLinks('acme')).toEqual([])
    expect(await bob!.directoryLink(conversations.linked)).toBeNull()
  }, 120_000)
})
