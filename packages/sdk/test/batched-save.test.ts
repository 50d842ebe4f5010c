// A group's state is written once per batch of processed deliveries (Conversations.defer,
// delivery-queue.ts), and the batch is acknowledged only after that write (docs/protocol.md §6).
// Here the device "dies" between processing and saving: its store never completes the write of
// the group's state, the client is dropped, and a new one is opened on what the store holds.
// Nothing may have been acknowledged; the deliveries come again and are processed once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CandorClient, MemoryLocalStore, type LocalStore, type MessageRecord } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  for (const c of env.clients) c.close()
  await env.close()
})

/** A real store in front of which, once `halt` is set, writes of group states never complete (the process died in them). */
class DyingStore implements LocalStore {
  halt = false
  stateWrites = 0
  constructor(readonly inner: MemoryLocalStore) {}
  get(key: string) {
    return this.inner.get(key)
  }
  put(key: string, value: string) {
    if (key.startsWith('state/')) {
      this.stateWrites++
      if (this.halt) return new Promise<void>(() => undefined)
    }
    return this.inner.put(key, value)
  }
  delete(key: string) {
    return this.inner.delete(key)
  }
  keys(prefix: string) {
    return this.inner.keys(prefix)
  }
  append(log: string, line: string) {
    return this.inner.append(log, line)
  }
  lines(log: string) {
    return this.inner.lines(log)
  }
  rewrite(log: string, lines: readonly string[]) {
    return this.inner.rewrite(log, lines)
  }
}

const texts = (h: MessageRecord[]) => h.filter((m) => m.kind === undefined).map((m) => m.text)

describe('the batched save of group state', () => {
  it('acknowledges nothing before the save; killed between processing and saving, the deliveries come again and are processed once', async () => {
    const pending = (c: CandorClient) => env.server.context.store.pendingCount(c.deviceId as never)
    const alice = await CandorClient.register(options(env.server.url), 'alice', 'alice-device')
    env.clients.push(alice)
    await alice.connect()
    const inner = new MemoryLocalStore()
    const store = new DyingStore(inner)
    const bob = await CandorClient.register(options(env.server.url, store), 'bob', 'bob-device')
    env.clients.push(bob)
    await bob.connect()
    const conv = await alice.directConversation('bob')
    await waitFor(() => bob.conversations().some((c) => c.id === conv), 'bob to join')
    const first = nextMessage(bob, (m) => m.text === 'zero')
    await alice.send(conv, 'zero')
    await first
    // Bob's delivered receipt for it went (a send saves the state too, and would die in it below).
    await waitFor(async () => (await alice.history(conv)).find((m) => m.text === 'zero')?.status === 'delivered', 'alice to see zero delivered')
    await bob.sync()
    await waitFor(async () => (await pending(bob)) === 0, 'bob to acknowledge what he saved')

    // From now on bob's device dies in the write of the group's state.
    store.halt = true
    const writesBefore = store.stateWrites
    const shown: string[] = []
    bob.on('message', (m) => shown.push(m.text))
    for (const t of ['one', 'two', 'three']) await alice.send(conv, t)
    // It processes what is ready (at least 'one'), then saves the batch before acknowledging it.
    await waitFor(() => shown.length > 0 && store.stateWrites > writesBefore, 'bob to process and start saving')
    expect(texts(await bob.history(conv))).toEqual(['zero', ...shown])
    // Processed and shown, the state's write under way: none is acknowledged.
    expect(await pending(bob)).toBe(3)

    // Killed. A new process opens the store as the dead one left it.
    bob.close()
    const again = (await CandorClient.open(options(env.server.url, inner)))!
    env.clients.push(again)
    const errors: string[] = []
    again.on('error', (e) => errors.push(e.where))
    const shownAgain: string[] = []
    again.on('message', (m) => shownAgain.push(m.text))
    await again.connect()
    await waitFor(async () => (await pending(again)) === 0, 'the redeliveries to be acknowledged')
    // Those processed before are recognised by their ids (not shown again, not recorded twice), the rest processed now; nothing failed.
    expect(shownAgain).toEqual(['one', 'two', 'three'].slice(shown.length))
    expect(errors).toEqual([])
    expect(texts(await again.history(conv))).toEqual(['zero', 'one', 'two', 'three'])

    // The older state it kept still decrypts what comes next, and bob still sends in step.
    const four = nextMessage(again, (m) => m.text === 'four')
    await alice.send(conv, 'four')
    await four
    const back = nextMessage(alice, (m) => m.text === 'bob is back')
    await again.send(conv, 'bob is back')
    expect((await back).from).toBe('bob')
  })
})
