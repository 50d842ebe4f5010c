// A block in a group the two still share (docs/protocol.md §5.5): the blocked member's commits
// are still delivered to the blocker — a handshake carries no content, and without it the
// blocker's device would fall an epoch behind and lose the whole group — while the blocked
// member's application messages are not delivered to the blocker. Through a real server and
// real clients.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CandorClient } from '../src/index.ts'
import { nextMessage, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await env.close()
})

const epoch = (c: CandorClient, conv: string) => c.conversations().find((v) => v.id === conv)?.epoch

describe('a member blocked by another member of the same group', () => {
  it('still commits to the blocker (who follows every epoch), but its messages do not reach the blocker', async () => {
    const [ann, ben, cat, dan] = (await Promise.all(['ann', 'ben', 'cat', 'dan'].map((u) => env.user(u)))) as [CandorClient, CandorClient, CandorClient, CandorClient]
    const conv = await cat.createConversation(['ann', 'ben'])
    await waitFor(() => [ann, ben].every((c) => c.conversations().some((v) => v.id === conv)), 'everyone to join')
    await ann.requests.block(ben.userId)

    // ben adds dan, then removes cat: both commits reach ann, who stays at the group's epoch.
    await ben.addMembers(conv, ['dan'])
    await waitFor(() => dan.conversations().some((v) => v.id === conv), 'dan to join')
    await ben.removeMembers(conv, ['cat'])
    const now = epoch(ben, conv)!
    await waitFor(() => epoch(ann, conv) === now, 'ann to process both of ben’s commits')
    expect(ann.conversations().find((v) => v.id === conv)?.members).toEqual(['ann', 'ben', 'dan'])

    // ann talks with dan at the new epoch; ben's message reaches dan and not ann.
    const atDan = nextMessage(dan, (m) => m.text === 'hello dan')
    await ann.send(conv, 'hello dan')
    expect((await atDan).from).toBe('ann')
    const fromBen = nextMessage(dan, (m) => m.text === 'from ben, after the block')
    await ben.send(conv, 'from ben, after the block')
    await fromBen
    const atBen = nextMessage(ben, (m) => m.text === 'ann is still here')
    await ann.send(conv, 'ann is still here')
    await atBen
    await ann.sync()
    const annSaw = (await ann.history(conv)).filter((m) => m.from === 'ben').map((m) => m.text)
    expect(annSaw).not.toContain('from ben, after the block')
    // Nothing of ben's was an undecryptable line at ann either: the message was not delivered.
    expect((await ann.history(conv)).filter((m) => m.kind === 'undecryptable')).toEqual([])
  })
})
