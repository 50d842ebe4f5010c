// Conversation avatars end to end through a real server (docs/protocol.md "Conversation
// avatars"): a member sets the group's picture (an inline thumbnail in an encrypted
// `conversation` message); every member sees it, with a line and a `conversation` event; a
// non-member never does; a bad picture is refused before anything is sent; null removes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorError } from '@candor/protocol'
import { nextMessage, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeAll(async () => {
  env = await startDevEnv()
}, 180_000)
afterAll(async () => {
  await env?.close()
})

const b64 = (s: string) => Buffer.from(s).toString('base64url')
const picture = { mediaType: 'image/webp', width: 128, height: 128, data: b64('group-picture-'.repeat(40)) }

describe('conversation avatars', () => {
  it('two members see the picture a member sets; a non-member does not; null removes it', async () => {
    const alice = await env.user('ca-alice')
    const bob = await env.user('ca-bob')
    const carol = await env.user('ca-carol')
    const eve = await env.user('ca-eve')
    const conv = await alice.createConversation(['ca-bob', 'ca-carol'])
    await waitFor(() => bob.conversations().length === 1 && carol.conversations().length === 1, 'bob and carol joined')
    await alice.directConversation('ca-eve')
    expect(alice.features.info(conv).avatar).toBeNull()

    const event = new Promise<void>((resolve) => bob.on('conversation', (e) => e.id === conv && e.change === 'avatar' && resolve()))
    const line = nextMessage(carol, (m) => m.kind === 'conversation')
    await alice.features.setAvatar(conv, picture)
    expect(alice.features.info(conv).avatar).toEqual(picture)
    await event
    expect(bob.features.info(conv).avatar).toEqual(picture)
    expect(await line).toMatchObject({ text: 'ca-alice changed the conversation\'s picture', from: 'ca-alice' })
    await waitFor(() => carol.features.info(conv).avatar?.data === picture.data, 'carol to see it')
    // The name is untouched by a picture-only change.
    expect(bob.features.info(conv).name).toBeNull()

    // Eve, not a member (she shares only a direct conversation with alice), never learns it.
    await new Promise((r) => setTimeout(r, 300))
    expect(eve.conversations().some((c) => c.id === conv)).toBe(false)
    for (const c of eve.conversations()) expect(eve.features.info(c.id).avatar).toBeNull()
    await expect(eve.features.setAvatar(conv, picture)).rejects.toBeInstanceOf(CandorError)
    expect(alice.features.info(conv).avatar).toEqual(picture)

    // Bob removes it: everyone follows.
    const removed = nextMessage(alice, (m) => m.kind === 'conversation' && m.from === 'ca-bob')
    await bob.features.setAvatar(conv, null)
    expect((await removed).text).toBe('ca-bob removed the conversation\'s picture')
    await waitFor(() => alice.features.info(conv).avatar === null && carol.features.info(conv).avatar === null, 'the removal everywhere')
  })

  it('a bad picture is refused before anything is sent and changes nothing', async () => {
    const alice = await env.user('cb-alice')
    const bob = await env.user('cb-bob')
    const conv = await alice.createConversation(['cb-bob'])
    await waitFor(() => bob.conversations().length === 1, 'bob joined')
    const before = (await alice.history(conv)).length
    const bad = [
      { ...picture, mediaType: 'text/html' },
      { ...picture, data: '' },
      { ...picture, data: Buffer.alloc(16 * 1024 + 1).toString('base64url') },
      { ...picture, width: 0 },
      { ...picture, height: 4097 },
    ]
    for (const a of bad) {
      const err = await alice.features.setAvatar(conv, a).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(CandorError)
      expect((err as CandorError).code).toBe('bad_request')
    }
    expect((await alice.history(conv)).length).toBe(before)
    expect(alice.features.info(conv).avatar).toBeNull()
    // The largest allowed one goes through.
    await alice.features.setAvatar(conv, { ...picture, data: Buffer.alloc(16 * 1024, 7).toString('base64url') })
    await waitFor(() => bob.features.info(conv).avatar !== null, 'bob to get the 16 KiB picture')
  })
})
