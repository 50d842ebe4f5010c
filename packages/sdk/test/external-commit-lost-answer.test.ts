// A rejoin whose answer is lost (docs/protocol.md §5.2): the server accepts a device's external
// commit, but the answer never reaches the device (the testkit's cutting proxy breaks the
// connection once the server has answered). The device must not stay behind — with its old
// leaf gone and the new one only in a state it did not save — nor post a second rejoin on top of
// its own: it learns that its commit took the epoch and keeps the state it made.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startCuttingProxy, type CuttingProxy } from '@candor/testkit/cutting-proxy'
import { CandorClient, MemoryLocalStore } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
let proxy: CuttingProxy | undefined
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await proxy?.close()
  proxy = undefined
  await env.close()
})

async function talk(a: CandorClient, others: CandorClient[], conv: string, tag: string): Promise<void> {
  const there = others.map((o) => nextMessage(o, (m) => m.text === `${tag} from ${a.userId}`))
  await a.send(conv, `${tag} from ${a.userId}`)
  await Promise.all(there)
  const back = nextMessage(a, (m) => m.text === `${tag} to ${a.userId}`)
  await others[0]!.send(conv, `${tag} to ${a.userId}`)
  await back
}

describe('an external commit whose answer is lost', () => {
  it('is kept: the device learns its rejoin took the epoch, talks both ways, and posts no second one', async () => {
    const [ann, ben] = (await Promise.all(['ann', 'ben'].map((u) => env.user(u)))) as [CandorClient, CandorClient]
    const catStore = new MemoryLocalStore()
    const cat = await env.user('cat', catStore)
    await env.user('dan')
    const conv = await ann.createConversation(['ben', 'cat', 'dan'])
    await waitFor(() => [ben, cat].every((c) => c.conversations().some((v) => v.id === conv)), 'everyone to join')
    await talk(cat, [ann, ben], conv, 'hello')
    const backup = (await catStore.get(`state/${conv}`))!

    // cat's device falls behind (a restored backup), and comes back through the cutting proxy.
    const epochBefore = cat.conversations().find((v) => v.id === conv)!.epoch
    await ann.removeMembers(conv, ['dan'])
    await waitFor(() => cat.conversations().find((v) => v.id === conv)!.epoch > epochBefore, 'cat to process the removal')
    cat.close()
    await catStore.put(`state/${conv}`, backup)
    proxy = await startCuttingProxy(env.server.url)
    proxy.cutNext({ method: 'POST', path: /\/external-commits$/, cut: 'answer' })
    const restored = (await CandorClient.open(options(proxy.url, catStore)))!
    env.clients.push(restored)
    // The message that shows the device is behind is an error (it cannot be processed); the rejoin is not.
    const rejoinErrors: unknown[] = []
    restored.on('error', (e) => {
      if (e.where.includes('rejoin')) rejoinErrors.push(e)
    })
    await restored.connect()

    const rejoined = nextMessage(restored, (m) => m.kind === 'rejoined')
    await ann.send(conv, 'sent while cat could not read')
    await rejoined
    expect(proxy.fired).toEqual([`POST /v1/groups/${conv}/external-commits`])
    // One external commit took one epoch: the server's epoch is the device's, and ann's.
    const serverEpoch = (await env.server.context.store.getGroup(conv as never))!.epoch
    expect(restored.conversations().find((v) => v.id === conv)!.epoch).toBe(serverEpoch)
    await waitFor(() => ann.conversations().find((v) => v.id === conv)!.epoch === serverEpoch, 'ann to process the rejoin')
    expect(serverEpoch).toBe(epochBefore + 2)
    const readers = await ann.whoCanRead(conv)
    expect(readers.find((r) => r.userId === 'cat')?.devices.map((d) => d.deviceId)).toEqual([restored.deviceId])

    await talk(restored, [ann, ben], conv, 'after the lost answer')
    expect((await restored.history(conv)).filter((m) => m.kind === 'rejoined')).toHaveLength(1)
    for (const c of [ann, ben, restored]) expect((await c.history(conv)).map((m) => m.kind)).not.toContain('reset')
    expect(rejoinErrors).toEqual([])
  })
})
