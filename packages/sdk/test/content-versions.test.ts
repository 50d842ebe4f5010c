// Message content across versions (docs/protocol.md §2): what an older client wrote (version
// 1) and what a newer one may write (a type or a version this SDK does not know). That this
// SDK writes version 2 with the sender's checkpoints, split-view.test.ts shows. Bob's client is the real one; the
// other versions' messages are made by a stand-in for alice's device that encrypts whatever
// plaintext it is given under her real MLS state and sends it over her delivery connection.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newMessageId, utf8, type GroupId, type MessageId } from '@candor/protocol'
import { DirectoryAuthenticationService, clientConfigWith, getSuites } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { MemoryLocalStore, type CandorClient, type MessageRecord } from '../src/index.ts'
import { Connection } from '../src/connection.ts'
import { encryptApplication, loadState, saveState } from '@candor/crypto'
import { nodeWebSocket } from '../src/node/index.ts'
import { nextMessage, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await env.close()
})

/** Alice's device as another version of Candor: her client is closed, her keys and MLS state used directly. */
async function otherVersion(alice: CandorClient, store: MemoryLocalStore, conversation: string) {
  alice.close()
  const suite = await getSuites(nodeCryptoProvider())
  // Encrypting checks no credentials: this stand-in only sends.
  const config = clientConfigWith(new DirectoryAuthenticationService(async () => null))
  const ws = env.server.url.replace(/^http/, 'ws')
  const endpoint = { url: `${ws}/v1/ws`, session: () => alice.api.session(), forgetSession: () => alice.api.forgetSession() }
  const conn = new Connection(endpoint, nodeWebSocket, {
    onDeliver: async () => undefined,
    onNotice: () => undefined,
    onState: () => undefined,
    onSessionEnded: () => undefined,
  })
  conn.start()
  await conn.whenOnline()
  return {
    async send(content: Record<string, unknown>): Promise<void> {
      const state = loadState((await store.get(`state/${conversation}`))!, config)
      const out = await encryptApplication(suite, state, utf8(JSON.stringify(content)))
      await store.put(`state/${conversation}`, saveState(out.state))
      const id = typeof content.id === 'string' ? (content.id as MessageId) : newMessageId()
      await conn.send(conversation as GroupId, id, out.message)
    },
    close: () => conn.close(),
  }
}

async function aliceAndBob() {
  const aliceStore = new MemoryLocalStore()
  const alice = await env.user('alice', aliceStore)
  const bob = await env.user('bob')
  const conv = await alice.directConversation('bob')
  await waitFor(() => bob.conversations().some((c) => c.id === conv), 'bob to join')
  return { alice, aliceStore, bob, conv }
}

describe('message content versions', () => {
  it('shows a message of a type this version does not know as not supported, with sender and time, never dropping it', async () => {
    const { alice, aliceStore, bob, conv } = await aliceAndBob()
    const other = await otherVersion(alice, aliceStore, conv)
    const id = newMessageId()
    const got = nextMessage(bob, (m) => m.id === id)
    await other.send({ v: 2, type: 'poll', id, sentAt: Date.now(), seen: {}, question: 'lunch?' })
    const m: MessageRecord = await got
    expect(m).toMatchObject({ kind: 'unsupported', from: 'alice', direction: 'in', conversation: conv })
    expect(m.text).toMatch(/not supported by this version.*"poll"/)
    expect((await bob.history(conv)).map((x) => x.id)).toContain(id)

    // A newer format version likewise; and the conversation goes on after both.
    const v3 = newMessageId()
    const got3 = nextMessage(bob, (x) => x.id === v3)
    await other.send({ v: 3, type: 'text', id: v3, sentAt: Date.now(), body: { rich: true } })
    expect(await got3).toMatchObject({ kind: 'unsupported', text: expect.stringMatching(/format version 3/) })
    other.close()
  })

  it('reads version 1 from an older client as before: a text under its timer, a timer change', async () => {
    const { alice, aliceStore, bob, conv } = await aliceAndBob()
    const other = await otherVersion(alice, aliceStore, conv)
    const id = newMessageId()
    const got = nextMessage(bob, (m) => m.id === id)
    await other.send({ v: 1, type: 'text', id, sentAt: Date.now(), text: 'from an old client', timer: 3600 })
    const m = await got
    expect(m).toMatchObject({ text: 'from an old client', from: 'alice' })
    expect(m.kind).toBeUndefined()
    expect(m.expiresAt).toBe(m.sentAt + 3_600_000)
    const timerId = newMessageId()
    const notice = nextMessage(bob, (x) => x.id === timerId)
    await other.send({ v: 1, type: 'timer', id: timerId, sentAt: Date.now(), seconds: 60 })
    expect(await notice).toMatchObject({ kind: 'timer', timerMs: 60_000 })
    expect(bob.conversations().find((c) => c.id === conv)?.timer).toBe(60_000)
    other.close()
  })
})
