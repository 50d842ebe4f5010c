// Three `candor serve` processes on one PostgreSQL and one NATS, clients spread over them:
// the core conversations work across nodes, and SIGKILLing a node mid-traffic loses no
// acknowledged message while its clients fail over to a surviving node. A load balancer does
// that failover in a deployment; here the test re-opens the same device store against
// another node's URL (the SDK takes one base URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { CandorClient, MemoryLocalStore, type MessageRecord } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { clusterServicesMissing, PG_URL, startCluster, type Cluster } from './multi-node-cluster.ts'

const missing = await clusterServicesMissing()

const options = (server: string, store = new MemoryLocalStore()) => ({ server, store, crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })

function nextMessage(c: CandorClient, match: (m: MessageRecord) => boolean, timeoutMs = 60_000): Promise<MessageRecord> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off()
      reject(new Error(`${c.userId} got no matching message in ${timeoutMs} ms`))
    }, timeoutMs)
    const off = c.on('message', (m) => {
      if (!match(m)) return
      clearTimeout(t)
      off()
      resolve(m)
    })
  })
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe.skipIf(missing !== null)('three nodes on one PostgreSQL and one NATS', () => {
  let cluster: Cluster
  let sql: postgres.Sql
  const clients: CandorClient[] = []
  const url = (node: number) => cluster.nodes[node]!.url

  /** Registers a user's first device on the given node (0-2) and connects it. */
  async function user(name: string, node: number, store = new MemoryLocalStore()): Promise<CandorClient> {
    const c = await CandorClient.register(options(url(node), store), name, `${name}-device`)
    clients.push(c)
    await c.connect()
    return c
  }

  /** Opens a device kept in `store` against another node: what a load balancer does. */
  async function reopen(store: MemoryLocalStore, node: number): Promise<CandorClient> {
    const c = await CandorClient.open(options(url(node), store))
    if (!c) throw new Error('no device in that store')
    clients.push(c)
    return c
  }

  const queued = async (deviceId: string) =>
    Number((await sql`SELECT count(*)::int AS n FROM ${sql(cluster.schema)}.queue WHERE device_id = ${deviceId}`)[0]!['n'])

  beforeAll(async () => {
    cluster = await startCluster(3)
    sql = postgres(PG_URL, { max: 1, onnotice: () => {} })
  })

  afterAll(async () => {
    for (const c of clients) c.close()
    await sql?.end({ timeout: 1 })
    await cluster?.close()
  })

  it('1:1 both ways with the two users on different nodes', async () => {
    const alice = await user('alice', 0)
    const bob = await user('bob', 1)
    const conv = await alice.directConversation('bob')
    const gotHello = nextMessage(bob, (m) => m.text === 'hello bob')
    await alice.send(conv, 'hello bob')
    expect(await gotHello).toMatchObject({ conversation: conv, from: 'alice', direction: 'in' })

    const gotReply = nextMessage(alice, (m) => m.text === 'hi alice')
    await bob.send(conv, 'hi alice')
    expect(await gotReply).toMatchObject({ from: 'bob', conversation: conv })

    // A burst each way at once: in order per conversation on both sides.
    const N = 40
    const aliceGot = new Promise<void>((resolve) => {
      let n = 0
      alice.on('message', (m) => m.text.startsWith('b→a') && ++n === N && resolve())
    })
    const bobGot = new Promise<void>((resolve) => {
      let n = 0
      bob.on('message', (m) => m.text.startsWith('a→b') && ++n === N && resolve())
    })
    await Promise.all([
      Promise.all(Array.from({ length: N }, (_, i) => alice.send(conv, `a→b ${i}`))),
      Promise.all(Array.from({ length: N }, (_, i) => bob.send(conv, `b→a ${i}`))),
    ])
    await Promise.all([aliceGot, bobGot])
    const expected = (p: string) => Array.from({ length: N }, (_, i) => `${p} ${i}`)
    for (const c of [alice, bob]) {
      const texts = (await c.history(conv)).map((m) => m.text)
      expect(texts.filter((t) => t.startsWith('a→b'))).toEqual(expected('a→b'))
      expect(texts.filter((t) => t.startsWith('b→a'))).toEqual(expected('b→a'))
    }
    const readers = await alice.whoCanRead(conv)
    expect(readers.map((r) => r.userId)).toEqual(['alice', 'bob'])
    expect(readers.every((r) => r.devices.every((d) => d.verified))).toBe(true)
  })

  it('a group of five over three nodes: add, remove, a removed member reads nothing after', async () => {
    // ann, dan on node 1; ben, eve on node 2; cat on node 3.
    const [a, b, c, d, e] = await Promise.all([
      user('ann', 0),
      user('ben', 1),
      user('cat', 2),
      user('dan', 0),
      user('eve', 1),
    ])
    const group = await a.createConversation(['ben', 'cat', 'dan'])
    await waitFor(() => [b, c, d].every((x) => x.conversations().some((v) => v.id === group)), 'members to join')

    await a.addMembers(group, ['eve'])
    await waitFor(() => e.conversations().some((v) => v.id === group), 'eve to join')

    const got = [a, b, d, e].map((x) => nextMessage(x, (m) => m.text === 'from cat'))
    await c.send(group, 'from cat')
    for (const m of await Promise.all(got)) expect(m.from).toBe('cat')
    expect((await a.whoCanRead(group)).map((r) => r.userId)).toEqual(['ann', 'ben', 'cat', 'dan', 'eve'])

    await b.removeMembers(group, ['dan'])
    await waitFor(() => d.conversations().find((v) => v.id === group)?.status === 'removed', 'dan to see his removal')
    const epochOf = (x: CandorClient) => x.conversations().find((v) => v.id === group)?.epoch
    await waitFor(() => [a, c, e].every((x) => epochOf(x) === epochOf(b)), 'everyone to reach the removal epoch')

    const danSaw: string[] = []
    d.on('message', (m) => danSaw.push(m.text))
    const stillIn = [a, b, c].map((x) => nextMessage(x, (m) => m.text === 'after dan left'))
    await e.send(group, 'after dan left')
    await Promise.all(stillIn)
    await d.sync()
    expect(danSaw).not.toContain('after dan left')
    expect((await d.history(group)).map((m) => m.text)).not.toContain('after dan left')
    expect((await e.whoCanRead(group)).map((r) => r.userId)).toEqual(['ann', 'ben', 'cat', 'eve'])
    // Every node routes by the shared roster: no node delivers to dan any more.
    const members = await sql`SELECT device_id FROM ${sql(cluster.schema)}.group_members WHERE group_id = ${group}`
    expect(members.map((r) => r['device_id'])).not.toContain(d.deviceId)
  })

  it('an offline device drains its queue on another node, in order, each message once', async () => {
    const fay = await user('fay', 0)
    const gusStore = new MemoryLocalStore()
    const gus = await user('gus', 1, gusStore)
    const conv = await fay.directConversation('gus')
    // The welcome crosses nodes over NATS: wait until gus has joined, not just for a sync.
    await waitFor(() => gus.conversations().some((v) => v.id === conv), 'gus to join')
    await gus.sync()
    gus.close()

    const N = 60
    for (let i = 0; i < N; i++) await fay.send(conv, `queued ${i}`)
    // N queued (gus's ack of the welcome, sent as he closed, may still be landing).
    await waitFor(async () => (await queued(gus.deviceId)) === N, `${N} messages queued for gus`)

    const again = await reopen(gusStore, 2)
    const seen: string[] = []
    again.on('message', (m) => seen.push(m.text))
    await again.connect()
    expect(seen).toEqual(Array.from({ length: N }, (_, i) => `queued ${i}`))
    expect((await again.history(conv)).length).toBe(N)
    // Acks taken by node 3 delete what node 1 queued.
    await waitFor(async () => (await queued(gus.deviceId)) === 0, "gus's queue to empty")

    // And live traffic reaches him on node 3 from fay on node 1.
    const live = nextMessage(again, (m) => m.text === 'live')
    await fay.send(conv, 'live')
    await live
  })

  it('SIGKILL of a node mid-traffic loses no acknowledged message; its clients fail over', async () => {
    // ivy is on node 3, which dies; jon is on node 1 and kim on node 2.
    const ivyStore = new MemoryLocalStore()
    const ivy = await user('ivy', 2, ivyStore)
    const jon = await user('jon', 0)
    const kim = await user('kim', 1)
    const toJon = await ivy.directConversation('jon')
    const toIvy = await kim.directConversation('ivy')
    await waitFor(() => jon.conversations().some((v) => v.id === toJon) && ivy.conversations().some((v) => v.id === toIvy), 'jon and ivy to join')

    const ivyAcked = new Set<string>()
    const kimAcked = new Set<string>()
    const kimSends: Array<Promise<unknown>> = []
    const WAVE = 25
    const WAVES = 6
    const KILL_AFTER = 2
    let sender = ivy
    let ackedAtKill = -1
    for (let w = 0; w < WAVES; w++) {
      const wave: Array<Promise<unknown>> = []
      for (let i = w * WAVE; i < (w + 1) * WAVE; i++) {
        // Failures are not awaited: the old client's retries against the dead node run out
        // by themselves; only what the server acknowledged counts.
        wave.push(sender.send(toJon, `ivy ${i}`).then((m) => ivyAcked.add(m.text), () => undefined))
        kimSends.push(kim.send(toIvy, `kim ${i}`).then((m) => kimAcked.add(m.text)))
      }
      if (w === KILL_AFTER) {
        // Kill node 3 with this wave in flight: some of it stored, some not yet acknowledged.
        await new Promise((r) => setImmediate(r))
        ackedAtKill = ivyAcked.size
        await cluster.nodes[2]!.kill('SIGKILL')
        ivy.close()
        // Let the old client finish encrypting what it had started (it saves the MLS state to
        // the shared device store), then open the device on node 2.
        await new Promise((r) => setTimeout(r, 300))
        sender = await reopen(ivyStore, 1)
        await sender.connect()
      } else {
        await Promise.all(wave)
      }
    }
    await Promise.all(kimSends)
    expect(ackedAtKill).toBeGreaterThanOrEqual(KILL_AFTER * WAVE)
    expect(ackedAtKill, 'the kill landed after the wave was acknowledged').toBeLessThan((KILL_AFTER + 1) * WAVE)
    // Everything sent after the failover was acknowledged.
    for (let i = (KILL_AFTER + 1) * WAVE; i < WAVES * WAVE; i++) expect(ivyAcked).toContain(`ivy ${i}`)
    expect(kimAcked.size).toBe(WAVES * WAVE)

    // Every message acknowledged to ivy's old or new client reached jon, once.
    await waitFor(async () => {
      const got = new Set((await jon.history(toJon)).map((m) => m.text))
      return [...ivyAcked].every((t) => got.has(t))
    }, 'jon to receive every acknowledged message from ivy')
    const jonGot = (await jon.history(toJon)).map((m) => m.text)
    expect(new Set(jonGot).size).toBe(jonGot.length)

    // Everything kim sent reached ivy (partly on node 3 before it died, the rest drained or
    // pushed on node 2), once each, in order.
    await sender.sync()
    await waitFor(async () => (await sender.history(toIvy)).length >= WAVES * WAVE, 'ivy to receive all of kim')
    const ivyGot = (await sender.history(toIvy)).map((m) => m.text)
    expect(ivyGot).toEqual(Array.from({ length: WAVES * WAVE }, (_, i) => `kim ${i}`))

    // The failed-over device keeps working both ways, and its queue is acknowledged.
    const back = nextMessage(sender, (m) => m.text === 'still here?')
    await jon.send(toJon, 'still here?')
    await back
    await waitFor(async () => (await queued(sender.deviceId)) === 0, "ivy's queue to empty")
    expect(cluster.nodes[2]!.alive()).toBe(false)
  })
})
