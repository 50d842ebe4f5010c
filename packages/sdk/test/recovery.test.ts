// A group that a hostile member breaks with a commit nobody can process (docs/protocol.md §5.3,
// §5.4), through a real server and real clients. The hostile member is a real device whose MLS
// state is read from its own store and used to craft what the SDK never sends: a commit with a
// wrong confirmation tag (the server cannot check it, §5.1) or a junk commit (the server refuses it).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newMessageId, randomBytes, toBase64Url, fromBase64Url } from '@candor/protocol'
import { DirectoryAuthenticationService, clientConfigWith, commitWithWrongConfirmationTag, epochOf, getSuites, groupInfoForExternalJoin, junkCommit, loadState, ownLeafIndex } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { MemoryLocalStore, type CandorClient, type MemberReport, type MessageRecord } from '../src/index.ts'
import { nextMessage, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeEach(async () => {
  // A small commit budget, so a loop runs into it within a test.
  env = await startDevEnv({ recoveryLimits: { commitBurst: 3, commitEveryMs: 60_000 } })
})
afterEach(async () => {
  await env.close()
})

interface Hostile {
  client: CandorClient
  store: MemoryLocalStore
}

async function hostileMember(userId: string): Promise<Hostile> {
  const store = new MemoryLocalStore()
  return { client: await env.user(userId, store), store }
}

/** Posts a commit the hostile member crafted from its own state of the group; the server's answer. */
async function postBadCommit(h: Hostile, groupId: string, kind: 'wrong_tag' | 'junk'): Promise<{ status: number; code?: string }> {
  const suite = await getSuites(nodeCryptoProvider())
  const state = loadState((await h.store.get(`state/${groupId}`))!, clientConfigWith(new DirectoryAuthenticationService(async () => null)))
  const epoch = epochOf(state)
  const bad =
    kind === 'wrong_tag'
      ? await commitWithWrongConfirmationTag(suite, state)
      : { commit: junkCommit(fromBase64Url(groupId)!, epoch, randomBytes, ownLeafIndex(state)), groupInfo: await groupInfoForExternalJoin(suite, state) }
  const res = await fetch(`${env.server.url}/v1/groups/${groupId}/commits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.client.api.token()}` },
    body: JSON.stringify({ messageId: newMessageId(), commit: toBase64Url(bad.commit), groupInfo: toBase64Url(bad.groupInfo) }),
  })
  const json = (await res.json()) as { error?: { code: string } }
  return { status: res.status, ...(json.error ? { code: json.error.code } : {}) }
}

async function resetLine(c: CandorClient, conversation: string): Promise<MessageRecord | undefined> {
  return (await c.history(conversation)).find((m) => m.kind === 'reset')
}

async function groupOfFive(): Promise<{ honest: CandorClient[]; mallory: Hostile; conv: string }> {
  const honest = await Promise.all(['ann', 'ben', 'cat', 'dan'].map((u) => env.user(u)))
  const mallory = await hostileMember('mallory')
  const conv = await honest[0]!.createConversation(['ben', 'cat', 'dan', 'mallory'])
  await waitFor(() => [...honest.slice(1), mallory.client].every((c) => c.conversations().some((v) => v.id === conv)), 'everyone to join')
  return { honest, mallory, conv }
}

/** Everyone but the sender receives the text; `outsider`, when given, does not. */
async function talks(honest: CandorClient[], conv: string, text: string, outsider?: Hostile): Promise<void> {
  const [sender, ...others] = honest
  const got = others.map((c) => nextMessage(c, (m) => m.text === text && m.conversation === conv))
  const outsiderGot: string[] = []
  const off = outsider?.client.on('message', (m) => outsiderGot.push(m.text))
  await sender!.send(conv, text)
  for (const m of await Promise.all(got)) expect(m.from).toBe(sender!.userId)
  await outsider?.client.sync()
  off?.()
  expect(outsiderGot).not.toContain(text)
}

describe('a commit nobody can process', () => {
  it('(junk) is refused by the server: nothing is stored, nobody resets, the group talks on with its author', async () => {
    const { honest, mallory, conv } = await groupOfFive()
    const before = (await env.server.context.store.getGroup(conv as never))!.epoch
    expect(await postBadCommit(mallory, conv, 'junk')).toEqual({ status: 400, code: 'invalid_mls_message' })
    expect((await env.server.context.store.getGroup(conv as never))!.epoch).toBe(before)
    await talks([...honest, mallory.client], conv, 'nothing happened')
    for (const c of honest) expect(await resetLine(c, conv)).toBeUndefined()
  })

  for (const kind of ['wrong_tag'] as const) {
    it(`(${kind}) is reported, one member resets, and the group talks again without its committer`, async () => {
      const { honest, mallory, conv } = await groupOfFive()
      const [ann] = honest
      const reports: MemberReport[] = []
      ann!.on('report', (r) => reports.push(r))
      await talks(honest, conv, 'before')

      const started = Date.now()
      expect(await postBadCommit(mallory, conv, kind)).toEqual({ status: 200 })
      for (const c of honest) await waitFor(async () => (await resetLine(c, conv)) !== undefined, `${c.userId} to see the reset`)
      await talks(honest, conv, 'after the reset', mallory)
      const seconds = (Date.now() - started) / 1000

      // Every timeline shows one reset line naming who reset it (the lowest leaf: ann) and whom it left out.
      for (const c of honest) {
        const lines = (await c.history(conv)).filter((m) => m.kind === 'reset')
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatchObject({ from: 'ann', reset: { leftOut: [{ userId: 'mallory', deviceId: mallory.client.deviceId }] } })
        expect(lines[0]!.text).toBe('ann reset the conversation; you may have missed messages. Left out: mallory (anyone can add them back).')
        expect(c.conversations().filter((v) => v.id === conv)).toMatchObject([{ id: conv, status: 'active', members: ['ann', 'ben', 'cat', 'dan'] }])
        expect((await c.whoCanRead(conv)).map((r) => r.userId)).toEqual(['ann', 'ben', 'cat', 'dan'])
      }
      // The others reported the commit, signed: ann got their reports naming mallory's device.
      await waitFor(() => new Set(reports.map((r) => r.reporter.userId)).size === 3, 'the reports of ben, cat and dan')
      expect(reports.every((r) => r.committer === mallory.client.deviceId && r.groupId === conv)).toBe(true)
      // The hostile member sees the announcement in the old group, and that it is out.
      await waitFor(async () => (await resetLine(mallory.client, conv)) !== undefined, 'mallory to see she was left out')
      expect(mallory.client.conversations().find((v) => v.id === conv)?.status).toBe('removed')
      // The server no longer routes the old group to the honest devices.
      const old = await env.server.context.store.getGroup(conv as never)
      for (const c of honest) expect(old?.members).not.toContain(c.deviceId)
      expect(seconds).toBeGreaterThan(0)
    })
  }

  it('a member posting junk commits in a loop is refused each time, then past its budget, and the group never stops', async () => {
    const { honest, mallory, conv } = await groupOfFive()
    const token = await mallory.client.api.token()
    const answers: string[] = []
    for (let i = 0; i < 8; i++) {
      // At the server's epoch each time: a junk commit needs no state.
      const epoch = (await env.server.context.store.getGroup(conv as never))!.epoch
      const res = await fetch(`${env.server.url}/v1/groups/${conv}/commits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ messageId: newMessageId(), commit: toBase64Url(junkCommit(fromBase64Url(conv)!, epoch, randomBytes, 4)), groupInfo: toBase64Url(randomBytes(64)) }),
      })
      const json = (await res.json()) as { error?: { code: string; message: string } }
      answers.push(json.error ? `${res.status} ${json.error.code}: ${json.error.message}` : String(res.status))
    }
    for (const a of answers.slice(0, 3)) expect(a).toMatch(/^400 invalid_mls_message: /)
    for (const a of answers.slice(3)) expect(a).toBe('429 rate_limited: too many commits from this device in this group: at most 3 at once, then one every 60 s')
    expect((await env.server.context.store.getGroup(conv as never))!.epoch).toBe(1)
    await talks([...honest, mallory.client], conv, 'still talking')
    for (const c of honest) expect((await c.history(conv)).filter((m) => m.kind === 'reset')).toHaveLength(0)
  })

  it('a false reset is seen by everyone, the person left out included, and anyone can add them back', async () => {
    const { honest, mallory, conv } = await groupOfFive()
    const [ann, ben, cat, dan] = honest as [CandorClient, CandorClient, CandorClient, CandorClient]
    // mallory resets leaving ben out although nothing failed.
    await mallory.client.reset(conv, ['ben'], 'nothing failed')
    for (const c of [ann, cat, dan, ben]) {
      await waitFor(async () => (await resetLine(c, conv)) !== undefined, `${c.userId} to see the reset`)
      expect(await resetLine(c, conv)).toMatchObject({ from: 'mallory', text: 'mallory reset the conversation; you may have missed messages. Left out: ben (anyone can add them back).' })
    }
    expect(ben.conversations().find((v) => v.id === conv)?.status).toBe('removed')
    expect((await ann.whoCanRead(conv)).map((r) => r.userId)).toEqual(['ann', 'cat', 'dan', 'mallory'])

    // cat adds ben back: he joins the new group under the same conversation and reads again.
    await cat.addMembers(conv, ['ben'])
    await waitFor(() => ben.conversations().find((v) => v.id === conv)?.status === 'active', 'ben to be back')
    const atBen = nextMessage(ben, (m) => m.text === 'welcome back, ben')
    await dan.send(conv, 'welcome back, ben')
    expect(await atBen).toMatchObject({ from: 'dan', conversation: conv })
    const atAnn = nextMessage(ann, (m) => m.text === 'thanks')
    await ben.send(conv, 'thanks')
    expect((await atAnn).conversation).toBe(conv)
  })
})
