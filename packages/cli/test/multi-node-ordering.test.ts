// Cross-node ordering on PostgreSQL: a bus delivery that arrives with a gap (seq > last pushed
// + 1) must make the connection read its queue, never push past the gap. A NATS bus can lose
// or reorder a delivery between nodes (another node published before this node's
// subscription was registered; two nodes' publishes race), so the bus here does exactly that,
// deterministically: it drops or holds back the first delivery to one device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { createServer, generateServerKeys, InProcessBus, type Bus, type CandorServer } from '@candor/server'
import type { BusDelivery } from '@candor/ports'
import { PostgresStore } from '@candor/store-postgres'
import { CandorClient, MemoryLocalStore, type MessageRecord } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { clusterServicesMissing, PG_URL } from './multi-node-cluster.ts'

const missing = await clusterServicesMissing()

/** The in-process bus, except that deliveries to `target` can be dropped or held back. */
class UnreliableBus extends InProcessBus implements Bus {
  target: string | undefined
  mode: 'drop' | 'hold' = 'drop'
  /** How many of the next deliveries to the target to drop or hold. */
  misbehave = 0
  held: BusDelivery[] = []

  override publish(deliveries: readonly BusDelivery[]): void {
    const out: BusDelivery[] = []
    for (const d of deliveries) {
      if (d.deviceId === this.target && d.seq > 0 && this.misbehave > 0) {
        this.misbehave--
        if (this.mode === 'hold') this.held.push(d)
        continue
      }
      out.push(d)
    }
    super.publish(out)
  }

  release(): void {
    super.publish(this.held.splice(0))
  }
}

const options = (server: string) => ({ server, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })

function collect(c: CandorClient): MessageRecord[] {
  const seen: MessageRecord[] = []
  c.on('message', (m) => seen.push(m))
  return seen
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe.skipIf(missing !== null)('a gap in per-device seqs on PostgreSQL means fetch, not skip', () => {
  const schema = `candor_ordering_${Date.now().toString(36)}`
  let store: PostgresStore
  let server: CandorServer
  const bus = new UnreliableBus()
  const clients: CandorClient[] = []

  beforeAll(async () => {
    store = await PostgresStore.open(PG_URL, { schema })
    server = await createServer({ store, keys: generateServerKeys(), bus, logLevel: 'silent' })
  })

  afterAll(async () => {
    for (const c of clients) c.close()
    await server?.close()
    await store?.close()
    const sql = postgres(PG_URL, { max: 1, onnotice: () => {} })
    await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`
    await sql.end({ timeout: 1 })
  })

  async function pair(a: string, b: string) {
    const alice = await CandorClient.register(options(server.url), a)
    const bob = await CandorClient.register(options(server.url), b)
    clients.push(alice, bob)
    await alice.connect()
    await bob.connect()
    const conv = await alice.directConversation(b)
    await bob.sync()
    return { alice, bob, conv }
  }

  it('is declared by the stores', () => {
    expect(store.contiguousSeqs).toBe(true)
  })

  it('a lost delivery is fetched when the next one shows the gap', async () => {
    const { alice, bob, conv } = await pair('alice', 'bob')
    const seen = collect(bob)
    bus.target = bob.deviceId
    bus.mode = 'drop'
    bus.misbehave = 1
    await alice.send(conv, 'one') // its live push is lost
    await alice.send(conv, 'two') // arrives with a gap: the connection fetches one, then two
    await waitFor(() => seen.length >= 2, 'bob to get both messages')
    expect(seen.map((m) => m.text)).toEqual(['one', 'two'])
  })

  it('a delivery overtaken by a later one is fetched in order; the late copy is ignored', async () => {
    const { alice, bob, conv } = await pair('carol', 'dave')
    const seen = collect(bob)
    bus.target = bob.deviceId
    bus.mode = 'hold'
    bus.misbehave = 2
    for (const t of ['one', 'two', 'three']) await alice.send(conv, t)
    await waitFor(() => seen.length >= 3, 'dave to get all three')
    bus.release() // the held copies of one and two arrive last: already pushed, dropped
    await alice.send(conv, 'four')
    await waitFor(() => seen.length >= 4, 'dave to get four')
    await new Promise((r) => setTimeout(r, 100))
    expect(seen.map((m) => m.text)).toEqual(['one', 'two', 'three', 'four'])
  })
})
