// A group made before the server validated commits has no public state on the server, which
// refuses its commits (`conflict`, details.publicState `missing`) and asks for a reset
// (docs/protocol.md §5.4 "A group without public state"). The group is made here as today's
// groups are, then its stored GroupInfo is deleted straight from the server's database — what a
// pre-validation group looks like. A member's next change (adding someone) resets the
// conversation leaving nobody out, adds the person in the new group, and everyone reads
// everyone's new messages there; the timeline says who reset it and why.
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { GroupId } from '@candor/protocol'
import type { CandorClient } from '../src/index.ts'
import { nextMessage, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await env.close()
})

/** Plays the operator's database of before validation: the group has no public state. */
function forgetPublicState(groupId: string): void {
  const db = new Database(join(env.dataDir, 'candor.db'))
  try {
    expect(db.prepare('UPDATE groups SET group_info = NULL WHERE group_id = ?').run(groupId).changes).toBe(1)
  } finally {
    db.close()
  }
}

describe('a group without public state on the server', () => {
  it('a member adding someone resets it (nobody left out), the person joins the new group, and all three read each other', async () => {
    const [ann, ben, cat] = (await Promise.all(['ann', 'ben', 'cat'].map((u) => env.user(u)))) as [CandorClient, CandorClient, CandorClient]
    const conv = await ann.createConversation(['ben'])
    await waitFor(() => ben.conversations().some((v) => v.id === conv), 'ben to join')
    const hello = nextMessage(ben, (m) => m.text === 'before')
    await ann.send(conv, 'before')
    await hello

    forgetPublicState(conv)
    expect(await env.store.groupInfo(conv as GroupId)).toBeNull()

    const benReset = nextMessage(ben, (m) => m.kind === 'reset')
    await ann.addMembers(conv, ['cat'])
    const line = await benReset
    expect(line).toMatchObject({ conversation: conv, from: 'ann' })
    expect(line.text).toBe('ann reset the conversation so that the server checks its changes (it was made before the server did).')
    expect(line.reset?.leftOut).toEqual([])

    // The new group is validated from its first commit: the server holds its GroupInfo, and its
    // roster is the three people's devices.
    const resets = await env.store.groupResets(conv as GroupId)
    const newGroup = resets.to!.groupId
    expect(resets.to).toMatchObject({ previousGroup: conv, resetBy: ann.deviceId })
    expect(await env.store.groupInfo(newGroup)).not.toBeNull()
    await waitFor(async () => (await env.store.getGroup(newGroup))!.members.length === 3, 'cat on the new group’s roster')
    expect([...(await env.store.getGroup(newGroup))!.members].sort()).toEqual([ann.deviceId, ben.deviceId, cat.deviceId].sort())
    await waitFor(() => cat.conversations().length === 1, 'cat to join')
    const catConv = cat.conversations()[0]!.id

    // Everyone reads everyone: the conversation continues in the new group.
    const fromAnn = [nextMessage(ben, (m) => m.text === 'from ann'), nextMessage(cat, (m) => m.text === 'from ann')]
    await ann.send(conv, 'from ann')
    await Promise.all(fromAnn)
    const fromBen = [nextMessage(ann, (m) => m.text === 'from ben'), nextMessage(cat, (m) => m.text === 'from ben')]
    await ben.send(conv, 'from ben')
    await Promise.all(fromBen)
    const fromCat = [nextMessage(ann, (m) => m.text === 'from cat'), nextMessage(ben, (m) => m.text === 'from cat')]
    await cat.send(catConv, 'from cat')
    await Promise.all(fromCat)

    // The next change is an ordinary validated commit of the new group (no second reset).
    await ann.removeMembers(conv, ['cat'])
    await waitFor(async () => (await env.store.getGroup(newGroup))!.members.length === 2, 'cat off the roster')
    expect((await env.store.groupResets(newGroup)).to).toBeNull()
    const lines = (await ann.history(conv)).filter((m) => m.kind === 'reset')
    expect(lines).toHaveLength(1)
  })
})
