// Deprovisioning removes the person from every conversation by an MLS commit (docs/protocol.md
// §5.7, docs/organisations.md "Provisioning"), through a real server and real SDK clients: three
// people of acme chat in three conversations (one made by the person who goes); carol is
// deactivated over SCIM; the server proposes her removal as each group's external sender, the
// next member online commits it; within a generous bound no group's tree holds her, the others
// see "… removed carol", she has no session or socket, and the others go on talking. A server
// proposal to remove someone who still has devices is refused by the members.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadPublicGroup, proposeServerRemoval, getSuites, serverSenderOf, treeLeaves } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import type { DeviceId, GroupId, MessageId, SessionEndReason } from '@candor/protocol'
import { toBase64Url } from '@candor/protocol'
import { CandorClient, MemoryLocalStore } from '../src/index.ts'
import { options, waitFor } from './dev-env.ts'
import { startOrgEnv, type OrgEnv } from './org-env.ts'
import { PATCH_OP, USER, scim } from './scim-http.ts'

let o: OrgEnv
let token: string
const call = (method: string, path: string, body?: unknown) => scim(o.env.server.url, method, path, { token, body })
const ctx = () => o.env.server.context
const ids: Record<string, string> = {}
const people: Record<string, CandorClient> = {}

async function provision(name: string, store = new MemoryLocalStore()): Promise<CandorClient> {
  const userId = `${name}@acme.example`
  const r = await call('POST', '/Users', { schemas: [USER], userName: userId, externalId: `idp-${name}` })
  expect(r.status, JSON.stringify(r.json)).toBe(201)
  ids[name] = r.json.id
  const c = await CandorClient.register(options(o.env.server.url, store), userId, `${name}-device`)
  o.env.clients.push(c)
  await c.connect()
  return c
}

/** The user ids of a group's leaves, as the server's stored GroupInfo has them. */
async function serverTreeUsers(groupId: string): Promise<string[]> {
  const gi = await ctx().store.groupInfo(groupId as GroupId)
  return gi ? treeLeaves(loadPublicGroup(gi).tree).map((l) => l.userId) : []
}

async function received(c: CandorClient, conversation: string, text: string): Promise<void> {
  await waitFor(async () => (await c.history(conversation)).some((m) => m.text === text), `${c.userId} to receive "${text}"`, 60_000)
}

beforeAll(async () => {
  o = await startOrgEnv()
  const owner = await o.person('owen@acme.example', 'acme')
  await o.root.admin.grant('owen@acme.example', 'owner')
  token = (await owner.admin.createScimToken('acme')).token
  await o.root.admin.setSignup('acme', 'closed')
  for (const n of ['alice', 'bob', 'carol']) people[n] = await provision(n)
}, 120_000)
afterAll(async () => o.close())

describe('deprovisioning removes the person from every conversation by an MLS commit', () => {
  const conversations = { all: '', aliceCarol: '', carolBob: '' }

  it('three people chat in three conversations, each group naming the server as its external sender', async () => {
    const { alice, bob, carol } = people as Record<string, CandorClient>
    conversations.all = await alice!.createConversation([bob!.userId, carol!.userId])
    conversations.aliceCarol = await alice!.createConversation([carol!.userId])
    // Made by carol: her leaf is the first, so the member who commits is not the creator.
    conversations.carolBob = await carol!.createConversation([bob!.userId])
    await carol!.send(conversations.all, 'hello all')
    await received(alice!, conversations.all, 'hello all')
    await received(bob!, conversations.all, 'hello all')
    await carol!.send(conversations.carolBob, 'hi bob')
    await received(bob!, conversations.carolBob, 'hi bob')
    await alice!.send(conversations.aliceCarol, 'hi carol')
    await received(carol!, conversations.aliceCarol, 'hi carol')
    for (const c of Object.values(conversations)) {
      expect(await serverTreeUsers(c)).toContain('carol@acme.example')
      const named = serverSenderOf(loadPublicGroup((await ctx().store.groupInfo(c as GroupId))!).groupContext.extensions)
      expect(named && toBase64Url(named.publicKey)).toBe(toBase64Url(ctx().mlsSender.publicKey))
    }
  }, 120_000)

  it('carol deactivated over SCIM: every conversation gets a commit removing her; the others see it; she has no session', async () => {
    const { alice, bob, carol } = people as Record<string, CandorClient>
    const endings: SessionEndReason[] = []
    carol!.on('session_ended', (e) => endings.push(e.reason))
    const t0 = Date.now()
    const r = await call('PATCH', `/Users/${ids.carol}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })
    expect(r.json).toMatchObject({ active: false })
    const done = new Map<string, number>()
    await waitFor(
      async () => {
        for (const c of Object.values(conversations)) {
          if (!done.has(c) && !(await serverTreeUsers(c)).includes('carol@acme.example')) done.set(c, Date.now() - t0)
        }
        return done.size === Object.keys(conversations).length
      },
      'every conversation to have a commit removing carol',
      60_000,
    )
    // A figure, not an assertion (the machine is shared): SCIM call to the last conversation's commit.
    console.log(`[figure] SCIM deactivate → last removal commit: ${Math.max(...done.values())} ms (per conversation: ${[...done.values()].join(', ')} ms)`)
    await waitFor(() => endings.length > 0, 'carol’s session to end')
    expect(endings).toEqual(['revoked'])
    expect(await ctx().bus.isOnline(carol!.deviceId as DeviceId)).toBe(false)
    // The others' own states follow, and they see the line.
    const line = async (c: CandorClient, conversation: string) =>
      (await c.history(conversation)).some((m) => m.kind === 'members' && (m.members?.removed ?? []).includes('carol@acme.example'))
    for (const [who, convs] of [
      [alice!, [conversations.all, conversations.aliceCarol]],
      [bob!, [conversations.all, conversations.carolBob]],
    ] as const) {
      for (const c of convs) {
        await waitFor(() => who.conversations().find((x) => x.id === c)?.members.includes('carol@acme.example') === false, `${who.userId}'s state of ${c} without carol`, 60_000)
        await waitFor(() => line(who, c), `${who.userId} to see "… removed carol" in ${c}`, 60_000)
      }
    }
    // The group goes on without her.
    await bob!.send(conversations.all, 'still here')
    await received(alice!, conversations.all, 'still here')
  }, 120_000)

  it('with every other member offline, the removal waits for the first one to come back, who commits it', async () => {
    const erinStore = new MemoryLocalStore()
    const [dave, erin] = [await provision('dave'), await provision('erin', erinStore)]
    const conv = await dave.createConversation([erin.userId])
    await dave.send(conv, 'hi erin')
    await received(erin, conv, 'hi erin')
    erin.close()
    await waitFor(async () => (await ctx().store.pendingCount(erin.deviceId as DeviceId)) === 0, 'erin’s queue to be acknowledged')
    const r = await call('PATCH', `/Users/${ids.dave}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })
    expect(r.json).toMatchObject({ active: false })
    // The proposal waits in erin's queue; nobody online can commit it.
    await waitFor(async () => (await ctx().store.pendingCount(erin.deviceId as DeviceId)) > 0, 'the proposal to be queued for erin')
    await new Promise((res) => setTimeout(res, 1_500))
    expect(await serverTreeUsers(conv)).toContain('dave@acme.example')
    const again = (await CandorClient.open(options(o.env.server.url, erinStore)))!
    o.env.clients.push(again)
    await again.connect()
    await waitFor(async () => !(await serverTreeUsers(conv)).includes('dave@acme.example'), 'erin to commit dave’s removal', 60_000)
    await waitFor(async () => (await again.history(conv)).some((m) => m.kind === 'members' && (m.members?.removed ?? []).includes('dave@acme.example')), 'erin’s "removed dave" line', 60_000)
  }, 120_000)

  it('a reset moves a conversation onto a group that names the server as its sender (how groups made before get it)', async () => {
    const { alice, bob } = people as Record<string, CandorClient>
    const newGroup = await alice!.reset(conversations.all)
    await waitFor(async () => (await ctx().store.groupInfo(newGroup as GroupId)) !== null, 'the new group')
    const named = serverSenderOf(loadPublicGroup((await ctx().store.groupInfo(newGroup as GroupId))!).groupContext.extensions)
    expect(named && toBase64Url(named.publicKey)).toBe(toBase64Url(ctx().mlsSender.publicKey))
    await waitFor(async () => (await serverTreeUsers(newGroup)).includes(bob!.userId), 'bob in the new group', 60_000)
    await alice!.send(conversations.all, 'after the reset')
    await received(bob!, conversations.all, 'after the reset')
  }, 120_000)

  it('members refuse a server proposal to remove someone who still has devices', async () => {
    const { alice, bob } = people as Record<string, CandorClient>
    const errors: string[] = []
    alice!.on('error', (e) => errors.push(e.where))
    // The conversation's current group (a reset above replaced the first).
    const groupId = (await ctx().store.groupResets(conversations.all as GroupId)).to?.groupId ?? (conversations.all as GroupId)
    const gi = loadPublicGroup((await ctx().store.groupInfo(groupId))!)
    const bobLeaf = treeLeaves(gi.tree).find((l) => l.userId === bob!.userId)!.leafIndex
    const s = ctx().mlsSender
    // The server's own key, as an operator that turned hostile would sign it.
    const p = await proposeServerRemoval(await getSuites(nodeCryptoProvider()), gi.groupInfo, bobLeaf, s.publicKey, s.secretKey)
    const recipients = [...((await ctx().roster.members(groupId))?.members ?? [])]
    await new Promise<void>((resolve, reject) =>
      ctx().delivery.submit(
        { messageId: toBase64Url(p.ref.subarray(0, 16)) as MessageId, groupId, sender: 'AAAAAAAAAAAAAAAAAAAAAA' as DeviceId, kind: 3, sentAt: Date.now(), payload: p.message, recipients },
        (e, r) => (r ? resolve() : reject(e)),
      ),
    )
    await waitFor(() => errors.some((w) => w.includes('still has devices')), 'alice to refuse the proposal', 60_000)
    // Nobody committed it: bob is still in the group, and it still works.
    await new Promise((r) => setTimeout(r, 2_000))
    expect(await serverTreeUsers(groupId)).toContain(bob!.userId)
    await alice!.send(conversations.all, 'bob, you are still here')
    await received(bob!, conversations.all, 'bob, you are still here')
  }, 120_000)
})
