import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nextMessage, startDevEnv, type DevEnv } from './dev-env.ts'

describe('1:1 conversation through a real server', () => {
  let env: DevEnv
  beforeAll(async () => {
    env = await startDevEnv()
  })
  afterAll(async () => {
    await env.close()
  })

  it('alice and bob exchange messages both ways', async () => {
    const alice = await env.user('alice')
    const bob = await env.user('bob')
    const conv = await alice.directConversation('bob')
    const gotHello = nextMessage(bob)
    await alice.send(conv, 'hello bob')
    const m = await gotHello
    expect(m).toMatchObject({ conversation: conv, from: 'alice', text: 'hello bob', direction: 'in' })

    const gotReply = nextMessage(alice)
    await bob.send(conv, 'hi alice')
    expect(await gotReply).toMatchObject({ from: 'bob', text: 'hi alice' })

    expect((await alice.history(conv)).map((r) => r.text)).toEqual(['hello bob', 'hi alice'])
    expect((await bob.history(conv)).map((r) => r.text)).toEqual(['hello bob', 'hi alice'])
    // Sending to bob again reuses the conversation.
    expect(await alice.directConversation('bob')).toBe(conv)
    const readers = await alice.whoCanRead(conv)
    expect(readers.map((r) => r.userId)).toEqual(['alice', 'bob'])
    expect(readers.every((r) => r.devices.every((d) => d.verified))).toBe(true)

    // Both sides derive the same safety number from the directory; it is 60 digits.
    const a = await alice.safetyNumber('bob')
    const b = await bob.safetyNumber('alice')
    expect(a).toEqual(b)
    expect(a.number.replace(/\s/g, '')).toMatch(/^\d{60}$/)
    const carol = await env.user('carol')
    expect((await alice.safetyNumber('carol')).number).not.toBe(a.number)
    void carol
  })
})
