import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryLocalStore } from '../src/index.ts'
import { CandorClient } from '../src/index.ts'
import { options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

describe('offline device', () => {
  let env: DevEnv
  beforeAll(async () => {
    env = await startDevEnv()
  })
  afterAll(async () => {
    await env.close()
  })

  it('drains its backlog in order on reconnect, each message once', async () => {
    const alice = await env.user('alice')
    const bobStore = new MemoryLocalStore()
    const bob = await env.user('bob', bobStore)
    const conv = await alice.directConversation('bob')
    await waitFor(() => bob.conversations().some((c) => c.id === conv), 'bob to join')
    await bob.sync()
    bob.close()
    await waitFor(async () => (await env.server.context.store.pendingCount(bob.deviceId)) === 0, 'the welcome to be acknowledged')

    const N = 120
    for (let i = 0; i < N; i++) await alice.send(conv, `message ${i}`)
    expect(await env.server.context.store.pendingCount(bob.deviceId)).toBe(N)

    const again = await CandorClient.open(options(env.server.url, bobStore))
    env.clients.push(again!)
    const seen: string[] = []
    again!.on('message', (m) => seen.push(m.text))
    await again!.connect()
    expect(seen).toEqual(Array.from({ length: N }, (_, i) => `message ${i}`))
    expect((await again!.history(conv)).length).toBe(N)
    // Acked messages are deleted from the server's queue (once the server has handled the acks).
    await expect.poll(() => env.server.context.store.pendingCount(bob.deviceId), { timeout: 30_000 }).toBe(0)
  })
})
