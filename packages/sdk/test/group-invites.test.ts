// Group invite links through the SDK and a real server (docs/protocol.md §5.8 "Group links"):
// a member makes a link to a group; someone who uses it is added by the creator's device (an
// MLS commit) and reads the group from then on, and the other members see "X added Y". Refused:
// a link made by a non-member, a used-up or revoked link, something that is not a group link;
// a `join` whose secret is no live link of this device adds nobody.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorError, toBase64Url, randomBytes, type DeliverFrame, type JoinContent } from '@candor/protocol'
import type { Leaf } from '@candor/crypto'
import type { CandorClient } from '../src/index.ts'
import { nextMessage, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeAll(async () => {
  env = await startDevEnv()
}, 180_000)
afterAll(async () => {
  await env?.close()
})

async function code(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err)
  expect(e).toBeInstanceOf(CandorError)
  return (e as CandorError).code
}

function membersOf(c: CandorClient, conversation: string): string[] {
  return [...(c.conversations().find((x) => x.id === conversation)?.members ?? [])].sort()
}

describe('group invite links', () => {
  it('someone who uses a group link is added by the creator’s device; the others see the line; used up, then refused', async () => {
    const alice = await env.user('gi-alice')
    const bob = await env.user('gi-bob')
    const dave = await env.user('gi-dave')
    const eve = await env.user('gi-eve')
    const group = await alice.createConversation(['gi-bob'])
    await waitFor(() => bob.conversations().length === 1, 'bob joined')

    const { link, invite } = await alice.groupInvites.create(group, { maxUses: 1, expiresInSeconds: 3600 })
    expect(link).toMatch(new RegExp(`^${env.server.url}/#/join/[A-Za-z0-9_-]{43}$`))
    // The server's record knows neither the secret nor the group.
    expect(JSON.stringify(invite)).not.toContain(link.split('/').pop()!)
    expect(JSON.stringify(await alice.invites.list())).not.toContain(group)

    const added = nextMessage(bob, (m) => m.kind === 'members', 60_000)
    await dave.groupInvites.join(link)
    expect(await added).toMatchObject({ text: 'gi-alice added gi-dave' })
    await waitFor(() => dave.conversations().some((c) => c.id === group), 'dave to join the group', 60_000)
    const hello = nextMessage(dave, (m) => m.text === 'welcome dave')
    await bob.send(group, 'welcome dave')
    await hello
    expect(membersOf(alice, group)).toEqual(['gi-alice', 'gi-bob', 'gi-dave'])

    // Used once: eve is refused by the server and nothing changes.
    expect(await code(eve.groupInvites.join(link))).toBe('invite_invalid')
    await new Promise((r) => setTimeout(r, 300))
    expect(eve.conversations().some((c) => c.id === group)).toBe(false)
    expect(membersOf(alice, group)).toEqual(['gi-alice', 'gi-bob', 'gi-dave'])
  })

  it('refused: a non-member’s link to the group, a revoked link, not a group link; an unknown secret adds nobody', async () => {
    const alice = await env.user('gr-alice')
    const bob = await env.user('gr-bob')
    const eve = await env.user('gr-eve')
    const group = await alice.createConversation(['gr-bob'])
    await waitFor(() => bob.conversations().length === 1, 'bob joined')

    expect(await code(eve.groupInvites.create(group))).toBe('not_member')
    const { link, invite } = await alice.groupInvites.create(group, { maxUses: 5 })
    await alice.groupInvites.revoke(invite.inviteId)
    expect(await code(eve.groupInvites.join(link))).toBe('invite_invalid')
    expect(await code(eve.groupInvites.join(link.replace('#/join/', '#/invite/')))).toBe('bad_request')
    expect(await code(eve.groupInvites.join(`${env.server.url}/#/join/short`))).toBe('bad_request')
    expect(await code(eve.groupInvites.join(`${env.server.url}/#/join/${'A'.repeat(43)}`))).toBe('not_found')

    // A `join` reaching alice's device with a secret she holds no live link for (a guess, or her
    // revoked link) adds nobody.
    const direct = await eve.directConversation('gr-alice')
    await waitFor(() => alice.conversations().some((c) => c.id === direct), 'alice to have the direct conversation')
    const sender = { userId: 'gr-eve', deviceId: eve.deviceId } as unknown as Leaf
    const frame = { groupId: direct, sentAt: Date.now() } as unknown as DeliverFrame
    for (const secret of [toBase64Url(randomBytes(32)), link.split('/').pop()!]) {
      await alice.groupInvites.received(frame, sender, { type: 'join', id: 'x', sentAt: Date.now(), secret } as unknown as JoinContent)
    }
    await new Promise((r) => setTimeout(r, 500))
    expect(membersOf(alice, group)).toEqual(['gr-alice', 'gr-bob'])
    expect(membersOf(bob, group)).toEqual(['gr-alice', 'gr-bob'])
  })
})
