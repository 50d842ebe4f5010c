// The server deletes group state nobody can need any more (docs/protocol.md §5.10), through a
// real server and real clients: once a reset is older than the server keeps a superseded group
// (30 days by default; the sweep is run here with its clock moved past that), the old group's
// GroupInfo and accepted-commit records go, its row, roster and reset link stay, and the
// conversation's live group is untouched: a member adds someone by a commit the server validates
// against the live group's stored state, and all three read each other.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { GroupId } from '@candor/protocol'
import { GROUP_STATE_DEFAULTS } from '@candor/server'
import type { CandorClient } from '../src/index.ts'
import { nextMessage, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await env.close()
})

describe('the group-state sweep', () => {
  it('deletes a superseded group’s GroupInfo and commit records once its reset is old enough; the live group keeps working', async () => {
    const [ann, ben, cat] = (await Promise.all(['ann', 'ben', 'cat'].map((u) => env.user(u)))) as [CandorClient, CandorClient, CandorClient]
    const conv = await ann.createConversation(['ben'])
    await waitFor(() => ben.conversations().some((v) => v.id === conv), 'ben to join')
    const old = conv as GroupId
    const resetSeen = nextMessage(ben, (m) => m.kind === 'reset')
    const live = (await ann.reset(conv, [], 'test: superseded')) as GroupId
    await resetSeen
    const store = env.store
    expect(await store.groupInfo(old)).not.toBeNull()
    expect(await store.acceptedCommit(old, 0)).not.toBeNull()
    const liveInfo = await store.groupInfo(live)
    expect(liveInfo).not.toBeNull()

    // Not yet: the reset is younger than the time a superseded group is kept.
    expect(await env.server.groupStateSweep.run()).toMatchObject({ groupInfos: 0 })
    expect(await store.groupInfo(old)).not.toBeNull()

    const later = Date.now() + GROUP_STATE_DEFAULTS.supersededMs + 60_000
    const swept = await env.server.groupStateSweep.run(later)
    expect(swept.groupInfos).toBeGreaterThanOrEqual(1)
    expect(await store.groupInfo(old)).toBeNull()
    expect(await store.acceptedCommit(old, 0)).toBeNull()
    expect(await store.getGroup(old)).not.toBeNull()
    expect((await store.groupResets(old)).to?.groupId).toBe(live)
    // The live group is untouched.
    expect(await store.groupInfo(live)).toEqual(liveInfo)
    expect(await store.acceptedCommit(live, 0)).not.toBeNull()

    // …and goes on: a validated commit adds cat, and everyone reads everyone.
    await ann.addMembers(conv, ['cat'])
    await waitFor(() => cat.conversations().length === 1, 'cat to join')
    expect((await store.getGroup(live))!.members).toHaveLength(3)
    expect((await store.groupResets(live)).to).toBeNull()
    const fromBen = [nextMessage(ann, (m) => m.text === 'from ben'), nextMessage(cat, (m) => m.text === 'from ben')]
    await ben.send(conv, 'from ben')
    await Promise.all(fromBen)
    const fromCat = [nextMessage(ann, (m) => m.text === 'from cat'), nextMessage(ben, (m) => m.text === 'from cat')]
    await cat.send(cat.conversations()[0]!.id, 'from cat')
    await Promise.all(fromCat)
    // Run again with the same clock: the live group's state stays (it is neither superseded nor far behind).
    await env.server.groupStateSweep.run(later)
    expect(await store.groupInfo(live)).not.toBeNull()
    expect(await store.acceptedCommit(live, 1)).not.toBeNull()
  })
})
