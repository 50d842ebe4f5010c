// A send and a reset racing (docs/protocol.md §5.4, "No acknowledged message is lost to a
// reset"), forced through a real server and real clients: the resetter's message, encrypted for
// the old group, is held in its socket until the reset is recorded and the others have moved to
// the new group and left the old one. The server takes it into the old group (a reset group
// takes its resetter's messages, for the announcement), where nobody reads any more; the send
// must not be "sent" until the same content went into the new group.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CandorError } from '@candor/protocol'
import { CandorClient } from '../src/index.ts'
import { options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'
import { heldSocket, type HeldSocket } from './held-socket.ts'

let env: DevEnv
let net: HeldSocket
beforeEach(async () => {
  env = await startDevEnv()
  net = await heldSocket(env.server.url)
})
afterEach(async () => {
  await net.close()
  await env.close()
})

/** Whether the server no longer counts this client's device in the group (it left it). */
async function leftOnServer(c: CandorClient, groupId: string): Promise<boolean> {
  return c.api.groupResets(groupId).then(
    () => false,
    (e: unknown) => e instanceof CandorError && e.code === 'not_member',
  )
}

/** ann (whose delivery socket goes through the holdable network), ben and cat in one group. */
async function threeInAGroup() {
    const ann = await CandorClient.register(options(net.url), 'ann', 'ann-laptop')
    env.clients.push(ann)
    await ann.connect()
    const [ben, cat] = await Promise.all([env.user('ben'), env.user('cat')])
    const conv = await ann.createConversation(['ben', 'cat'])
    await waitFor(() => [ann, ben, cat].every((c) => c.conversations().some((v) => v.id === conv && v.status === 'active')), 'everyone to join')
  return { ann, ben, cat, conv }
}

describe('a send racing a reset of its group', () => {
  it('the resetter’s message that reached the server after the others left the old group is read by them all', async () => {
    const { ann, ben, cat, conv } = await threeInAGroup()

    // ann's delivery socket stalls (her HTTP calls go on): her message waits in it.
    net.hold()
    const sending = ann.send(conv, 'written before the reset')
    const resetting = ann.reset(conv, [], 'a reset racing a send')
    // The reset is recorded, the others joined the new group and left the old one on the server.
    await waitFor(async () => (await leftOnServer(ben, conv)) && (await leftOnServer(cat, conv)), 'ben and cat to leave the old group')
    net.release()
    const sent = await sending
    await resetting

    expect(sent.text).toBe('written before the reset')
    const has = async (c: CandorClient) => (await c.history(conv)).filter((m) => m.id === sent.id && m.text === 'written before the reset').length
    await waitFor(async () => (await has(ben)) > 0 && (await has(cat)) > 0, 'ben and cat to read it', 20_000).catch(() => undefined)
    expect([await has(ben), await has(cat)]).toEqual([1, 1])
    // Once, at ann too.
    expect(await has(ann)).toBe(1)
  }, 120_000)

  it('so do her reaction and her edit that raced the reset: the others see both', async () => {
    const { ann, ben, cat, conv } = await threeInAGroup()
    const first = await ann.send(conv, 'lunch at noon?')
    const seen = async (c: CandorClient) => (await c.history(conv)).find((m) => m.id === first.id)
    await waitFor(async () => (await seen(ben)) !== undefined && (await seen(cat)) !== undefined, 'ben and cat to read it')

    net.hold()
    const reacting = ann.features.react(conv, first.id, '👍')
    const editing = ann.features.edit(conv, first.id, 'lunch at one?')
    const resetting = ann.reset(conv, [], 'a reset racing a reaction and an edit')
    await waitFor(async () => (await leftOnServer(ben, conv)) && (await leftOnServer(cat, conv)), 'ben and cat to leave the old group')
    net.release()
    await Promise.all([reacting, editing, resetting])

    const done = async (c: CandorClient) => {
      const m = await seen(c)
      return m?.text === 'lunch at one?' && m.reactions?.['👍']?.includes('ann') === true
    }
    await waitFor(async () => (await done(ben)) && (await done(cat)), 'ben and cat to see the reaction and the edit', 20_000).catch(() => undefined)
    expect([await done(ben), await done(cat)]).toEqual([true, true])
  }, 120_000)
})
