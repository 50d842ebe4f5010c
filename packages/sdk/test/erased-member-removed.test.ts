// An erased person's devices leave their groups even when the device that erased the account
// held none of their conversations (docs/protocol.md §4.4, §5.7), through a real server and real
// SDK clients: bob chats with alice and carol from his phone, loses it, gets back in on a new
// device with his recovery key (a device in no group) and erases his account from there. The
// server proposes the removal of his leaves as each group's external sender; a member commits
// it; no group's tree (as the server holds it, and as alice's device holds it) names bob any
// more; alice sends and carol reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadPublicGroup, treeLeaves } from '@candor/crypto'
import type { GroupId } from '@candor/protocol'
import { CandorClient, MemoryLocalStore } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv

beforeAll(async () => {
  env = await startDevEnv()
})
afterAll(async () => env.close())

/** The user ids of a group's leaves, as the server's stored GroupInfo has them. */
async function serverTreeUsers(groupId: string): Promise<string[]> {
  const gi = await env.server.context.store.groupInfo(groupId as GroupId)
  return gi ? treeLeaves(loadPublicGroup(gi).tree).map((l) => l.userId) : []
}

async function received(c: CandorClient, conversation: string, text: string): Promise<void> {
  await waitFor(async () => (await c.history(conversation)).some((m) => m.text === text), `${c.userId} to receive "${text}"`, 60_000)
}

describe('an erased person leaves every group, whichever device erased the account', () => {
  it('bob erases his account from a recovered device that is in no group; a member commits the server’s removal of his old devices', async () => {
    const alice = await env.user('alice')
    const bob = await env.user('bob')
    const carol = await env.user('carol')
    const trio = await alice.createConversation(['bob', 'carol'])
    // Made by bob: his leaf is the first one, so the member who commits is not its creator.
    const direct = await bob.directConversation('alice')
    await bob.send(trio, 'hello from bob')
    await received(alice, trio, 'hello from bob')
    await received(carol, trio, 'hello from bob')
    await bob.send(direct, 'hi alice')
    await received(alice, direct, 'hi alice')
    for (const c of [trio, direct]) expect(await serverTreeUsers(c)).toContain('bob')

    // Bob loses his phone (still an active device of his), and gets back in with his recovery key.
    const { secret } = await bob.setUpRecovery()
    bob.close()
    const { client: laptop, joined } = await CandorClient.recover(options(env.server.url, new MemoryLocalStore()), 'bob', secret, 'laptop', { revokeOthers: false })
    env.clients.push(laptop)
    expect(joined.joined).toEqual([])
    expect(laptop.conversations()).toEqual([])
    const bobDevices = [bob.deviceId, laptop.deviceId]

    await laptop.deleteAccount()
    expect(await env.server.context.store.userExists('bob' as never)).toBe(false)

    // Each group gets a member's commit that takes the server's proposal: no leaf of bob's is left.
    for (const c of [trio, direct]) {
      await waitFor(async () => !(await serverTreeUsers(c)).includes('bob'), `the server's tree of ${c} without bob`, 60_000)
    }
    const removedBob = async (c: CandorClient, conversation: string) =>
      (await c.history(conversation)).some((m) => m.kind === 'members' && (m.members?.removed ?? []).includes('bob'))
    for (const [who, convs] of [
      [alice, [trio, direct]],
      [carol, [trio]],
    ] as const) {
      for (const c of convs) {
        await waitFor(() => who.conversations().find((x) => x.id === c)?.members.includes('bob') === false, `${who.userId}'s state of ${c} without bob`, 60_000)
        await waitFor(() => removedBob(who, c), `${who.userId} to see "… removed bob" in ${c}`, 60_000)
      }
    }
    // Who can read is what the tree says: alice and carol's devices only, none of bob's.
    const readers = await alice.whoCanRead(trio)
    expect(readers.map((r) => r.userId).sort()).toEqual(['alice', 'carol'])
    expect(readers.flatMap((r) => r.devices.map((d) => d.deviceId)).some((d) => bobDevices.includes(d as never))).toBe(false)

    // The group goes on: alice sends, carol reads.
    const got = nextMessage(carol, (m) => m.text === 'still here', 60_000)
    await alice.send(trio, 'still here')
    expect(await got).toMatchObject({ conversation: trio, from: 'alice' })
  }, 240_000)
})
