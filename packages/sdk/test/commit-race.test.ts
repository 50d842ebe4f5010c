// Two members commit on the same epoch at the same moment (docs/protocol.md §5.1: one accepted
// commit per epoch). Both commits are valid against the group's public state, so both go through
// the server's validation concurrently; exactly one takes the epoch, the other is refused with
// `stale_epoch` naming the epoch the group is at. Its client processes the winner and commits
// again on top of it, and no message sent around the race is lost or shown twice.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CandorError, type CommitRequest } from '@candor/protocol'
import type { CandorClient } from '../src/index.ts'
import { startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await env.close()
})

interface Post {
  who: string
  epoch: number
  messageId: string
  outcome: string
}

/** Holds the first commit post of each client until all of them have one, then lets them go together. */
function raceFirstCommits(clients: CandorClient[], epochOf: () => number): Post[] {
  const posts: Post[] = []
  let waiting = 0
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  for (const c of clients) {
    const original = c.api.commit.bind(c.api)
    let first = true
    c.api.commit = async (groupId: string, body: CommitRequest & { messageId: string }) => {
      if (!first) return original(groupId, body)
      first = false
      const post: Post = { who: c.userId, epoch: epochOf(), messageId: body.messageId, outcome: 'pending' }
      posts.push(post)
      if (++waiting === clients.length) release()
      await gate
      try {
        const r = await original(groupId, body)
        post.outcome = 'accepted'
        return r
      } catch (e) {
        post.outcome = e instanceof CandorError ? `${e.code} ${JSON.stringify(e.details ?? {})}` : String(e)
        throw e
      }
    }
  }
  return posts
}

describe('two commits for the same epoch, posted at once', () => {
  it('one is accepted, the other refused with stale_epoch; its author re-commits on the winner and no message is lost', async () => {
    const [ann, ben, cat] = await Promise.all(['ann', 'ben', 'cat'].map((u) => env.user(u))) as [CandorClient, CandorClient, CandorClient]
    const [eve, fay] = await Promise.all(['eve', 'fay'].map((u) => env.user(u))) as [CandorClient, CandorClient]
    const conv = await ann.createConversation(['ben', 'cat'])
    await waitFor(() => [ben, cat].every((c) => c.conversations().some((v) => v.id === conv)), 'everyone to join')
    const epoch = ann.conversations().find((v) => v.id === conv)!.epoch
    expect(ben.conversations().find((v) => v.id === conv)!.epoch).toBe(epoch)

    const posts = raceFirstCommits([ann, ben], () => epoch)
    const texts: string[] = []
    const say = async (c: CandorClient, text: string) => {
      texts.push(`${c.userId}: ${text}`)
      await c.send(conv, text)
    }
    await say(cat, 'before the race')
    // Both change the group at once while cat keeps talking.
    await Promise.all([ann.addMembers(conv, ['eve']), ben.addMembers(conv, ['fay']), say(cat, 'during the race')])

    // Exactly one of the two first posts took the epoch; the other was told where the group is.
    expect(posts.map((p) => p.epoch)).toEqual([epoch, epoch])
    const accepted = posts.filter((p) => p.outcome === 'accepted')
    const refused = posts.filter((p) => p.outcome !== 'accepted')
    expect(accepted).toHaveLength(1)
    expect(refused.map((p) => p.outcome)).toEqual([`stale_epoch {"epoch":${epoch + 1}}`])
    expect(await env.server.context.store.acceptedCommit(conv as never, epoch)).toBe(accepted[0]!.messageId)
    // The loser processed the winner and committed again: both changes landed, one epoch each.
    expect(await env.server.context.store.acceptedCommit(conv as never, epoch + 1)).not.toBeNull()
    await waitFor(() => [eve, fay].every((c) => c.conversations().some((v) => v.id === conv && v.status === 'active')), 'eve and fay to join')
    const everyone = [ann, ben, cat, eve, fay]
    await waitFor(() => everyone.every((c) => c.conversations().find((v) => v.id === conv)?.epoch === epoch + 2), 'everyone at the same epoch')

    for (const c of [ann, ben, cat]) await say(c, `after the race, from ${c.userId}`)
    // Every message at every member who was in the group when it was sent, exactly once.
    const seen = async (c: CandorClient) => (await c.history(conv)).filter((m) => m.kind === undefined).map((m) => `${m.from}: ${m.text}`)
    for (const c of [ann, ben, cat]) {
      await waitFor(async () => {
        const s = await seen(c)
        return texts.filter((t) => !t.startsWith(`${c.userId}:`)).every((t) => s.includes(t))
      }, `${c.userId} to have every message`)
      const s = await seen(c)
      expect(s.length).toBe(new Set(s).size)
    }
    for (const c of [eve, fay]) {
      await waitFor(async () => {
        const s = await seen(c)
        return ['ann', 'ben', 'cat'].every((u) => s.includes(`${u}: after the race, from ${u}`))
      }, `${c.userId} to have the messages sent after joining`)
    }
  })
})
