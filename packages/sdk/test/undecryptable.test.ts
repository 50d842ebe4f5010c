// What a device can never process is shown on both sides (docs/protocol.md §2 `undecryptable`,
// §6): the device that failed shows "a message from X could not be decrypted" and tells the
// sender when it can still send in the group — at most once a minute per sender — and the
// sender's message is marked failed for that recipient. A device that is behind cannot tell
// anyone; it keeps the failures for the recovery to report. The damage is done to the bytes
// on bob's real socket, as a broken or hostile server would.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CandorClient, MemoryLocalStore, type MessageRecord } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'
import { faultySocket, type FaultySocket } from './faulty-socket.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await env.close()
})

async function withSocket(userId: string, socket: FaultySocket): Promise<CandorClient> {
  const c = await CandorClient.register({ ...options(env.server.url, new MemoryLocalStore()), webSocket: socket.factory }, userId, `${userId}-laptop`)
  env.clients.push(c)
  await c.connect()
  return c
}

/** Damages the next `n` deliveries of this kind. */
function damageNext(socket: FaultySocket, kind: number, n: number): void {
  let left = n
  socket.corrupt = (f) => f.kind === kind && left-- > 0
}

const notices = (h: MessageRecord[]) => h.filter((m) => m.kind === 'undecryptable')

describe('a message that cannot be decrypted', () => {
  it('is shown to the recipient, reported to the sender (once a minute), and marks the sender’s message failed for that device', async () => {
    const socket = faultySocket()
    const alice = await env.user('alice')
    const bob = await withSocket('bob', socket)
    const conv = await alice.directConversation('bob')
    await waitFor(() => bob.conversations().some((c) => c.id === conv), 'bob to join')
    const statuses: Array<{ id: string; failedFor: unknown }> = []
    alice.on('status', (s) => statuses.push({ id: s.id, failedFor: s.failedFor }))

    damageNext(socket, 0, 2)
    const first = await alice.send(conv, 'secret 1')
    const second = await alice.send(conv, 'secret 2')
    const fine = nextMessage(bob, (m) => m.text === 'fine')
    await alice.send(conv, 'fine')
    await fine

    // Bob: two notices in place of the two messages, from alice, with why; the conversation goes on.
    const shown = notices(await bob.history(conv))
    expect(shown.map((m) => m.id)).toEqual([first.id, second.id])
    expect(shown[0]).toMatchObject({
      from: 'alice',
      fromDevice: alice.deviceId,
      direction: 'in',
      text: expect.stringMatching(/^A message from alice could not be decrypted/),
      undecryptable: { messageId: first.id, sender: alice.deviceId, epoch: 1, kind: 'application', reason: 'decrypt_failed', reported: true },
    })
    // The second within the minute is not reported again; bob's device keeps it for the recovery.
    expect(shown[1]!.undecryptable).toMatchObject({ messageId: second.id, reported: false })
    expect((await bob.unreportedFailures()).map((u) => u.target.messageId)).toEqual([second.id])
    await waitFor(async () => (await env.server.context.store.pendingCount(bob.deviceId as never)) === 0, 'bob to acknowledge everything')

    // Alice: her first message is failed for bob's laptop, the second still "sent".
    await waitFor(() => statuses.length === 1, 'alice to learn it')
    const failedFor = [{ userId: 'bob', deviceId: bob.deviceId, reason: 'decrypt_failed' }]
    expect(statuses).toEqual([{ id: first.id, failedFor }])
    const mine = await alice.history(conv)
    expect(mine.find((m) => m.id === first.id)).toMatchObject({ text: 'secret 1', status: 'failed', failedFor })
    expect(mine.find((m) => m.id === second.id)).not.toHaveProperty('status')
    expect(await alice.deliveryFailures()).toEqual([expect.objectContaining({ n: 1, conversation: conv, messageId: first.id, ...failedFor[0] })])
    // The report itself is no line in either conversation.
    expect(mine.map((m) => m.text)).toEqual(['secret 1', 'secret 2', 'fine'])
  })

  it('a device that cannot process a commit is behind: it shows what it misses and keeps it unreported', async () => {
    const socket = faultySocket()
    const alice = await env.user('alice')
    const bob = await withSocket('bob', socket)
    await env.user('carol')
    const conv = await alice.createConversation(['bob'])
    await waitFor(() => bob.conversations().some((c) => c.id === conv), 'bob to join')
    const statuses: unknown[] = []
    alice.on('status', (s) => statuses.push(s))

    damageNext(socket, 1, 1)
    await alice.addMembers(conv, ['carol'])
    const after = await alice.send(conv, 'after carol joined')
    // The commit, alice's "alice added carol" line and her message.
    await waitFor(async () => notices(await bob.history(conv)).length === 3, 'bob to show all three')

    const [commit, line, message] = notices(await bob.history(conv))
    expect(commit!.undecryptable).toMatchObject({ kind: 'commit', sender: alice.deviceId, epoch: 1, reason: 'decrypt_failed', reported: false })
    expect(line!.undecryptable).toMatchObject({ kind: 'application', epoch: 2, reason: 'epoch_unavailable', reported: false })
    expect(message!.undecryptable).toMatchObject({ messageId: after.id, kind: 'application', epoch: 2, reason: 'epoch_unavailable', reported: false })
    expect((await bob.unreportedFailures()).map((u) => u.target.kind)).toEqual(['commit', 'application', 'application'])
    await waitFor(async () => (await env.server.context.store.pendingCount(bob.deviceId as never)) === 0, 'bob to acknowledge both')
    // Bob sent nothing into a group he is behind in.
    await new Promise((r) => setTimeout(r, 300))
    expect(statuses).toEqual([])
  })
})
