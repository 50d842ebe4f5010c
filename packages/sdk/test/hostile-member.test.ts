// A hostile member attacking a group of eight for a few seconds, through a real server and real
// clients (the long run at a group of 50 is the bench scenario "recovery"). Round after round it
// posts a junk commit (refused by the server's validation, §5.1) and a commit with a wrong
// confirmation tag (the server cannot check it: accepted; the honest members report it and one
// resets without it, §5.3, §5.4); an honest member then adds it back, as anyone may, and it
// strikes again. Meanwhile the honest members chat. And a member resetting in a loop is held to
// its per-member budget (docs/limits.md), so it cannot keep the group busy.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CandorError, fromBase64Url, newMessageId, randomBytes, toBase64Url } from '@candor/protocol'
import { DirectoryAuthenticationService, clientConfigWith, commitWithWrongConfirmationTag, epochOf, getSuites, groupInfoForExternalJoin, junkCommit, loadState, ownLeafIndex } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { MemoryLocalStore, type CandorClient, type MessageRecord } from '../src/index.ts'
import { nextMessage, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

/** Rounds of attack (a few seconds on an idle machine; rounds rather than a clock, so a loaded machine still runs them all). */
const ROUNDS = 2
const CHAT_EVERY_MS = 150

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await env.close()
})

/** The MLS group the device uses for the conversation now, read from its own store. */
async function currentGroup(store: MemoryLocalStore, conversation: string): Promise<string | undefined> {
  let best: { id: string; createdAt: number } | undefined
  for (const key of await store.keys('conv/')) {
    const meta = JSON.parse((await store.get(key))!) as { id: string; createdAt: number; status: string; conversation?: string }
    if ((meta.conversation ?? meta.id) !== conversation || meta.status !== 'active') continue
    if (!best || meta.createdAt >= best.createdAt) best = meta
  }
  return best?.id
}

async function post(client: CandorClient, groupId: string, commit: Uint8Array, groupInfo: Uint8Array): Promise<string> {
  const res = await fetch(`${env.server.url}/v1/groups/${groupId}/commits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await client.api.token()}` },
    body: JSON.stringify({ messageId: newMessageId(), commit: toBase64Url(commit), groupInfo: toBase64Url(groupInfo) }),
  })
  const json = (await res.json()) as { error?: { code: string } }
  return json.error ? `${res.status} ${json.error.code}` : String(res.status)
}

const resets = async (c: CandorClient, conv: string) => (await c.history(conv)).filter((m) => m.kind === 'reset').length

async function groupOfEight() {
  const honest = await Promise.all(['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus'].map((u) => env.user(u)))
  const malloryStore = new MemoryLocalStore()
  const mallory = await env.user('mallory', malloryStore)
  const conv = await honest[0]!.createConversation(['ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'mallory'])
  await waitFor(() => [...honest, mallory].every((c) => c.conversations().some((v) => v.id === conv && v.status === 'active')), 'everyone to join', 60_000)
  return { honest, mallory, malloryStore, conv }
}

describe('a hostile member in a group of eight', () => {
  it('attacks round after round: the honest members keep talking, every chat message they sent arrives, and the group ends without it', async () => {
    const { honest, mallory, malloryStore, conv } = await groupOfEight()
    const suite = await getSuites(nodeCryptoProvider())
    const honestIds = new Set(honest.map((c) => c.userId))

    // Chat all along; a message whose send resolved is expected at every other honest member.
    const sent: Array<{ from: string; text: string }> = []
    const failed: string[] = []
    let chatting = true
    const chatter = (async () => {
      for (let n = 0; chatting; n++) {
        const who = honest[n % honest.length]!
        const text = `chat ${n}`
        who.send(conv, text).then(
          () => sent.push({ from: who.userId, text }),
          (e: unknown) => failed.push(`${text}: ${e instanceof CandorError ? e.code : String(e)}`),
        )
        await new Promise((r) => setTimeout(r, CHAT_EVERY_MS))
      }
    })()

    const answers: string[] = []
    let rounds = 0
    for (;;) {
      const groupId = (await currentGroup(malloryStore, conv))!
      const state = loadState((await malloryStore.get(`state/${groupId}`))!, clientConfigWith(new DirectoryAuthenticationService(async () => null)))
      answers.push(await post(mallory, groupId, junkCommit(fromBase64Url(groupId)!, epochOf(state), randomBytes, ownLeafIndex(state)), await groupInfoForExternalJoin(suite, state)))
      const before = await Promise.all(honest.map((c) => resets(c, conv)))
      const bad = await commitWithWrongConfirmationTag(suite, state)
      answers.push(await post(mallory, groupId, bad.commit, bad.groupInfo))
      // Everyone honest moves to the reset group, and a message sent there reaches them all.
      await waitFor(async () => (await Promise.all(honest.map((c) => resets(c, conv)))).every((n, i) => n > before[i]!), `round ${rounds}: every honest member to see the reset`, 60_000)
      const line = (await honest[0]!.history(conv)).filter((m) => m.kind === 'reset').at(-1)!
      expect(line.reset?.leftOut.map((l) => l.userId)).toEqual(['mallory'])
      const talker = honest[1 + (rounds % (honest.length - 1))]!
      const probe = `probe ${rounds}`
      const got = honest.filter((c) => c !== talker).map((c) => nextMessage(c, (m) => m.text === probe, 20_000))
      await talker.send(conv, probe)
      await Promise.all(got)
      rounds++
      if (rounds >= ROUNDS) break
      await honest[rounds % honest.length]!.addMembers(conv, ['mallory'])
      await waitFor(async () => {
        const g = await currentGroup(malloryStore, conv)
        return g !== undefined && g !== groupId && (await malloryStore.get(`state/${g}`)) !== undefined
      }, `round ${rounds}: mallory to be added back`, 20_000)
    }
    chatting = false
    await chatter

    expect(rounds).toBe(ROUNDS)
    // Each round: the junk refused by validation, the wrong tag accepted (the server cannot see it).
    expect(answers).toEqual(Array.from({ length: rounds }, () => ['400 invalid_mls_message', '200']).flat())
    // Every chat message a sender was told was sent is at every other honest member, once.
    const chatAt = async (c: CandorClient) => (await c.history(conv)).filter((m) => m.kind === undefined && honestIds.has(m.from) && m.text.startsWith('chat ')).map((m) => `${m.from}: ${m.text}`)
    const missing = async () => {
      const out: Record<string, string[]> = {}
      for (const c of honest) {
        const h = await chatAt(c)
        const lost = sent.filter((m) => m.from !== c.userId && !h.includes(`${m.from}: ${m.text}`)).map((m) => `${m.from}: ${m.text}`)
        if (lost.length > 0) out[c.userId] = lost
      }
      return out
    }
    await waitFor(async () => Object.keys(await missing()).length === 0, 'every chat message at every honest member', 20_000).catch(() => undefined)
    expect(await missing()).toEqual({})
    for (const c of honest) {
      const h = await chatAt(c)
      expect(h.length).toBe(new Set(h).size)
    }
    expect(sent.length).toBeGreaterThan(0)
    // Those refused were refused visibly to their sender (the group was between groups), and few.
    expect(failed.length).toBeLessThanOrEqual(sent.length)

    // The group ends without the hostile member: no honest member counts it, its device is out,
    // and it reads nothing more.
    for (const c of honest) expect(c.conversations().find((v) => v.id === conv)?.members).toEqual(['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus'])
    await waitFor(() => mallory.conversations().find((v) => v.id === conv)?.status === 'removed', 'mallory to see she is out')
    const atMallory: MessageRecord[] = []
    mallory.on('message', (m) => atMallory.push(m))
    const last = honest.slice(1).map((c) => nextMessage(c, (m) => m.text === 'the end'))
    await honest[0]!.send(conv, 'the end')
    await Promise.all(last)
    await mallory.sync()
    expect(atMallory.map((m) => m.text)).not.toContain('the end')
  }, 180_000)

  it('resetting in a loop: refused past the per-member budget, and the group talks on', async () => {
    const { honest, mallory, conv } = await groupOfEight()
    const outcomes: string[] = []
    for (let i = 0; i < 5; i++) {
      outcomes.push(
        await mallory.reset(conv, [], 'for no reason').then(
          () => 'reset',
          (e: unknown) => (e instanceof CandorError ? `${e.code}: ${e.message}` : String(e)),
        ),
      )
      await waitFor(() => honest.every((c) => c.conversations().find((v) => v.id === conv)?.status === 'active'), 'the honest members to follow', 60_000)
    }
    expect(outcomes).toEqual(['reset', 'reset', 'reset', 'rate_limited: too many resets from this device in this group: at most 3 at once, then one every 60 s', 'rate_limited: too many resets from this device in this group: at most 3 at once, then one every 60 s'])
    // Three resets, each seen by everyone; nobody left out; everyone still talks, mallory too.
    for (const c of honest) await waitFor(async () => (await resets(c, conv)) === 3, `${c.userId} to see three resets`, 60_000)
    const everyone = [...honest, mallory]
    const got = everyone.slice(1).map((c) => nextMessage(c, (m) => m.text === 'still here', 20_000))
    await everyone[0]!.send(conv, 'still here')
    await Promise.all(got)
  }, 180_000)
})
