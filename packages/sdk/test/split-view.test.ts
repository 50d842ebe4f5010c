// Split views (docs/protocol.md §2.3): a malicious operator shows bob a key directory or access
// log of its own making — signed with the real keys, consistent with itself, so bob's client
// verifies every answer — while alice sees the real one. Alice's and bob's clients talk to the
// same real server; bob's goes through the operator's proxy. One message each way must be
// enough for their clients to notice, with no witness and no trust in the server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { utf8 } from '@candor/protocol'
import { CandorClient, MemoryLocalStore, type SecurityAlert } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'
import { ForkedAccessLog, ForkedDirectory } from './forked-logs.ts'
import { startOperatorProxy, type Answer, type OperatorProxy } from './operator-proxy.ts'

let env: DevEnv
let proxy: OperatorProxy | undefined
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  for (const c of env.clients) c.close()
  await proxy?.close()
  proxy = undefined
  await env.close()
})

function alerts(c: CandorClient): SecurityAlert[] {
  const list: SecurityAlert[] = []
  c.on('alert', (a) => list.push(a))
  return list
}

/** Bob's device, registered and connected through the operator's proxy. */
async function userVia(p: OperatorProxy, userId: string): Promise<CandorClient> {
  const c = await CandorClient.register(options(p.url, new MemoryLocalStore()), userId, `${userId}-device`)
  env.clients.push(c)
  await c.connect()
  return c
}

async function proxyFor(answer: (method: string, url: URL) => Answer | Promise<Answer>): Promise<OperatorProxy> {
  proxy = await startOperatorProxy(env.server.url, answer)
  return proxy
}

/** Alice starts a conversation with bob; resolves once bob has joined it. */
async function converse(alice: CandorClient, bob: CandorClient): Promise<string> {
  const conv = await alice.directConversation('bob')
  await waitFor(() => bob.conversations().some((c) => c.id === conv), 'bob to join')
  return conv
}

/** One message from alice to bob and one back; resolves once both are received and checked. */
async function exchange(alice: CandorClient, bob: CandorClient, n = 1): Promise<string> {
  const conv = await alice.directConversation('bob')
  const toBob = nextMessage(bob, (m) => m.text === `hi bob ${n}`)
  await alice.send(conv, `hi bob ${n}`)
  await toBob
  const toAlice = nextMessage(alice, (m) => m.text === `hi alice ${n}`)
  await bob.send(conv, `hi alice ${n}`)
  await toAlice
  await Promise.all([alice.splitViewChecks(), bob.splitViewChecks()])
  return conv
}

describe('split views caught by the people in a conversation', () => {
  it('a directory forked for bob is detected after one exchange, on both sides, once per sender and checkpoint', async () => {
    const alice = await env.user('alice')
    const fork = await ForkedDirectory.of(env.server, env.keys)
    const bob = await userVia(await proxyFor((m, u) => fork.answer(m, u, 'bob')), 'bob')
    const seenByAlice = alerts(alice)
    const seenByBob = alerts(bob)

    const conv = await exchange(alice, bob)

    expect(seenByBob).toEqual([expect.objectContaining({ kind: 'split_view', log: 'directory', userId: 'alice', deviceId: alice.deviceId })])
    expect(seenByAlice).toEqual([expect.objectContaining({ kind: 'split_view', log: 'directory', userId: 'bob', deviceId: bob.deviceId })])
    // Kept on the device for the person to see.
    expect(await bob.splitViewAlerts()).toEqual(seenByBob)
    expect(await alice.splitViewAlerts()).toEqual(seenByAlice)

    // The same checkpoint again raises nothing new; the messages themselves were delivered all along.
    const again = nextMessage(bob, (m) => m.text === 'once more')
    await alice.send(conv, 'once more')
    await again
    await bob.splitViewChecks()
    expect(seenByBob).toHaveLength(1)
  })

  it('an access log forked for bob (a receipt hidden from him) is detected after one exchange', async () => {
    await env.server.context.access.log.appendUnaddressed(utf8('an access the operator hides from bob'), Date.now())
    const fork = await ForkedAccessLog.of(env.server, env.keys, [utf8('something else in its place')])
    const alice = await env.user('alice')
    const bob = await userVia(await proxyFor((m, u) => fork.answer(m, u)), 'bob')
    // Each has looked at the access log once (as they do for their receipts): each has a view of it.
    expect(await alice.observeAccessLog()).toEqual({ size: 1 })
    expect(await bob.observeAccessLog()).toEqual({ size: 1 })
    const seenByAlice = alerts(alice)
    const seenByBob = alerts(bob)

    await exchange(alice, bob)

    expect(seenByBob).toEqual([expect.objectContaining({ kind: 'split_view', log: 'accessLog', userId: 'alice', deviceId: alice.deviceId })])
    expect(seenByAlice).toEqual([expect.objectContaining({ kind: 'split_view', log: 'accessLog', userId: 'bob', deviceId: bob.deviceId })])
  })

  it('control: with no fork, views of different sizes are proven consistent and nothing is raised', async () => {
    const log = env.server.context.access.log
    await log.appendUnaddressed(utf8('leaf 1'), Date.now())
    const alice = await env.user('alice')
    const p = await proxyFor(() => undefined)
    const bob = await userVia(p, 'bob')
    await alice.observeAccessLog()
    await log.appendUnaddressed(utf8('leaf 2'), Date.now())
    await bob.observeAccessLog()
    await converse(alice, bob)
    // Alice's directory view moves ahead of bob's.
    await env.user('carol')
    await alice.verifiedDevices('carol')
    const seenByAlice = alerts(alice)
    const seenByBob = alerts(bob)

    await exchange(alice, bob)

    expect(seenByAlice).toEqual([])
    expect(seenByBob).toEqual([])
    // Not vacuous: bob fetched the checkpoint alice saw and a consistency proof to it, and for the access log, a proof from alice's size to his.
    expect(p.forwarded.filter((x) => x.startsWith('/v1/directory/checkpoints/'))).not.toEqual([])
    expect(p.forwarded).toContain('/v1/directory/consistency')
    expect(p.forwarded).toContain('/v1/access-log/consistency')
  })

  it('a check the network interrupts raises no alert, does not hold up delivery, and is retried', async () => {
    const alice = await env.user('alice')
    let cut = false
    const p = await proxyFor((_m, u) => (cut && (u.pathname.startsWith('/v1/directory/checkpoints/') || u.pathname === '/v1/directory/consistency') ? 'hang' : undefined))
    const bob = await userVia(p, 'bob')
    const conv = await converse(alice, bob)
    await env.user('carol')
    await alice.verifiedDevices('carol')
    const seenByBob = alerts(bob)
    cut = true

    // Bob must fetch the checkpoint alice saw; the operator (or the network) holds the request.
    for (const text of ['first', 'second']) {
      const got = nextMessage(bob, (m) => m.text === text)
      await alice.send(conv, text)
      await got
    }
    // The connection drops: a network error, not a refusal.
    p.releaseHung()
    await new Promise((r) => setTimeout(r, 200))
    expect(seenByBob).toEqual([])

    cut = false
    await waitFor(() => p.forwarded.some((x) => x.startsWith('/v1/directory/checkpoints/')), 'the retried check')
    await bob.splitViewChecks()
    expect(seenByBob).toEqual([])
    expect(await bob.splitViewAlerts()).toEqual([])
  })
})
