// Members resetting the same group at once (docs/protocol.md §5.4 "Who resets"), through a real
// server and real clients. Each member's turn is timed from its own failure, and the winner's
// `reset` content reaches the others seconds after the server recorded the reset, so turns
// overlap: at 50 members, ranks 1, 2, 3… each started a reset and claimed all 49 others' key
// packages before the server refused them (409), slowing the real reset. Now key packages are
// claimed only once the server recorded the claimant's reset, a member whose turn comes asks the
// server first, and a member refused for its reset budget sits out its turns until it refills.
// Requests are counted as the clients send them (request-log.ts).
import { afterEach, describe, expect, it } from 'vitest'
import { CandorError, newMessageId, toBase64Url } from '@candor/protocol'
import { DirectoryAuthenticationService, clientConfigWith, commitWithWrongConfirmationTag, getSuites, loadState } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { MemoryLocalStore, type CandorClient } from '../src/index.ts'
import { nextMessage, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'
import { logRequests, type LoggedRequest, type RequestLog } from './request-log.ts'

let env: DevEnv | undefined
let log: RequestLog | undefined
afterEach(async () => {
  log?.stop()
  log = undefined
  await env?.close()
  env = undefined
})

interface Member {
  client: CandorClient
  store: MemoryLocalStore
}

async function members(e: DevEnv, userIds: readonly string[]): Promise<Member[]> {
  return Promise.all(
    userIds.map(async (u) => {
      const store = new MemoryLocalStore()
      return { client: await e.user(u, store), store }
    }),
  )
}

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

async function allIn(ms: readonly Member[], conversation: string, group: string, what: string): Promise<void> {
  await waitFor(async () => (await Promise.all(ms.map((m) => currentGroup(m.store, conversation)))).every((g) => g === group), what, 60_000)
}

const resetLines = async (c: CandorClient, conversation: string) => (await c.history(conversation)).filter((m) => m.kind === 'reset')
const isClaim = (r: LoggedRequest) => r.method === 'POST' && /^\/v1\/users\/[^/]+\/key-packages\/claim$/.test(r.path)
const isReset = (r: LoggedRequest) => r.method === 'POST' && /^\/v1\/conversations\/[^/]+\/reset$/.test(r.path)

/** Everyone but the sender reads the text. */
async function talks(ms: readonly Member[], conversation: string, text: string): Promise<void> {
  const [sender, ...others] = ms
  const got = others.map((m) => nextMessage(m.client, (r) => r.text === text && r.conversation === conversation, 30_000))
  await sender!.client.send(conversation, text)
  for (const r of await Promise.all(got)) expect(r.from).toBe(sender!.client.userId)
}

describe('members resetting the same group at once', () => {
  it('five honest members resetting the same epoch at once end in one reset every one of them joins, and only its resetter claims key packages', async () => {
    env = await startDevEnv()
    const five = await members(env, ['ann', 'ben', 'cat', 'dan', 'eve'])
    const conv = await five[0]!.client.createConversation(['ben', 'cat', 'dan', 'eve'])
    await allIn(five, conv, conv, 'everyone to join')

    log = logRequests(env.server.url)
    const settled = await Promise.allSettled(five.map((m) => m.client.reset(conv, [], 'all at once')))
    const won = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ member: five[i]!, group: s.value }] : []))
    expect(won).toHaveLength(1)
    const { member: resetter, group } = won[0]!
    for (const s of settled) {
      if (s.status === 'fulfilled') continue
      // The server's 409 decided; the loser had not moved yet, or (a slow one) had already.
      expect(s.reason).toBeInstanceOf(CandorError)
      expect(['conflict', 'not_member']).toContain((s.reason as CandorError).code)
    }

    // Every one of them is in the winner's group, the server's roster says so, and each timeline has one reset line.
    await allIn(five, conv, group, 'everyone to move to the new group')
    const roster = (await env.server.context.store.getGroup(group as never))!.members
    expect([...roster].sort()).toEqual(five.map((m) => m.client.deviceId).sort())
    for (const m of five) {
      await waitFor(async () => (await resetLines(m.client, conv)).length === 1, `${m.client.userId} to show the reset`, 30_000)
      expect((await resetLines(m.client, conv))[0]).toMatchObject({ from: resetter.client.userId, reset: { leftOut: [] } })
    }

    // Only the resetter claimed, once per other member (the old code: each of the five claimed the four others).
    const token = await resetter.client.api.token()
    const claims = log.requests.filter(isClaim)
    expect(claims.length).toBeGreaterThan(0)
    expect(claims.length).toBeLessThanOrEqual(4)
    expect(claims.every((r) => r.token === token)).toBe(true)
    expect(log.requests.filter(isReset)).toHaveLength(5)

    const loser = five.find((m) => m !== resetter)!
    await talks([loser, ...five.filter((m) => m !== loser)], conv, 'one group again')
  })

  it('a member refused for its reset budget skips its turn: the next member resets, and everyone joins it', async () => {
    // One reset per member per conversation, refilled long after the test.
    env = await startDevEnv({ recoveryLimits: { resetBurst: 1, resetEveryMs: 600_000 } })
    const honest = await members(env, ['ann', 'ben', 'cat', 'dan'])
    const [mallory] = await members(env, ['mallory'])
    const everyone = [...honest, mallory!]
    const ann = honest[0]!
    const conv = await ann.client.createConversation(['ben', 'cat', 'dan', 'mallory'])
    await allIn(everyone, conv, conv, 'everyone to join')

    // ann spends her budget: she resets once (everyone comes along), and a second time is refused.
    const first = await ann.client.reset(conv, [], 'spending the budget')
    await allIn(everyone, conv, first, 'everyone to move to the first new group')
    await expect(ann.client.reset(conv, [], 'once more')).rejects.toMatchObject({ code: 'rate_limited' })

    // mallory commits with a wrong confirmation tag: every honest member fails it at the same epoch.
    // ann is the lowest leaf of the first new group (she made it), so hers is the first turn.
    const errors: string[] = []
    for (const m of honest) m.client.on('error', (e) => errors.push(`${m.client.userId}: ${e.where}`))
    log = logRequests(env.server.url)
    const suite = await getSuites(nodeCryptoProvider())
    const state = loadState((await mallory!.store.get(`state/${first}`))!, clientConfigWith(new DirectoryAuthenticationService(async () => null)))
    const bad = await commitWithWrongConfirmationTag(suite, state)
    const posted = await fetch(`${env.server.url}/v1/groups/${first}/commits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await mallory!.client.api.token()}` },
      body: JSON.stringify({ messageId: newMessageId(), commit: toBase64Url(bad.commit), groupInfo: toBase64Url(bad.groupInfo) }),
    })
    expect(posted.status).toBe(200)

    // Someone after ann resets; every honest member joins that group; mallory is left out.
    await waitFor(async () => {
      const g = await currentGroup(ann.store, conv)
      return g !== undefined && g !== first
    }, 'ann to move to the reset group', 60_000)
    const second = (await currentGroup(ann.store, conv))!
    await allIn(honest, conv, second, 'every honest member to join the reset group')
    const roster = (await env.server.context.store.getGroup(second as never))!.members
    expect([...roster].sort()).toEqual(honest.map((m) => m.client.deviceId).sort())
    for (const m of honest) {
      await waitFor(async () => (await resetLines(m.client, conv)).length === 2, `${m.client.userId} to show the second reset`, 30_000)
      const line = (await resetLines(m.client, conv)).find((l) => l.reset?.previousGroup === first)
      expect(line).toMatchObject({ reset: { leftOut: [{ userId: 'mallory', deviceId: mallory!.client.deviceId }] } })
      expect(line!.from).not.toBe('ann')
    }

    // ann did not try: no reset request of hers reached the server (without the skip: one, refused 429 or 409).
    const annToken = await ann.client.api.token()
    const resets = log.requests.filter(isReset)
    expect(resets.filter((r) => r.token === annToken)).toEqual([])
    expect(resets.filter((r) => r.status === 201)).toHaveLength(1)
    // Only the one whose reset the server recorded claimed, once per other honest member.
    const resetterToken = resets.find((r) => r.status === 201)!.token
    const claims = log.requests.filter(isClaim)
    expect(claims.length).toBeLessThanOrEqual(3)
    expect(claims.every((r) => r.token === resetterToken)).toBe(true)
    // Nobody reported a failed reset: the losers stood back (a `not_member` after moving is no failure).
    expect(errors.filter((e) => e.includes('resetting'))).toEqual([])

    await talks(honest, conv, 'after the second reset')
  })
})
