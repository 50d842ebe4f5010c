import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorClient } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

describe('a user with two devices', () => {
  let env: DevEnv
  beforeAll(async () => {
    env = await startDevEnv()
  })
  afterAll(async () => {
    await env.close()
  })

  it('enrols a second device, approved from the first; both see everything; revocation removes it', async () => {
    const alice = await env.user('alice')
    const bob = await env.user('bob')
    const conv = await alice.directConversation('bob')
    await alice.send(conv, 'before the laptop')

    const laptop = await CandorClient.enrol(options(env.server.url), 'alice', 'laptop')
    env.clients.push(laptop)
    await expect(laptop.connect()).rejects.toMatchObject({ code: 'forbidden' })
    const pending = await alice.pendingEnrolments()
    expect(pending.map((d) => d.deviceId)).toEqual([laptop.deviceId])
    const approved = laptop.waitForApproval()
    await alice.approve(laptop.deviceId)
    await approved
    await laptop.connect()
    await waitFor(() => laptop.conversations().some((c) => c.id === conv), 'laptop to join the conversation')

    const onPhone = nextMessage(alice, (m) => m.text === 'to both of you')
    const onLaptop = nextMessage(laptop, (m) => m.text === 'to both of you')
    await bob.send(conv, 'to both of you')
    expect((await onPhone).from).toBe('bob')
    expect((await onLaptop).from).toBe('bob')

    // What alice sends from one device shows on her other device too.
    const mirrored = nextMessage(laptop, (m) => m.text === 'sent from the phone')
    const toBob = nextMessage(bob, (m) => m.text === 'sent from the phone')
    await alice.send(conv, 'sent from the phone')
    expect(await mirrored).toMatchObject({ from: 'alice', direction: 'out' })
    await toBob

    const readers = await bob.whoCanRead(conv)
    expect(readers.find((r) => r.userId === 'alice')?.devices.map((d) => d.deviceId).sort()).toEqual([alice.deviceId, laptop.deviceId].sort())

    await alice.revoke(laptop.deviceId)
    await waitFor(async () => !(await bob.whoCanRead(conv)).some((r) => r.devices.some((d) => d.deviceId === laptop.deviceId)), 'bob to see the laptop removed')
    expect((await alice.devices()).find((d) => d.deviceId === laptop.deviceId)?.status).toBe('revoked')
    await expect(laptop.api.myDevices()).rejects.toMatchObject({ code: expect.stringMatching(/device_revoked|unauthenticated/) })
  })
})
