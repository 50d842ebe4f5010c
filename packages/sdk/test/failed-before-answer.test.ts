// A recipient's report that it could not decrypt a message (docs/protocol.md §2
// `undecryptable`) can reach the sender before the server's answer to the send does: the
// recipient reads, fails and reports while the answer is still on its way. The 'status' event
// then names a message the sender's UI does not list yet (the web client's "frank's laptop"
// test failed so, now and then). The record the send returns carries what is known by then.
// Here the answer is held on alice's real socket until her device has learnt the failure.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FrameType } from '@candor/protocol'
import { CandorClient, MemoryLocalStore, type WebSocketFactory } from '../src/index.ts'
import { nodeWebSocket } from '../src/node/index.ts'
import { options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'
import { faultySocket } from './faulty-socket.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await env.close()
})

/** A socket whose 'accepted' frames wait while `hold` is set, then arrive in order. */
function holdingSocket(): { factory: WebSocketFactory; hold: Promise<unknown> | undefined; held: number } {
  const s: { factory: WebSocketFactory; hold: Promise<unknown> | undefined; held: number } = {
    hold: undefined,
    held: 0,
    factory: (url) => {
      const ws = nodeWebSocket(url)
      return new Proxy(ws, {
        set(target, prop, value: typeof ws.onmessage) {
          if (prop !== 'onmessage' || !value) return Reflect.set(target, prop, value)
          target.onmessage = (ev) => {
            const bytes = new Uint8Array(ev.data as ArrayBuffer)
            if (bytes[0] !== FrameType.accepted || s.hold === undefined) return value(ev)
            s.held++
            void s.hold.then(() => value(ev))
          }
          return true
        },
      })
    },
  }
  return s
}

describe('a report that comes before the send’s answer', () => {
  it('is on the record the send returns (failed for that device), and in the history', async () => {
    const aliceSocket = holdingSocket()
    const alice = await CandorClient.register({ ...options(env.server.url, new MemoryLocalStore()), webSocket: aliceSocket.factory }, 'alice', 'alice-laptop')
    env.clients.push(alice)
    await alice.connect()
    const bobSocket = faultySocket()
    const bob = await CandorClient.register({ ...options(env.server.url, new MemoryLocalStore()), webSocket: bobSocket.factory }, 'bob', 'bob-laptop')
    env.clients.push(bob)
    await bob.connect()
    const conv = await alice.directConversation('bob')
    await waitFor(() => bob.conversations().some((c) => c.id === conv), 'bob to join')

    let left = 1
    bobSocket.corrupt = (f) => f.kind === 0 && left-- > 0
    const learnt = new Promise<string>((resolve) => alice.on('status', (s) => resolve(s.id)))
    aliceSocket.hold = learnt
    const sent = await alice.send(conv, 'can you read this?')
    aliceSocket.hold = undefined
    // The answer was held until the report had come: the status event came first.
    expect(aliceSocket.held).toBe(1)
    expect(await learnt).toBe(sent.id)

    const failedFor = [{ userId: 'bob', deviceId: bob.deviceId, reason: 'decrypt_failed' }]
    expect(sent).toMatchObject({ text: 'can you read this?', status: 'failed', failedFor })
    expect((await alice.history(conv)).find((m) => m.id === sent.id)).toMatchObject({ status: 'failed', failedFor })
    // The next message, which bob reads, is just sent.
    const next = await alice.send(conv, 'and this?')
    expect(next).not.toHaveProperty('status')
  })
})
